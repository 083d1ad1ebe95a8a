/** The ib task's error figure and table: raw and, when evaluated, Polyak-averaged test errors. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ibErrorPanels, ibTable, renderIbFigures, type IbFigureConfig, type IbFigureTrace } from '../../src/experiments/ibFigures.js';
import { RunDir } from '../../src/io/runDir.js';

const cfg = (polyak: number): IbFigureConfig => ({
  name: 'tiny-ib',
  seed: 0,
  settings: ['VIB', 'MINE-IB'].map((label) => ({ label, cfg: { evaluation: { samples: 12, polyak } } })),
  figures: { formats: ['svg'] },
});

function trace(label: string, k: number, polyak: boolean): IbFigureTrace {
  return {
    label,
    rate: 'mi',
    steps: [10, 20],
    curves: { mi: [0.1, 0.2] },
    evals: [1, 2, 3].map((epoch) => ({
      epoch,
      step: 80 * epoch,
      errorAvgPct: 10 - epoch - k,
      errorOneSamplePct: 12 - epoch - k,
      ...(polyak ? { polyakErrorAvgPct: 9 - 1.5 * epoch - k, polyakErrorOneSamplePct: 11 - 1.5 * epoch - k } : {}),
      rate: 0.5,
    })),
  };
}

const ys = (s: { y: ArrayLike<number> }) => Array.from(s.y);

describe('the ib error figure', () => {
  it('with evaluation.polyak: a raw panel and an averaged panel, on one y range, 12 samples and 1 sample each', () => {
    const traces = [trace('VIB', 0, true), trace('MINE-IB', 1, true)];
    const { title, panels } = ibErrorPanels(cfg(0.999), traces);
    expect(title).toBe('tiny-ib: test error (solid: 12 samples of z; dashed: 1)');
    expect(panels.map((p) => p.title)).toEqual(['raw weights', 'Polyak-averaged weights (EMA of the weights, decay 0.999 ≈ the last 1000 steps)']);
    const [raw, avg] = panels;
    expect(raw.series.map((s) => [s.name, s.dashed ?? false])).toEqual([
      ['VIB', false],
      ['VIB (1 sample)', true],
      ['MINE-IB', false],
      ['MINE-IB (1 sample)', true],
    ]);
    expect(ys(raw.series[2])).toEqual(traces[1].evals.map((e) => e.errorAvgPct));
    expect(ys(avg.series[0])).toEqual(traces[0].evals.map((e) => e.polyakErrorAvgPct));
    expect(ys(avg.series[3])).toEqual(traces[1].evals.map((e) => e.polyakErrorOneSamplePct));
    expect(Array.from(avg.series[0].x)).toEqual([1, 2, 3]);
    expect(avg.xTicks).toEqual([1, 2, 3]);
    // one range covering both panels' values
    expect(raw.yRange).toEqual(avg.yRange);
    const all = [...raw.series, ...avg.series].flatMap(ys);
    expect(raw.yRange![0]).toBeLessThanOrEqual(Math.min(...all));
    expect(raw.yRange![1]).toBeGreaterThanOrEqual(Math.max(...all));
  });

  it('without evaluation.polyak: the single raw panel, no averaged series', () => {
    const traces = [trace('VIB', 0, false), trace('MINE-IB', 1, false)];
    const { panels } = ibErrorPanels(cfg(0), traces);
    expect(panels).toHaveLength(1);
    expect(panels[0].series).toHaveLength(4);
    expect(panels[0].series.flatMap(ys)).toEqual(traces.flatMap((t) => [...t.evals.map((e) => e.errorAvgPct), ...t.evals.map((e) => e.errorOneSamplePct)]));
  });

  it('the written SVG has the averaged panel when Polyak averaging was on, and not when off', () => {
    const svgOf = (polyak: boolean) => {
      const out = new RunDir(mkdtempSync(join(tmpdir(), 'ib-figs-')));
      renderIbFigures(cfg(polyak ? 0.999 : 0), [trace('VIB', 0, polyak), trace('MINE-IB', 1, polyak)], out);
      return readFileSync(join(out.dir, 'error.svg'), 'utf8');
    };
    expect(svgOf(true)).toContain('Polyak-averaged weights (EMA of the weights, decay 0.999 ≈ the last 1000 steps)');
    expect(svgOf(false)).not.toContain('Polyak');
  });

  it('the table gives the averaged errors beside the raw ones when they were computed', () => {
    const on = ibTable(cfg(0.999), [trace('VIB', 0, true)]);
    expect(on).toMatch(/\| error with Polyak-averaged weights \(EMA 0\.999\), averaged over z \| error with Polyak-averaged weights, one sample \|/);
    // last epoch: raw 7 / 9, averaged 4.5 / 6.5
    expect(on).toMatch(/\| VIB \| 3 \| 7\.00 \| 9\.00 \| 4\.50 \| 6\.50 \| 0\.500 \| – \|/);
    expect(ibTable(cfg(0), [trace('VIB', 0, false)])).not.toMatch(/Polyak/);
  });
});
