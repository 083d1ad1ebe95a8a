import { describe, expect, it } from 'vitest';
import { escapeHtml, fmt, indexPage, jsonForScript, runPage, sweepFigures, sweepPage } from '../../src/report/html.js';
import { readRun, readSweep } from '../../src/report/readRun.js';
import { SETTINGS, STEPS, writeRunFixture, writeSweepFixture } from './fixtures.js';

/** The inline SVG of the chart box with `id`. */
function chartSvg(html: string, id: string): string {
  const box = html.indexOf(`data-chart-id="${id}"`);
  expect(box).toBeGreaterThan(0);
  return html.slice(html.indexOf('<svg ', box), html.indexOf('</svg>', box) + 6);
}

/** The page's embedded data: the text up to the first </script>, as a browser would cut it. */
function embedded(html: string): any {
  const m = /<script id="report-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]);
}

describe('jsonForScript', () => {
  it('no string can close the script block, and JSON.parse gives the value back', () => {
    const value = { a: '</script><script>alert(1)</script>', b: '<!-- x -->', c: 'line\u2028sep\u2029', d: 'a & b > c', n: [1.5, -2] };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('non-finite numbers become strings, as in metrics.jsonl', () => {
    expect(JSON.parse(jsonForScript({ x: NaN, y: -Infinity }))).toEqual({ x: 'NaN', y: '-Infinity' });
  });
});

describe('escapeHtml and fmt', () => {
  it('escapes the five HTML metacharacters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
  it('4 significant digits, integers and missing values as such', () => {
    expect([fmt(2.772588722), fmt(21), fmt(undefined), fmt(NaN)]).toEqual(['2.773', '21', '–', 'NaN']);
  });
});

describe('runPage', () => {
  it('a killed run: the readable lines charted, a note per bad line, config shown escaped', () => {
    const fx = writeRunFixture();
    const html = runPage(readRun(fx.dir), 'report-assets');
    expect(html).toContain(`metrics.jsonl line ${fx.garbageLine} could not be read: not valid JSON`);
    expect(html).toContain(`metrics.jsonl line ${fx.truncatedLine} could not be read: truncated last line`);
    expect(html).toContain('summary.json is missing: the run is still going, or was killed');
    // the config's "</script>" string is shown as text, never as markup
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)');
    // the estimate chart: inline SVG, one line per setting plus the true MI, a vertex per logged step
    const est = chartSvg(html, 'metrics/estimate');
    const lines = [...est.matchAll(/stroke-linejoin="round">\n<path d="([^"]+)"\/>/g)].map((m) => m[1].split(/[ML]/).filter(Boolean).length);
    expect(lines).toEqual([STEPS.length, STEPS.length, STEPS.length]);
    const words = [...est.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(words).toEqual(expect.arrayContaining([...SETTINGS, 'true MI', 'step', 'estimate']));
    // x ticks in real steps (the logged steps run 0 … 99: the axis ends at the round 100), never "step ÷ stride"
    expect(words).toEqual(expect.arrayContaining(['0', '50', '100']));
    expect(html).not.toContain('÷');
    // the NaN loss at step 49 is counted, not drawn
    expect(html).toContain('batchSize=10: 1 non-finite value(s) not drawn');
    expect(html).toContain(`${STEPS.length * 2 - 1} points`);
    expect(html).toContain('<img src="estimate.png"');
    // clip ids are unique on the page; no script is needed
    const ids = [...html.matchAll(/<clipPath id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(html).not.toContain('tfjs-vis');
    expect(html).toContain('<body data-charts="none">');
  });
});

describe('runPage of a failed run', () => {
  it('says the run failed and why, first in the notes', () => {
    const fx = writeRunFixture({ killed: false });
    const r = readRun(fx.dir);
    r.summary = { ...r.summary, status: 'failed', error: 'non-finite loss at step 49 (NaN)\n    at stack' };
    const html = runPage(r, 'report-assets');
    expect(html).toContain('<ul id="notes-list"><li>the run failed: non-finite loss at step 49 (NaN)</li>');
    expect(html).toContain('<span class="status failed">failed</span>');
  });
});

describe('sweepPage and indexPage', () => {
  it('the sweep: comparison table with mean ± std, a chart per metric, a link per cell', () => {
    const dir = writeSweepFixture();
    const html = sweepPage(readSweep(dir), 'report-assets');
    // modes at beta = 1: seeds 20 and 21 → 20.5 ± 0.5
    expect(html).toContain('20.5 ± 0.5');
    expect(html).toContain('href="cells/beta=1-s0/index.html"');
    const data = embedded(html);
    expect(data.charts.map((c: any) => c.id).sort()).toEqual(['sweep/klToUniform', 'sweep/modes']);
    const modes = data.charts.find((c: any) => c.id === 'sweep/modes');
    expect(modes.series[0].points).toEqual([
      [0, 10, 0],
      [0, 11, 1],
      [1, 20, 0],
      [1, 21, 1],
    ]);
    expect(modes.series[1].points).toEqual([
      [0, 10.5],
      [1, 20.5],
    ]);
  });

  it("the sweep's figures: those comparison.json lists first, in its order, each with its description", () => {
    const comparison = {
      figures: [
        { files: ['coverage-precision-vs-beta.png', 'coverage-precision-vs-beta.svg'], description: 'coverage vs precision against beta' },
        { files: ['comparison-modes-vs-beta.svg'], description: 'modes against beta' },
      ],
    };
    const f = sweepFigures({ comparison, images: ['comparison-modes.png', 'coverage-precision-vs-beta.png'] });
    expect(f.images).toEqual(['coverage-precision-vs-beta.png', 'comparison-modes-vs-beta.svg', 'comparison-modes.png']);
    expect(f.captions.get('comparison-modes-vs-beta.svg')).toBe('modes against beta');
    const dir = writeSweepFixture();
    const data = readSweep(dir);
    const html = sweepPage({ ...data, comparison: { ...data.comparison, ...comparison }, images: ['coverage-precision-vs-beta.png'] }, 'report-assets');
    expect(html).toContain(
      '<figure><a href="coverage-precision-vs-beta.png"><img src="coverage-precision-vs-beta.png" alt="coverage vs precision against beta"></a><figcaption>coverage vs precision against beta<br>coverage-precision-vs-beta.png</figcaption></figure>',
    );
  });

  it('the index lists each entry with its link and key metrics, and loads no script', () => {
    const html = indexPage('outputs', [
      {
        kind: 'run',
        relDir: 'exp/20261125-100000-s0',
        experiment: 'exp',
        date: '2026-11-25T10:00:00Z',
        status: 'completed',
        wallSeconds: 3.25,
        metrics: { modes: 25 },
        hasReport: true,
      },
      { kind: 'sweep', relDir: 'exp/sweep-x', experiment: 'exp', status: '4/4 cells completed', metrics: {}, hasReport: false },
    ]);
    expect(html).toContain('href="exp/20261125-100000-s0/index.html"');
    expect(html).toContain('href="exp/sweep-x/"');
    expect(html).toContain('modes 25');
    expect(html).toContain('3.3 s');
    expect(html).not.toContain('tfjs-vis');
  });
});
