/**
 * End to end, as a person sees it: the generated page opened from file:// in Debian's Chromium
 * (headless, via playwright-core), with no network. Checks that every chart is drawn, that the
 * estimate chart's lines go through the logged values at their real steps (read back from the
 * inline SVG the page shows, tick labels included), that the bad lines of a killed run's
 * metrics.jsonl are named on the page, that the sweep page's tfjs-vis charts render, and that no
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

/** Least-squares fit y = a + b·x; returns b and the largest residual. */
function affineFit(x: number[], y: number[]) {
  const n = x.length,
    mx = x.reduce((s, v) => s + v, 0) / n,
    my = y.reduce((s, v) => s + v, 0) / n;
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

  it("a killed run's page: every chart drawn, lines through the logged values at their real steps, bad lines named", async () => {
    const fx = writeRunFixture();
    const { page } = buildReport(fx.dir);
    const { p, errors } = await open(page);
    // the charts are inline SVG: the page runs no script
    expect(await p.evaluate(() => document.body.dataset.charts)).toBe('none');

    // the notes name both bad lines of metrics.jsonl and are visible
    const notes = p.locator('#notes');
    expect(await notes.isVisible()).toBe(true);
    const text = await notes.textContent();
    expect(text).toContain(`metrics.jsonl line ${fx.garbageLine} could not be read`);
    expect(text).toContain(`metrics.jsonl line ${fx.truncatedLine} could not be read: truncated last line`);

    // every chart box shows its drawing at a readable size: estimate and loss
    const rendered = await p.$$eval('.chart', (els) =>
      els.map((e) => [e.getAttribute('data-chart-id'), Math.round(e.querySelector('svg')?.getBoundingClientRect().width ?? 0)]),
    );
    expect(rendered.map((r) => r[0])).toEqual(['metrics/estimate', 'metrics/loss']);
    for (const r of rendered) expect(r[1]).toBeGreaterThan(300);

    // What the estimate chart draws: one polyline per series (stroked with round joins; grid,
    // ticks, frame and legend swatches are not), a vertex per logged step, in SVG units.
    const drawn = await p.$eval('[data-chart-id="metrics/estimate"] svg', (svg) => ({
      lines: [...svg.querySelectorAll('g[stroke-linejoin="round"] path')].map((e) =>
        (e.getAttribute('d') ?? '')
          .split(/[ML]/)
          .filter(Boolean)
          .map((v) => v.trim().split(/\s+/).map(Number)),
      ),
      ticks: [...svg.querySelectorAll('g[text-anchor="middle"] text')].map((t) => [Number(t.getAttribute('x')), t.textContent ?? '']),
      xLabel: [...svg.querySelectorAll('text')].some((t) => t.textContent === 'step'),
    }));
    expect(drawn.lines).toHaveLength(SETTINGS.length + 1);
    for (const l of drawn.lines) expect(l).toHaveLength(STEPS.length);

    // The vertices are the logged values on the chart's affine scales: pixel x = a + b·step and
    // pixel y = c + d·value (d < 0: up is larger), to within a pixel. Each setting's line matches
    // its own values (the two shapes differ), the third is the constant true MI.
    const expected = SETTINGS.map((_, si) => STEPS.map((s) => estimateOf(si, s)));
    const matched = new Set<number>();
    const xFit = affineFit(
      STEPS,
      drawn.lines[0].map((v) => v[0]),
    );
    for (const l of drawn.lines) {
      const fx_ = affineFit(
        STEPS,
        l.map((v) => v[0]),
      );
      expect(fx_.b).toBeGreaterThan(0);
      expect(fx_.maxResidual).toBeLessThan(1);
      const ys = l.map((v) => v[1]);
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

    // The x axis reads real steps: each numeric tick label sits where its value, as a step, is drawn.
    expect(drawn.xLabel).toBe(true);
    const xTicks = drawn.ticks.filter(([, t]) => /^\d+$/.test(t as string)).map(([x, t]) => [x as number, Number(t)]);
    expect(xTicks.length).toBeGreaterThanOrEqual(2);
    const a0 = drawn.lines[0][0][0] - xFit.b * STEPS[0];
    for (const [x, step] of xTicks) expect(Math.abs(x - (a0 + xFit.b * step))).toBeLessThan(1);

    expect(errors).toEqual([]);
    await p.screenshot({ path: join(ARTIFACTS, 'run.png'), fullPage: true });
    await p.close();
  });

  it('a sweep page and a cell page render without errors', async () => {
    const dir = writeSweepFixture();
    const { page } = buildReport(dir);
    for (const file of [page, join(dir, 'cells', 'beta=1-s0', 'index.html')]) {
      const { p, errors } = await open(file);
      const isSweep = file === page;
      // the sweep's charts are drawn by tfjs-vis; a cell's are inline SVG
      expect(await p.evaluate(() => document.body.dataset.charts)).toBe(isSweep ? 'done' : 'none');
      const boxes = await p.$$eval('.chart', (els) =>
        els.map((e) => [e.getAttribute('data-rendered'), e.querySelector('canvas, svg')?.getBoundingClientRect().width ?? 0]),
      );
      expect(boxes.length).toBeGreaterThan(0);
      for (const [flag, width] of boxes) {
        if (isSweep) expect(flag).toBe('true');
        expect(width).toBeGreaterThan(100);
      }
      expect(errors).toEqual([]);
      await p.screenshot({ path: join(ARTIFACTS, isSweep ? 'sweep.png' : 'sweep-cell.png'), fullPage: true });
      await p.close();
    }
  });
});
