import { describe, expect, it } from 'vitest';
import { errorBarChart, errorBarLayout, errorBarPanels, errorBarXAxis, type ErrorBarChartOptions } from '../../src/plot/errorBarChart.js';
import { pngSize } from './png.js';

const circles = (svg: string, r: string) =>
  [...svg.matchAll(new RegExp(`<circle cx="([-\\d.]+)" cy="([-\\d.]+)" r="${r}"/>`, 'g'))].map((m) => [Number(m[1]), Number(m[2])]);

describe('errorBarXAxis', () => {
  it('log: positions are log10 x; 0 sits one decade left of the smallest positive value, beyond a break', () => {
    const a = errorBarXAxis([0, 0.01, 0.1, 1, 0.1], true);
    expect([0, 0.01, 0.1, 1].map(a.pos)).toEqual([-3, -2, -1, 0]);
    expect(a.breakAt).toBe(-2.5);
    expect(a.ticks.map((t) => t.label)).toEqual(['0', '0.01', '0.1', '1']);
    expect(a.ticks.map((t) => t.value)).toEqual([-3, -2, -1, 0]);
    expect(Number.isNaN(a.pos(-1))).toBe(true);
    expect(a.domain[0]).toBeLessThan(-3);
    expect(a.domain[1]).toBeGreaterThan(0);
  });
  it('log without 0 has no break; linear places x as it is, ticks at the values', () => {
    expect(errorBarXAxis([1, 10, 100], true).breakAt).toBeUndefined();
    const lin = errorBarXAxis([0, 0.5, 1], false);
    expect(lin.pos(0.5)).toBe(0.5);
    expect(lin.ticks.map((t) => t.label)).toEqual(['0', '0.5', '1']);
    expect(lin.breakAt).toBeUndefined();
  });
  it('more than 12 values: 1-2-5 ticks instead of one per value', () => {
    const xs = Array.from({ length: 20 }, (_, i) => i);
    expect(errorBarXAxis(xs, false).ticks.length).toBeLessThan(20);
  });
});

describe('errorBarChart', () => {
  const o: ErrorBarChartOptions = {
    title: 'modes against β',
    xLabel: 'β',
    yLabel: 'modes',
    xLog: true,
    series: [
      {
        name: 'mean',
        points: [
          { x: 0, mean: 10, std: 2, samples: [8, 12] },
          { x: 0.1, mean: 20, std: 1, samples: [19, 21] },
          { x: 1, mean: 24, std: 0, samples: [24, 24] },
        ],
      },
    ],
  };
  it('draws each mean at its place: the SVG dots map back to (x, mean)', () => {
    const svg = errorBarChart(o, { format: 'svg' }).toString('utf8');
    const L = errorBarLayout(o);
    const axis = errorBarXAxis([0, 0.1, 1], true);
    const want = o.series[0].points.map((p) => [L.x.map(axis.pos(p.x)), L.y.map(p.mean)]);
    const got = circles(svg, '4');
    expect(got).toHaveLength(3);
    got.forEach(([cx, cy], i) => {
      expect(cx).toBeCloseTo(want[i][0], 1);
      expect(cy).toBeCloseTo(want[i][1], 1);
    });
    // the seeds as rings, stroked circle paths (plus the legend's)
    expect(svg.match(/<path d="M[^"]*A3\.5 3\.5 0 1 1 [^"]*"\/>/g)).toHaveLength(6 + 1);
    // the segment across the axis break is dotted, the other solid
    expect(svg).toMatch(/stroke-dasharray="2 4"/);
  });
  it('PNG of the requested size; stacked panels share one x axis', () => {
    expect(pngSize(errorBarChart({ ...o, width: 600, height: 400 }))).toEqual({ width: 600, height: 400 });
    const two = errorBarPanels([o, { ...o, yLabel: 'high-quality %' }], { title: 'trade-off', panelHeight: 300 });
    expect(pngSize(two)).toEqual({ width: 800, height: 34 + 600 });
  });
});
