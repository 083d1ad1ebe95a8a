/**
 * End to end, as a person sees it: the generated page opened from file:// in Debian's Chromium
 * (headless, via playwright-core), with no network. Checks that every chart is drawn, that the
 * estimate chart's lines are drawn from the logged values (read back from the canvas drawing calls
 * vega made), that the bad lines of a killed run's metrics.jsonl are named on the page, and that no
 * console error occurred; saves screenshots to test-artifacts/report/.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). Without it the tests
 * are skipped with a message; INFOBOUND_REQUIRE_BROWSER=1 (set by .ci/run) makes that a failure.
 * INFOBOUND_CHROMIUM=PATH uses another Chromium binary.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/build.js';
import { SETTINGS, STEPS, TRUE_MI, estimateOf, tmpDir, writeRunFixture, writeSweepFixture } from './fixtures.js';

// INFOBOUND_CHROMIUM points elsewhere (e.g. to check the skip path); the default is Debian's package
const CHROMIUM = process.env.INFOBOUND_CHROMIUM ?? '/usr/bin/chromium';
const hasBrowser = existsSync(CHROMIUM);
const ARTIFACTS = join('test-artifacts', 'report');

if (!hasBrowser) {
  const msg = `report browser tests SKIPPED: ${CHROMIUM} not found (install it: apt-get install -y chromium)`;
  if (process.env.INFOBOUND_REQUIRE_BROWSER === '1') throw new Error(`${msg}; INFOBOUND_REQUIRE_BROWSER=1 requires it`);
  console.warn(msg);
}

/** One stroked canvas path: the vertices passed to moveTo/lineTo since the last beginPath. */
interface Stroke {
  style: string;
  pts: [number, number][];
}

/**
 * Runs in the page before any script: records every stroked path per canvas (reset when vega
 * clears the canvas to redraw), so the test reads what was actually drawn.
 */
function recordCanvasStrokes() {
  const P = CanvasRenderingContext2D.prototype;
  const strokes = new WeakMap<HTMLCanvasElement, Stroke[]>();
  const current = new WeakMap<CanvasRenderingContext2D, [number, number][]>();
  const wrap = (name: keyof CanvasRenderingContext2D, fn: (ctx: CanvasRenderingContext2D, args: any[]) => void) => {
    const orig = P[name] as any;
    (P as any)[name] = function (this: CanvasRenderingContext2D, ...args: any[]) {
      fn(this, args);
      return orig.apply(this, args);
    };
  };
  wrap('beginPath', (ctx) => current.set(ctx, []));
  wrap('moveTo', (ctx, a) => current.get(ctx)?.push([a[0], a[1]]));
  wrap('lineTo', (ctx, a) => current.get(ctx)?.push([a[0], a[1]]));
  wrap('clearRect', (ctx) => strokes.set(ctx.canvas, []));
  wrap('stroke', (ctx) => {
    if (!strokes.has(ctx.canvas)) strokes.set(ctx.canvas, []);
    strokes.get(ctx.canvas)!.push({ style: String(ctx.strokeStyle), pts: [...(current.get(ctx) ?? [])] });
  });
  (window as any).__strokes = (c: HTMLCanvasElement) => strokes.get(c) ?? [];
}

/** Least-squares fit y = a + b·x; returns b and the largest residual. */
function affineFit(x: number[], y: number[]) {
  const n = x.length, mx = x.reduce((s, v) => s + v, 0) / n, my = y.reduce((s, v) => s + v, 0) / n;
  const b = x.reduce((s, v, i) => s + (v - mx) * (y[i] - my), 0) / x.reduce((s, v) => s + (v - mx) ** 2, 0);
  const a = my - b * mx;
  return { b, maxResidual: Math.max(...x.map((v, i) => Math.abs(y[i] - (a + b * v)))) };
}

describe.skipIf(!hasBrowser)('report pages in headless Chromium', () => {
  let ctx: import('playwright-core').BrowserContext;

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    ctx = await chromium.launchPersistentContext(tmpDir('chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      viewport: { width: 1280, height: 900 },
      // a fixed scale so drawn coordinates are CSS pixels
      deviceScaleFactor: 1,
    });
    await ctx.addInitScript(recordCanvasStrokes);
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await ctx?.close();
  });

  async function open(page: string) {
    const p = await ctx.newPage();
    const errors: string[] = [];
    p.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    p.on('pageerror', (e) => errors.push(e.message));
    // offline: any request that is not a local file fails the test
    await p.route(/^(?!file:)/, (route) => {
      errors.push(`network request: ${route.request().url()}`);
      return route.abort();
    });
    await p.goto(pathToFileURL(page).href);
    await p.waitForFunction(() => document.body.dataset.charts !== 'pending', null, { timeout: 60_000 });
    return { p, errors };
  }

  it("a killed run's page: every chart drawn, lines through the logged values, bad lines named", async () => {
    const fx = writeRunFixture();
    const { page } = buildReport(fx.dir);
    const { p, errors } = await open(page);
    expect(await p.evaluate(() => document.body.dataset.charts)).toBe('done');

    // the notes name both bad lines of metrics.jsonl and are visible
    const notes = p.locator('#notes');
    expect(await notes.isVisible()).toBe(true);
    const text = await notes.innerText();
    expect(text).toContain(`metrics.jsonl line ${fx.garbageLine} could not be read`);
    expect(text).toContain(`metrics.jsonl line ${fx.truncatedLine} could not be read: truncated last line`);

    // every chart box holds a drawn canvas: estimate and loss
    const rendered = await p.$$eval('.chart', (els) => els.map((e) => [e.getAttribute('data-chart-id'), e.getAttribute('data-rendered'), e.querySelector('canvas')?.width ?? 0]));
    expect(rendered).toEqual([
      ['metrics/estimate', 'true', expect.any(Number)],
      ['metrics/loss', 'true', expect.any(Number)],
    ]);
    for (const r of rendered) expect(r[2]).toBeGreaterThan(100);

    // What vega drew for the estimate chart: one polyline per series (axes, grid and legend are
    // 2-vertex paths; the hover rules are stroked fully transparent, i.e. not visible). The page lays rows out by step (0 … 99, stride 1), so each
    // line has one vertex per step from the first to the last logged one: 99 − 0 + 1 = 100.
    const strokes: Stroke[] = await p.$eval('[data-chart-id="metrics/estimate"] canvas', (c) => (window as any).__strokes(c));
    const lines = strokes.filter((s) => s.pts.length > 2 && !/^rgba\(.*,\s*0\)$/.test(s.style));
    expect(lines).toHaveLength(SETTINGS.length + 1);
    for (const l of lines) expect(l.pts).toHaveLength(STEPS[STEPS.length - 1] - STEPS[0] + 1);

    // At the logged steps the vertices are the logged values on the chart's affine scales: pixel x
    // = a + b·step and pixel y = c + d·value (d < 0: up is larger), to within a pixel. Each
    // setting's line matches its own values (the two shapes differ), the third is the constant true MI.
    const expected = SETTINGS.map((_, si) => STEPS.map((s) => estimateOf(si, s)));
    const matched = new Set<number>();
    for (const l of lines) {
      const at = STEPS.map((s) => l.pts[s - STEPS[0]]);
      const fx_ = affineFit(STEPS, at.map((v) => v[0]));
      expect(fx_.b).toBeGreaterThan(0);
      expect(fx_.maxResidual).toBeLessThan(1);
      const ys = at.map((v) => v[1]);
      if (Math.max(...ys) - Math.min(...ys) < 1) {
        matched.add(-1); // the true MI, log 16, is constant
        continue;
      }
      const si = expected.findIndex((vals) => {
        const f = affineFit(vals, ys);
        return f.b < 0 && f.maxResidual < 1;
      });
      expect(si).toBeGreaterThanOrEqual(0);
      matched.add(si);
    }
    expect([...matched].sort()).toEqual([-1, 0, 1]);
    expect(TRUE_MI).toBeCloseTo(2.7726, 4);

    expect(errors).toEqual([]);
    await p.screenshot({ path: join(ARTIFACTS, 'run.png'), fullPage: true });
    await p.close();
  });

  it('a sweep page and a cell page render without errors', async () => {
    const dir = writeSweepFixture();
    const { page } = buildReport(dir);
    for (const file of [page, join(dir, 'cells', 'beta=1-s0', 'index.html')]) {
      const { p, errors } = await open(file);
      expect(await p.evaluate(() => document.body.dataset.charts)).toBe('done');
      const boxes = await p.$$eval('.chart', (els) => els.map((e) => e.getAttribute('data-rendered')));
      expect(boxes.length).toBeGreaterThan(0);
      expect(boxes.every((r) => r === 'true')).toBe(true);
      expect(errors).toEqual([]);
      await p.screenshot({ path: join(ARTIFACTS, file === page ? 'sweep.png' : 'sweep-cell.png'), fullPage: true });
      await p.close();
    }
  });
});
