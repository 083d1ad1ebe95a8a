import { describe, expect, it } from 'vitest';
import { metricCharts } from '../../src/report/metricCharts.js';

describe('metricCharts', () => {
  it('one chart per metric, one line per setting, the true MI beside the estimates', () => {
    const recs = [];
    for (const setting of ['batchSize=100', 'batchSize=10'])
      for (const estimator of ['mine', 'remine'])
        for (const step of [0, 9, 19]) recs.push({ setting, estimator, step, estimate: step / 10, loss: -step, trueMI: 2, task: 'mi' });
    const charts = metricCharts(recs);
    // trueMI is drawn inside the estimate chart, not as a chart of its own
    expect(charts.map((c) => c.id)).toEqual(['metrics/estimate', 'metrics/loss']);
    const est = charts[0];
    expect(est.kind).toBe('line');
    // the labels that vary name the lines; "task" is the same on every line and is left out
    expect(est.series.map((s) => s.name)).toEqual([
      'batchSize=100 · mine',
      'batchSize=100 · remine',
      'batchSize=10 · mine',
      'batchSize=10 · remine',
      'true MI',
    ]);
    expect(est.series[1].points).toEqual([
      { step: 0, y: 0 },
      { step: 9, y: 0.9 },
      { step: 19, y: 1.9 },
    ]);
    expect(est.series[4].points.map((p) => p.y)).toEqual([2, 2, 2]);
    expect(charts[1].series).toHaveLength(4);
  });

  it('sections by record type (train/eval); a metric with a single point is a scatter chart', () => {
    const charts = metricCharts([
      { type: 'train', setting: 'default', step: 0, dLoss: 1.4 },
      { type: 'train', setting: 'default', step: 49, dLoss: 1.3 },
      { type: 'eval', setting: 'default', step: 50, modes: 20 },
    ]);
    expect(charts.map((c) => [c.id, c.kind])).toEqual([
      ['train/dLoss', 'line'],
      ['eval/modes', 'scatter'],
    ]);
    expect(charts[0].series[0].name).toBe('default');
  });

  it('counts non-finite values instead of drawing them, and keeps the real steps of a long run', () => {
    const charts = metricCharts([
      { step: 0, loss: 1 },
      { step: 10, loss: NaN },
      { step: 20_000, loss: 0.5 },
    ]);
    expect(charts[0].series[0].nonFinite).toBe(1);
    expect(charts[0].series[0].points.map((p) => p.step)).toEqual([0, 20_000]);
  });
});
