import { describe, expect, it } from 'vitest';
import { lineChart, lineChartLayout, type LineChartOptions } from '../../src/plot/lineChart.js';
import { PALETTE } from '../../src/plot/canvas.js';
import { decode, hex, near, pngSize } from './png.js';

const xs = Array.from({ length: 11 }, (_, i) => i);

describe('lineChart', () => {
  it('returns a PNG of the requested size (default 800 × 500)', () => {
    expect(pngSize(lineChart({ series: [{ name: 'a', x: xs, y: xs }] }))).toEqual({ width: 800, height: 500 });
    expect(pngSize(lineChart({ series: [{ name: 'a', x: xs, y: xs }], width: 640, height: 360, title: 't', xLabel: 'x', yLabel: 'y' }))).toEqual({
      width: 640,
      height: 360,
    });
  });

  it('draws a horizontal series at the row its y maps to, and nowhere else in the plot', async () => {
    const o: LineChartOptions = { series: [{ name: 'one', x: xs, y: xs.map(() => 1) }], yRange: [0, 2], title: 'flat', xLabel: 'step', yLabel: 'value' };
    const L = lineChartLayout(o);
    const px = await decode(lineChart(o));
    const color = hex(PALETTE[0]);
    const row = L.y.map(1);
    let onRow = 0,
      offRow = 0;
    for (let x = L.area.left + 3; x < L.area.right - 3; x++)
      for (let y = L.area.top + 2; y < L.area.bottom - 2; y++) {
        if (!px.is(x, y, color)) continue;
        if (Math.abs(y - row) <= 2) onRow++;
        else offRow++;
      }
    expect(offRow).toBe(0);
    expect(onRow).toBeGreaterThan(0.9 * (L.area.right - L.area.left - 6));
    // the legend swatch is outside the plot area
    expect(L.legend!.left).toBeGreaterThan(L.area.right);
  });

  it('draws a dashed step function holding each y until the next x', async () => {
    const o: LineChartOptions = {
      series: [{ name: 'true MI', x: [0, 5, 10], y: [1, 3, 3], color: '#000000', dashed: true, step: true }],
      yRange: [0, 4],
      xRange: [0, 10],
    };
    const L = lineChartLayout(o);
    const px = await decode(lineChart(o));
    const black = (x: number, y: number) => [-1, 0, 1].some((d) => near(px.at(x, y + d), [0, 0, 0], 60));
    const count = (x0: number, x1: number, v: number) => {
      let n = 0;
      for (let x = Math.round(L.x.map(x0)); x < L.x.map(x1); x++) if (black(x, L.y.map(v))) n++;
      return n;
    };
    const span = L.x.map(4.5) - L.x.map(0.5);
    expect(count(0.5, 4.5, 1)).toBeGreaterThan(0.3 * span); // dashed: on part of the way
    expect(count(0.5, 4.5, 1)).toBeLessThan(0.9 * span); // ... not all of it
    expect(count(0.5, 4.5, 3)).toBe(0); // not before the step
    expect(count(5.5, 9.5, 3)).toBeGreaterThan(0.3 * span);
  });

  it('clips a diverged series at the frame and never draws its colour outside the plot or legend', async () => {
    const y = xs.map((x) => (x === 5 ? -1e12 : x === 6 ? 1e300 : 1));
    const o: LineChartOptions = { series: [{ name: 'diverged', x: xs, y }], yRange: [0, 2] };
    const L = lineChartLayout(o);
    const px = await decode(lineChart(o));
    const color = hex(PALETTE[0]);
    let outside = 0,
      inside = 0;
    for (let x = 0; x < px.width; x++)
      for (let y2 = 0; y2 < px.height; y2++) {
        if (!px.is(x, y2, color)) continue;
        const inArea = x >= L.area.left - 1 && x <= L.area.right + 1 && y2 >= L.area.top - 1 && y2 <= L.area.bottom + 1;
        const inLegend = x >= L.legend!.left && x <= L.legend!.right && y2 >= L.legend!.top && y2 <= L.legend!.bottom;
        if (inArea) inside++;
        else if (!inLegend) outside++;
      }
    expect(outside).toBe(0);
    expect(inside).toBeGreaterThan(L.area.bottom - L.area.top); // the spike runs the full height
  });

  it('shades the ± std band around the line', async () => {
    const o: LineChartOptions = { series: [{ name: 'mean', x: xs, y: xs.map(() => 1), std: xs.map(() => 0.5) }], yRange: [0, 2] };
    const L = lineChartLayout(o);
    const px = await decode(lineChart(o));
    const mid = L.x.map(4.3); // off the grid lines
    const white: [number, number, number] = [255, 255, 255];
    const shade = px.at(mid, L.y.map(1.35));
    expect(near(shade, white, 8)).toBe(false);
    expect(near(shade, hex(PALETTE[0]), 24)).toBe(false); // lighter than the line
    expect(shade[2]).toBeGreaterThan(shade[0]); // a tint of the blue line
    expect(near(px.at(mid, L.y.map(0.65)), shade, 6)).toBe(true);
    expect(near(px.at(mid, L.y.map(1.85)), white, 30)).toBe(true);
  });

  it('takes fixed x ticks (whole epochs) instead of the automatic ones', () => {
    const o: LineChartOptions = { series: [{ name: 'a', x: [1, 2, 3, 4], y: [4, 3, 2, 1] }] };
    expect(lineChartLayout(o).xTicks.map((t) => t.label)).toContain('1.5');
    expect(lineChartLayout({ ...o, xTicks: [1, 2, 3, 4] }).xTicks.map((t) => t.label)).toEqual(['1', '2', '3', '4']);
  });

  it('maps a log y axis by decades', async () => {
    const o: LineChartOptions = { series: [{ name: 'ten', x: xs, y: xs.map((x) => (x === 3 ? 0 : x === 4 ? -1 : 10)) }], logY: true, yRange: [1, 100] };
    const L = lineChartLayout(o);
    expect(L.y.map(10)).toBeCloseTo((L.area.top + L.area.bottom) / 2, 0);
    const px = await decode(lineChart(o));
    expect(near(px.at(L.x.map(8), L.y.map(10)), hex(PALETTE[0]), 40)).toBe(true);
  });

  it('survives NaN, infinities, all-NaN and empty series, bad ranges and a lone point', () => {
    const opts: LineChartOptions[] = [
      { series: [] },
      { series: [{ name: 'nan', x: xs, y: xs.map(() => NaN) }] },
      { series: [{ name: 'holes', x: [0, NaN, 2, 3, Infinity, 5], y: [1, 2, NaN, 4, 5, -Infinity], markers: true, std: [NaN, 1, 1, NaN, 1, 1] }] },
      { series: [{ name: 'lone', x: [0, 1, 2], y: [NaN, 1, NaN] }], yRange: [NaN, 3], xRange: [2, 2] },
      { series: [{ name: 'neg', x: xs, y: xs.map((x) => -x), step: true }], logY: true, refLines: [{ y: -1, name: 'skipped' }, { y: NaN }] },
      { series: [{ name: 'short', x: [0, 1, 2, 3], y: [1] }], refLines: [{ y: 0.5, name: 'ref' }] },
    ];
    for (const o of opts) expect(pngSize(lineChart(o))).toEqual({ width: 800, height: 500 });
  });
});
