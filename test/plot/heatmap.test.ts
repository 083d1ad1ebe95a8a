import { describe, expect, it } from 'vitest';
import { heatmap, heatmapLayout, heatmapPanels, MISSING_COLOR, viridis, type HeatmapOptions } from '../../src/plot/heatmap.js';
import { decode, luminance, near, pngSize } from './png.js';

const grid = (w: number, h: number, f: (c: number, r: number) => number) => Float32Array.from({ length: w * h }, (_, i) => f(i % w, Math.floor(i / w)));

describe('heatmap', () => {
  it('viridis runs from dark purple to yellow with increasing luminance', () => {
    expect(viridis(0)).toEqual([68, 1, 84]);
    expect(viridis(1)).toEqual([253, 231, 37]);
    expect(viridis(-3)).toEqual(viridis(0));
    expect(viridis(NaN)).toEqual(viridis(0));
    let prev = -1;
    for (let i = 0; i <= 100; i++) {
      const l = luminance(viridis(i / 100));
      expect(l).toBeGreaterThan(prev);
      prev = l;
    }
  });

  it('returns a PNG of the requested size', () => {
    const o: HeatmapOptions = { values: grid(4, 3, (c) => c), width: 4, height: 3, xRange: [0, 1], yRange: [0, 1] };
    expect(pngSize(heatmap(o))).toEqual({ width: 800, height: 500 });
    expect(pngSize(heatmap({ ...o, canvasSize: [420, 300], title: 't', colorbarLabel: 'density' }))).toEqual({ width: 420, height: 300 });
  });

  it('a gradient along x is monotone in luminance along x and constant along y', async () => {
    const o: HeatmapOptions = { values: grid(50, 20, (c) => c), width: 50, height: 20, xRange: [0, 5], yRange: [0, 2], title: 'gradient' };
    const L = heatmapLayout(o);
    const px = await decode(heatmap(o));
    const mid = Math.round((L.area.top + L.area.bottom) / 2);
    let prev = -1;
    for (let x = L.area.left + 1; x < L.area.right - 1; x++) {
      const l = luminance(px.at(x, mid));
      expect(l).toBeGreaterThanOrEqual(prev);
      prev = l;
    }
    expect(near(px.at(L.area.left + 1, mid), viridis(0), 4)).toBe(true);
    expect(near(px.at(L.area.right - 2, mid), viridis(1), 4)).toBe(true);
    const x = Math.round(L.x.map(2.5));
    expect(px.at(x, L.area.top + 2)).toEqual(px.at(x, L.area.bottom - 3));
  });

  it('row 0 is the lowest y, and NaN cells are grey', async () => {
    const values = grid(3, 3, (_, r) => r);
    values[4] = NaN; // the centre cell
    const o: HeatmapOptions = { values, width: 3, height: 3, xRange: [0, 3], yRange: [0, 3] };
    const L = heatmapLayout(o);
    const px = await decode(heatmap(o));
    expect(near(px.at(L.x.map(0.5), L.y.map(0.5)), viridis(0), 4)).toBe(true);
    expect(near(px.at(L.x.map(0.5), L.y.map(2.5)), viridis(1), 4)).toBe(true);
    expect(near(px.at(L.x.map(1.5), L.y.map(1.5)), [...MISSING_COLOR], 4)).toBe(true);
  });

  it('survives all-NaN, constant, short and empty grids', () => {
    const base = { width: 5, height: 5, xRange: [0, 1] as [number, number], yRange: [0, 1] as [number, number] };
    for (const values of [grid(5, 5, () => NaN), grid(5, 5, () => 3), new Float32Array(7), []])
      expect(pngSize(heatmap({ ...base, values }))).toEqual({ width: 800, height: 500 });
    expect(pngSize(heatmap({ values: [1], width: 0, height: 0, xRange: [NaN, 1], yRange: [1, 1] }))).toEqual({ width: 800, height: 500 });
  });

  it('heatmapPanels draws several maps with titles and one colour bar', () => {
    const p = (t: string, f: (c: number, r: number) => number) => ({
      title: t,
      values: grid(20, 20, f),
      width: 20,
      height: 20,
      xRange: [-1, 1] as [number, number],
      yRange: [-1, 1] as [number, number],
    });
    const buf = heatmapPanels([p('original', (c) => c), p('GAN', (_, r) => r * 10), p('MINEGAN', () => NaN)], { title: 'KDE density maps', panelSize: 200 });
    const size = pngSize(buf);
    expect(size.width).toBeGreaterThan(3 * 200);
    expect(size.height).toBeGreaterThan(200);
    const shared = heatmapPanels([p('a', (c) => c), p('b', (c) => c * 2)], { scale: 'shared' });
    expect(pngSize(shared).width).toBeGreaterThan(2 * 300);
    expect(pngSize(heatmapPanels([]))).toBeTruthy();
  });

  it('heatmapPanels shares one colour scale by default, so panels compare; scale "panel" maps each to its own max', async () => {
    // left panel: density 1 everywhere; right panel: 2 everywhere
    const p = (v: number) => ({ values: grid(10, 10, () => v), width: 10, height: 10, xRange: [0, 1] as [number, number], yRange: [0, 1] as [number, number] });
    const yellowIn = async (buf: Buffer, x0: number, x1: number) => {
      const px = await decode(buf);
      let n = 0;
      for (let x = x0; x < x1; x++) for (let y = 0; y < px.height; y++) if (px.is(x, y, viridis(1), 12)) n++;
      return n;
    };
    const box = 300 + 78; // one panel's box at the default panel size
    const shared = heatmapPanels([p(1), p(2)]);
    expect(await yellowIn(shared, 0, box)).toBe(0); // 1 is the bottom of the shared range [1, 2]
    expect(await yellowIn(shared, box, 2 * box)).toBeGreaterThan(250 * 250);
    const own = heatmapPanels([p(1), p(2)], { scale: 'panel' });
    expect(await yellowIn(own, 0, box)).toBeGreaterThan(250 * 250);
  });
});
