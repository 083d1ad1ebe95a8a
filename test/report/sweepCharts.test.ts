import { describe, expect, it } from 'vitest';
import { sweepCharts } from '../../src/report/sweepCharts.js';

const cell = (label: string, seed: number, metrics: Record<string, number>, status = 'completed') => ({
  label,
  seed,
  status,
  metrics,
  relDir: `cells/${label}-s${seed}`,
});

describe('sweepCharts', () => {
  it('x = the first axis, a series per value of the others, a point per seed and the mean', () => {
    const grid = [
      { key: 'beta', values: [0, 0.5] },
      { key: 'estimator', values: ['mine', 'remine'] },
    ];
    const cells = [
      cell('beta=0,estimator=mine', 0, { modes: 10 }),
      cell('beta=0,estimator=mine', 1, { modes: 12 }),
      cell('beta=0.5,estimator=mine', 0, { modes: 20 }),
      cell('beta=0.5,estimator=remine', 0, { modes: 24 }),
      cell('beta=0.5,estimator=remine', 1, { modes: 99 }, 'failed'),
    ];
    const [c] = sweepCharts(grid, cells);
    expect(c.metric).toBe('modes');
    expect(c.xLabel).toBe('beta');
    expect(c.series.map((s) => s.name)).toEqual(['estimator=mine', 'estimator=mine: mean', 'estimator=remine', 'estimator=remine: mean']);
    expect(c.series[0].points).toEqual([
      { x: 0, y: 10, seed: 0 },
      { x: 0, y: 12, seed: 1 },
      { x: 0.5, y: 20, seed: 0 },
    ]);
    // mean over seeds (10 + 12) / 2 = 11; the failed cell is left out
    expect(c.series[1].points).toEqual([
      { x: 0, y: 11, seed: -1 },
      { x: 0.5, y: 20, seed: -1 },
    ]);
    expect(c.series[2].points).toEqual([{ x: 0.5, y: 24, seed: 0 }]);
  });

  it('a non-numeric first axis is placed by index and named in the axis label', () => {
    const [c] = sweepCharts([{ key: 'estimator', values: ['mine', 'eta-mine'] }], [cell('estimator=eta-mine', 0, { kl: 0.1 })]);
    expect(c.categories).toEqual(['mine', 'eta-mine']);
    expect(c.xLabel).toBe('estimator: 0 = mine, 1 = eta-mine');
    expect(c.series[0].points).toEqual([{ x: 1, y: 0.1, seed: 0 }]);
  });
});
