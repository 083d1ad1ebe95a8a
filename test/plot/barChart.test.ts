import { describe, expect, it } from 'vitest';
import { barChart, barChartLayout, type BarChartOptions } from '../../src/plot/barChart.js';
import { PALETTE } from '../../src/plot/canvas.js';
import { decode, hex, near, pngSize } from './png.js';

describe('barChart', () => {
  it('returns a PNG of the requested size', () => {
    const o: BarChartOptions = { categories: ['a', 'b'], series: [{ name: 's', values: [1, 2] }] };
    expect(pngSize(barChart(o))).toEqual({ width: 800, height: 500 });
    expect(pngSize(barChart({ ...o, width: 600, height: 420, title: 't', xLabel: 'beta', yLabel: 'metric' }))).toEqual({ width: 600, height: 420 });
  });

  it('draws each bar from zero up to its value', async () => {
    const o: BarChartOptions = { categories: ['β=0', 'β=1'], series: [{ name: 'mine', values: [1, 2] }], valueLabels: false };
    const L = barChartLayout(o);
    const px = await decode(barChart(o));
    const c = hex(PALETTE[0]);
    expect(L.y.domain[0]).toBe(0);
    expect(near(px.at(L.x.map(0.5), L.y.map(0.5)), c, 4)).toBe(true);
    expect(near(px.at(L.x.map(0.5), L.y.map(1.3)), c)).toBe(false);
    expect(near(px.at(L.x.map(1.5), L.y.map(1.8)), c, 4)).toBe(true);
    expect(near(px.at(L.x.map(1.0), L.y.map(0.5)), c)).toBe(false); // the gap between groups
  });

  it('places grouped series side by side with error bars', async () => {
    const o: BarChartOptions = {
      categories: ['a'],
      series: [
        { name: 'x', values: [1], errors: [0.5] },
        { name: 'y', values: [1], errors: [NaN] },
      ],
      yRange: [0, 2],
    };
    const L = barChartLayout(o);
    const px = await decode(barChart(o));
    // group width 0.8 of the slot: series 0 centred at 0.3, series 1 at 0.7
    expect(near(px.at(L.x.map(0.25), L.y.map(0.5)), hex(PALETTE[0]), 4)).toBe(true);
    expect(near(px.at(L.x.map(0.75), L.y.map(0.5)), hex(PALETTE[1]), 4)).toBe(true);
    // the error bar of series 0 reaches 1.5: dark pixels on its axis above the bar
    const darkest = Math.min(...[-1, 0, 1].map((d) => px.at(L.x.map(0.3) + d, L.y.map(1.3))[0]));
    expect(darkest).toBeLessThan(90);
    expect(near(px.at(L.x.map(0.7), L.y.map(1.3)), [255, 255, 255], 30)).toBe(true);
  });

  it('survives NaN values and errors, negative values, all-NaN series and no categories', () => {
    const opts: BarChartOptions[] = [
      { categories: ['a', 'b', 'c'], series: [{ name: 'nan', values: [NaN, NaN, NaN], errors: [1, NaN, Infinity] }] },
      {
        categories: ['a', 'b'],
        series: [
          { name: 'neg', values: [-1, 2], errors: [0.5, -1] },
          { name: 'short', values: [1] },
        ],
      },
      { categories: [], series: [] },
      {
        categories: Array.from({ length: 30 }, (_, i) => `a long category label number ${i}`),
        series: [{ name: 's', values: Array.from({ length: 30 }, (_, i) => i) }],
      },
    ];
    for (const o of opts) expect(pngSize(barChart(o))).toEqual({ width: 800, height: 500 });
  });
});
