import { describe, expect, it } from 'vitest';
import { scatterLayout, scatterPanels, scatterPlot, type ScatterOptions } from '../../src/plot/scatterPlot.js';
import { PALETTE } from '../../src/plot/canvas.js';
import { decode, hex, luminance, near, pngSize } from './png.js';

describe('scatterPlot', () => {
  it('returns a PNG of the requested size', () => {
    expect(pngSize(scatterPlot({ groups: [{ name: 'g', points: [0, 0, 1, 1] }] }))).toEqual({ width: 800, height: 500 });
    expect(pngSize(scatterPlot({ groups: [{ name: 'g', points: [0, 0, 1, 1] }], width: 500, height: 500, title: 't' }))).toEqual({ width: 500, height: 500 });
  });

  it('puts a point in its colour at the mapped pixel, and nowhere else', async () => {
    const o: ScatterOptions = { groups: [{ name: 'p', points: [1, 3], color: '#D55E00', size: 4, alpha: 1 }], xRange: [0, 4], yRange: [0, 4] };
    const L = scatterLayout(o);
    const px = await decode(scatterPlot(o));
    const c = hex('#D55E00');
    const [cx, cy] = [L.x.map(1), L.y.map(3)];
    expect(near(px.at(cx, cy), c, 10)).toBe(true);
    let elsewhere = 0;
    for (let x = L.area.left + 1; x < L.area.right - 1; x++)
      for (let y = L.area.top + 1; y < L.area.bottom - 1; y++) if (Math.hypot(x - cx, y - cy) > 6 && px.is(x, y, c)) elsewhere++;
    expect(elsewhere).toBe(0);
  });

  it('keeps one unit equally long on both axes by default', () => {
    const L = scatterLayout({ groups: [{ name: 'p', points: [0, 0] }], xRange: [-5, 5], yRange: [-5, 5] });
    const w = L.x.map(1) - L.x.map(0),
      h = L.y.map(0) - L.y.map(1);
    expect(Math.abs(w - h)).toBeLessThan(0.05 * w);
    const free = scatterLayout({ groups: [{ name: 'p', points: [0, 0] }], xRange: [-5, 5], yRange: [-5, 5], equalAspect: false });
    expect(free.x.map(1) - free.x.map(0)).toBeGreaterThan(1.3 * (free.y.map(0) - free.y.map(1)));
  });

  it('colours points by their per-point palette index and draws marker crosses in black, open in the middle', async () => {
    const o: ScatterOptions = {
      groups: [{ name: 'code', points: [1, 1, 3, 3], colorIndex: [2, 4], size: 4, alpha: 1 }],
      markers: [1, 3],
      xRange: [0, 4],
      yRange: [0, 4],
    };
    const L = scatterLayout(o);
    const px = await decode(scatterPlot(o));
    expect(near(px.at(L.x.map(1), L.y.map(1)), hex(PALETTE[2]), 10)).toBe(true);
    expect(near(px.at(L.x.map(3), L.y.map(3)), hex(PALETTE[4]), 10)).toBe(true);
    // arms from 3 to 7 px out; the centre is left free for the points of the mode
    const cross = [-6, -5, 5, 6].flatMap((d) => [px.at(L.x.map(1) + d, L.y.map(3)), px.at(L.x.map(1), L.y.map(3) + d)]);
    // a 1.2-px black line is anti-aliased to dark grey (≈ 100 of 255); the centre keeps the background (white or grid grey)
    expect(cross.every((p) => luminance(p) < 130)).toBe(true);
    expect(luminance(px.at(L.x.map(1), L.y.map(3)))).toBeGreaterThan(200);
  });

  it('draws real points over the mode marks, not under them', async () => {
    const o: ScatterOptions = {
      groups: [{ name: 'real', points: [1, 1, 1.02, 1], color: '#0072B2', size: 2, alpha: 1 }],
      markers: [1, 1],
      xRange: [0, 4],
      yRange: [0, 4],
    };
    const L = scatterLayout(o);
    const px = await decode(scatterPlot(o));
    expect(near(px.at(L.x.map(1), L.y.map(1)), hex('#0072B2'), 10)).toBe(true);
  });

  it('skips NaN points and survives empty or all-NaN groups', async () => {
    const o: ScatterOptions = {
      groups: [
        { name: 'mixed', points: [NaN, 1, 2, Infinity, 1, 1], size: 3, alpha: 1 },
        { name: 'empty', points: [] },
        { name: 'nan', points: [NaN, NaN, NaN, NaN], colorIndex: [NaN, -1] },
      ],
      markers: [NaN, 0],
      xRange: [NaN, NaN],
    };
    expect(pngSize(scatterPlot(o))).toEqual({ width: 800, height: 500 });
    expect(pngSize(scatterPlot({ groups: [] }))).toEqual({ width: 800, height: 500 });
  });

  it('scatterPanels puts panels side by side under one title', () => {
    const panel = (t: string): ScatterOptions => ({
      title: t,
      groups: [
        { name: 'real', points: [0, 0, 1, 1] },
        { name: 'gen', points: [NaN, 0.5] },
      ],
      markers: [0, 0],
    });
    const size = pngSize(scatterPanels([panel('a'), panel('b'), panel('c')], { title: 'samples', panelWidth: 300, panelHeight: 280 }));
    expect(size.height).toBe(280 + 34);
    expect(size.width).toBeGreaterThan(3 * 300);
    expect(pngSize(scatterPanels([]))).toBeTruthy();
  });
});
