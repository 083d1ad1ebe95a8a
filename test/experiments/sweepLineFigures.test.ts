/** A sweep's metrics against a numeric grid key: which keys qualify, the axis, the data, and the files collect writes. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareCells, writeComparison } from '../../src/experiments/sweep/collect.js';
import { isNumericAxis, sweepLineChart, sweepLineData, tradeOffPanels, useLogAxis } from '../../src/experiments/sweep/lineFigures.js';
import { Sweep, type GridAxis, type SweepCell, type SweepRecord } from '../../src/experiments/sweep/plan.js';
import { errorBarLayout, errorBarXAxis } from '../../src/plot/errorBarChart.js';

describe('which grid keys are numeric', () => {
  it('all finite numbers, at least two', () => {
    expect(isNumericAxis({ values: [0, 0.1, 1] })).toBe(true);
    expect(isNumericAxis({ values: [1e-4, 3] })).toBe(true);
  });
  it('not strings, not a mix, not lists, not a single value', () => {
    expect(isNumericAxis({ values: ['mine', 'nwj'] })).toBe(false);
    expect(isNumericAxis({ values: [0, 'x', 1] })).toBe(false);
    expect(isNumericAxis({ values: [true, false] })).toBe(false);
    expect(isNumericAxis({ values: [[1], [2]] })).toBe(false);
    expect(isNumericAxis({ values: [1] })).toBe(false);
  });
});

describe('log x axis', () => {
  it('when the positive values span ≥ 2 decades (0 allowed)', () => {
    expect(useLogAxis([0, 0.01, 0.1, 1])).toBe(true);
    expect(useLogAxis([1, 10, 100])).toBe(true);
    expect(useLogAxis([1e-4, 1e-2])).toBe(true);
  });
  it('when they span ≥ 1 decade and two would crowd on a linear axis (0, 0.1, 1)', () => {
    expect(useLogAxis([0, 0.1, 1])).toBe(true);
    expect(useLogAxis([1, 2, 5, 10])).toBe(true);
  });
  it('linear otherwise: evenly spread values, a negative value, a single positive value', () => {
    expect(useLogAxis([0, 0.5, 1])).toBe(false);
    expect(useLogAxis([0.1, 0.5, 1])).toBe(false);
    expect(useLogAxis([-1, 1, 100])).toBe(false);
    expect(useLogAxis([0, 1])).toBe(false);
  });
});

const BETA: GridAxis = { key: 'beta', path: 'mi.beta', values: [0, 0.01, 0.1, 1] };
const EST: GridAxis = { key: 'estimator', path: 'mi.estimator', values: ['mine', 'nwj'] };

/** modes and high-quality % of a cell: made up, distinct per grid point and seed. */
const made = (beta: number, seed: number, est = 0) => ({ modes: 5 + 20 * beta + seed + 2 * est, highQualityPercent: 90 - 30 * beta - 2 * seed - est });

function cellsOf(grid: GridAxis[], dir: string, failed: (label: string, seed: number) => boolean = () => false): SweepCell[] {
  const combos: { path: string; value: unknown }[][] = grid.reduce<{ path: string; value: unknown }[][]>(
    (acc, g) => acc.flatMap((c) => g.values.map((v) => [...c, { path: g.path, value: v }])),
    [[]],
  );
  let index = 0;
  return combos.flatMap((combo) => {
    const label = combo.map((c, i) => `${grid[i].key}=${String(c.value)}`).join(',');
    return [0, 1].map((seed) => {
      const bad = failed(label, seed);
      const beta = (combo.find((c) => c.path === 'mi.beta')?.value ?? 0) as number;
      const est = Math.max(0, EST.values.indexOf(combo.find((c) => c.path === 'mi.estimator')?.value));
      return {
        index: index++,
        label,
        seed,
        overrides: combo,
        dir: join(dir, 'cells', `${label}-s${seed}`),
        status: bad ? ('failed' as const) : ('completed' as const),
        ...(bad ? { error: 'boom' } : { metrics: made(beta, seed, est) }),
      };
    });
  });
}

/** A sweep directory as collect finds it: sweep.json and each completed cell's config.json (no runs). */
function fixture(grid: GridAxis[], formats = ['png', 'svg'], failed?: (label: string, seed: number) => boolean): Sweep {
  const dir = mkdtempSync(join(tmpdir(), 'ib-sweep-lines-'));
  const cells = cellsOf(grid, dir, failed);
  for (const c of cells) {
    mkdirSync(c.dir, { recursive: true });
    const cfg = { figures: { formats }, settings: [{ cfg: { evaluation: { minCount: 20, samples: 2500 }, data: { kind: 'grid', side: 5 } } }] };
    writeFileSync(join(c.dir, 'config.json'), JSON.stringify(cfg));
  }
  const record: SweepRecord = {
    experiment: 'tiny-gan',
    task: 'gan',
    file: '/nowhere/tiny-gan.json',
    grid,
    seeds: [0, 1],
    steps: 300,
    backend: null,
    parallel: 1,
    executor: 'local',
    command: [],
    cwd: dir,
    createdAt: '2026-01-01T00:00:00.000Z',
    cells,
  };
  const sweep = new Sweep(dir, record);
  sweep.save();
  return sweep;
}

const circles = (svg: string, r: string) =>
  [...svg.matchAll(new RegExp(`<circle cx="([-\\d.]+)" cy="([-\\d.]+)" r="${r}"/>`, 'g'))].map((m) => [Number(m[1]), Number(m[2])]);

describe('the data of a metric against β', () => {
  it("equals the comparison's means and stds, with each completed seed's value", () => {
    const sweep = fixture([BETA], ['svg'], (label, seed) => label === 'beta=0.1' && seed === 1);
    const { grid, cells } = sweep.record;
    const rows = compareCells(grid, cells);
    const d = sweepLineData(grid, rows, cells, 'modes', BETA);
    expect(d.xLog).toBe(true);
    expect(d.series).toHaveLength(1);
    expect(d.series[0].name).toBe('mean ± std over 2 seeds');
    expect(d.series[0].points.map((p) => p.x)).toEqual([0, 0.01, 0.1, 1]);
    expect(d.series[0].points.map((p) => p.mean)).toEqual(rows.map((r) => r.metrics.modes.mean));
    expect(d.series[0].points.map((p) => p.std)).toEqual(rows.map((r) => r.metrics.modes.std));
    expect(d.series[0].points[0]).toEqual({ x: 0, mean: 5.5, std: 0.5, samples: [5, 6] });
    // the failed seed is not among the samples
    expect(d.series[0].points[2]).toEqual({ x: 0.1, mean: 7, std: 0, samples: [7] });
  });
  it('one line per value of the other keys; x is the numeric key even when it is not first', () => {
    const sweep = fixture([EST, BETA]);
    const { grid, cells } = sweep.record;
    const d = sweepLineData(grid, compareCells(grid, cells), cells, 'highQualityPercent', BETA);
    expect(d.series.map((s) => s.name)).toEqual(['estimator=mine', 'estimator=nwj']);
    expect(d.series[1].points.map((p) => p.mean)).toEqual(
      [0, 0.01, 0.1, 1].map((b) => (made(b, 0, 1).highQualityPercent + made(b, 1, 1).highQualityPercent) / 2),
    );
  });
  it('a grid point where no seed completed has no mean (the line breaks there)', () => {
    const sweep = fixture([BETA], ['svg'], (label) => label === 'beta=1');
    const { grid, cells } = sweep.record;
    const d = sweepLineData(grid, compareCells(grid, cells), cells, 'modes', BETA);
    expect(d.series[0].points[3].mean).toBeNaN();
    expect(d.series[0].points[3].samples).toEqual([]);
  });
});

describe('sweep collect over a numeric key', () => {
  it('writes the trade-off and a line chart per metric (PNG and SVG), lists them in comparison.md/json', () => {
    const sweep = fixture([BETA]);
    const files = writeComparison(sweep);
    const names = [
      'coverage-precision-vs-beta',
      'comparison-modes-vs-beta',
      'comparison-highQualityPercent-vs-beta',
      'comparison-modes',
      'comparison-highQualityPercent',
    ];
    for (const n of names)
      for (const ext of ['png', 'svg']) {
        expect(existsSync(sweep.path(`${n}.${ext}`)), `${n}.${ext}`).toBe(true);
        expect(files).toContain(sweep.path(`${n}.${ext}`));
      }
    const cmp = JSON.parse(readFileSync(sweep.path('comparison.json'), 'utf8'));
    expect(cmp.figures[0]).toEqual({
      files: ['coverage-precision-vs-beta.png', 'coverage-precision-vs-beta.svg'],
      description: expect.stringMatching(/^coverage vs precision: modes captured and high-quality samples \(%\) against beta/),
    });
    const md = readFileSync(sweep.path('comparison.md'), 'utf8');
    expect(md).toMatch(/## Figures/);
    expect(md).toMatch(/beta is on a log axis; its 0 is drawn one decade left of the smallest positive value/);
    for (const n of names) expect(md).toContain(`[${n}.svg](${n}.svg)`);
    // the caption names the sweep
    expect(readFileSync(sweep.path('comparison-modes-vs-beta.svg'), 'utf8')).toMatch(/tiny-gan · sweep over beta · seeds 0, 1 · 300 steps · ib-sweep-lines-/);
  });

  it("the line chart's dots are the comparison's means, at their β", () => {
    const sweep = fixture([BETA], ['svg']);
    writeComparison(sweep);
    const { grid, cells } = sweep.record;
    const rows = compareCells(grid, cells);
    const d = sweepLineData(grid, rows, cells, 'modes', BETA);
    const o = sweepLineChart('tiny-gan', d, BETA, { minCount: 20, samples: 2500, modesTotal: 25 });
    const L = errorBarLayout(o);
    const axis = errorBarXAxis(BETA.values as number[], true);
    const svg = readFileSync(sweep.path('comparison-modes-vs-beta.svg'), 'utf8');
    const dots = circles(svg, '4');
    expect(dots).toHaveLength(4);
    // back from pixels to data: x through the log axis (0 at one decade left of 0.01), y linear
    const xs = dots.map(([cx]) => axis.ticks.reduce((best, t) => (Math.abs(L.x.map(t.value) - cx) < Math.abs(L.x.map(best.value) - cx) ? t : best)).label);
    expect(xs).toEqual(['0', '0.01', '0.1', '1']);
    const [y0, y1] = L.y.domain,
      [p0, p1] = L.y.range;
    const ys = dots.map(([, cy]) => y0 + ((cy - p0) / (p1 - p0)) * (y1 - y0));
    ys.forEach((y, i) => expect(y).toBeCloseTo(rows[i].metrics.modes.mean, 1));
    expect(svg).toContain('modes with ≥ 20 of 2500 samples');
    expect(svg).toContain('beta (log scale; 0 drawn left of the axis break)');
  });

  it("the trade-off's panels: modes from 0 to the 25 modes, high-quality % from 0, both against β", () => {
    const sweep = fixture([BETA]);
    const { grid, cells } = sweep.record;
    const rows = compareCells(grid, cells);
    const [modes, hq] = tradeOffPanels(grid, rows, cells, BETA, { minCount: 20, samples: 2500, modesTotal: 25 });
    expect(modes.series[0].points.map((p) => p.mean)).toEqual(rows.map((r) => r.metrics.modes.mean));
    expect(hq.series[0].points.map((p) => p.mean)).toEqual(rows.map((r) => r.metrics.highQualityPercent.mean));
    expect(modes.yRange![1]).toBeCloseTo(26);
    expect(hq.yFromZero).toBe(true);
    expect([modes.xLog, hq.xLog]).toEqual([true, true]);
  });

  it("writes only the cells' figure formats", () => {
    const sweep = fixture([BETA], ['svg']);
    writeComparison(sweep);
    expect(existsSync(sweep.path('coverage-precision-vs-beta.svg'))).toBe(true);
    expect(existsSync(sweep.path('coverage-precision-vs-beta.png'))).toBe(false);
    expect(existsSync(sweep.path('comparison-modes.svg'))).toBe(true);
  });

  it('no line chart over a key of names: bars only', () => {
    const sweep = fixture([{ ...EST }, { key: 'beta', path: 'mi.beta', values: [1] }]);
    writeComparison(sweep);
    expect(existsSync(sweep.path('comparison-modes.png'))).toBe(true);
    expect(existsSync(sweep.path('comparison-modes.svg'))).toBe(true);
    expect(readFileSync(sweep.path('comparison.md'), 'utf8')).not.toMatch(/-vs-/);
  });
});

describe('a metric some seeds leave undefined', () => {
  it('comparison.md gives its mean over the seeds that reported it and says how many (stepAllModes of a run that never covered every mode is null)', () => {
    const sweep = fixture([EST]);
    // estimator=mine: seed 0 reached all modes at step 4000, seed 1 never did; nwj: neither
    const reached: Record<string, (number | null)[]> = { 'estimator=mine': [4000, null], 'estimator=nwj': [null, null] };
    for (const c of sweep.record.cells) (c.metrics as Record<string, unknown>).stepAllModes = reached[c.label][c.seed];
    sweep.save();
    writeComparison(sweep);
    const md = readFileSync(sweep.path('comparison.md'), 'utf8');
    const row = (est: string) => md.split('\n').find((l) => l.startsWith(`| ${est} |`))!;
    // columns: estimator | seeds ok | highQualityPercent | modes | stepAllModes (metrics sorted)
    expect(row('mine').split('|')[5].trim()).toBe('4000 ± 0 (1/2 seeds)');
    expect(row('nwj').split('|')[5].trim()).toBe('– (0/2 seeds)');
    expect(row('mine').split('|')[4].trim()).not.toMatch(/seeds/);
  });
  it('its bar chart names the seeds under the bar (mine: 1 of 2), not under a bar whose seeds all reported it', () => {
    const sweep = fixture([EST]);
    const reached: Record<string, (number | null)[]> = { 'estimator=mine': [4000, null], 'estimator=nwj': [3000, 5000] };
    for (const c of sweep.record.cells) (c.metrics as Record<string, unknown>).stepAllModes = reached[c.label][c.seed];
    sweep.save();
    writeComparison(sweep);
    const svg = readFileSync(sweep.path('comparison-stepAllModes.svg'), 'utf8');
    expect(svg).toContain('mine (1/2 seeds)');
    expect(svg).not.toContain('nwj (');
  });
});
