/**
 * The plot barrel (src/plot/index.ts, re-exported by the package's src/index.ts) is the current
 * plot API: every chart function of every chart module, and the figure pieces (formats, SVG).
 */
import { describe, expect, it } from 'vitest';
import * as plot from '../../src/plot/index.js';
import * as annotatedGrid from '../../src/plot/annotatedGrid.js';
import * as barChart from '../../src/plot/barChart.js';
import * as errorBarChart from '../../src/plot/errorBarChart.js';
import * as figure from '../../src/plot/figure.js';
import * as heatmap from '../../src/plot/heatmap.js';
import * as imageGrid from '../../src/plot/imageGrid.js';
import * as lineChart from '../../src/plot/lineChart.js';
import * as scatterPlot from '../../src/plot/scatterPlot.js';

describe('src/plot/index.ts', () => {
  it.each(Object.entries({ annotatedGrid, barChart, errorBarChart, figure, heatmap, imageGrid, lineChart, scatterPlot }))(
    'exports every function and constant of %s',
    (_name, mod) => {
      for (const [k, v] of Object.entries(mod)) expect((plot as Record<string, unknown>)[k], k).toBe(v);
    },
  );
  it('renders a chart as SVG through the barrel (text as text)', () => {
    const svg = plot
      .lineChart(
        { title: 'loss', xLabel: 'step', yLabel: 'nats', series: [{ name: 'a', x: [0, 1, 2], y: [1, 0.5, 0.25] }] },
        { format: 'svg', caption: 'run x' },
      )
      .toString('utf8');
    expect(svg).toMatch(/<svg[^>]*>/);
    expect(svg).toContain('>loss<');
    expect(svg).toContain('>run x<');
  });
});
