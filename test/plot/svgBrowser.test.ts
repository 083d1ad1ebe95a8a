/**
 * The SVG figures as a reader's browser shows them: each chart kind's SVG opened from file:// in
 * Debian's Chromium (headless, via playwright-core, as test/report/browser.test.ts does), parsed
 * without errors, with its text as <text> elements, and screenshotted to pixels that match the
 * PNG of the same chart and resvg's rendering of the SVG (see SAME_CHART in ./figures.ts).
 *
 * Needs /usr/bin/chromium; without it the tests are skipped with a message, and
 * INFOBOUND_REQUIRE_BROWSER=1 (set by .ci/run) makes that a failure. INFOBOUND_CHROMIUM=PATH uses
 * another Chromium binary.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHARTS, pixelDifference, resvgPixels, SAME_CHART } from './figures.js';
import { decode } from './png.js';

const CHROMIUM = process.env.INFOBOUND_CHROMIUM ?? '/usr/bin/chromium';
const hasBrowser = existsSync(CHROMIUM);

if (!hasBrowser) {
  const msg = `SVG browser tests SKIPPED: ${CHROMIUM} not found (install it: apt-get install -y chromium)`;
  if (process.env.INFOBOUND_REQUIRE_BROWSER === '1') throw new Error(`${msg}; INFOBOUND_REQUIRE_BROWSER=1 requires it`);
  console.warn(msg);
}

describe.skipIf(!hasBrowser)('SVG figures in headless Chromium', () => {
  let browser: import('playwright-core').Browser;
  const dir = mkdtempSync(join(tmpdir(), 'infobound-svg-'));

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--font-render-hinting=none'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('every chart kind parses, keeps its text as text, and looks as its PNG does', async () => {
    for (const name of Object.keys(CHARTS)) {
      const caption = `fixture · seed 0 · step 1000 · ${name}`;
      const png = await decode(CHARTS[name]({ format: 'png', caption }));
      const file = join(dir, `${name}.svg`);
      writeFileSync(file, CHARTS[name]({ format: 'svg', caption }));
      // one CSS pixel per SVG unit: the screenshot is the chart at its PNG's size
      const page = await browser.newPage({ viewport: { width: png.width, height: png.height }, deviceScaleFactor: 1 });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(pathToFileURL(file).href);
      const doc = await page.evaluate(() => ({
        root: document.documentElement.tagName,
        parseErrors: document.getElementsByTagName('parsererror').length,
        texts: [...document.querySelectorAll('text')].map((t) => t.textContent),
      }));
      expect(doc.root, name).toBe('svg');
      expect(doc.parseErrors, name).toBe(0);
      expect(doc.texts, name).toContain(caption);
      const shot = await decode(await page.screenshot({ clip: { x: 0, y: 0, width: png.width, height: png.height } }));
      const d = pixelDifference(png, shot);
      console.log(`Chromium vs PNG, ${name}: ${(100 * d).toFixed(3)}% of pixels unmatched`);
      expect(d, `${name}: Chromium vs PNG`).toBeLessThan(SAME_CHART);
      // and the two SVG renderers agree with each other
      expect(pixelDifference(shot, await resvgPixels(CHARTS[name]({ format: 'svg', caption }))), `${name}: Chromium vs resvg`).toBeLessThan(SAME_CHART);
      expect(errors, name).toEqual([]);
      await page.close();
    }
  });
});
