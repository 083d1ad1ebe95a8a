import { describe, expect, it } from 'vitest';
import { imageGrid, imageGridLayout } from '../../src/plot/imageGrid.js';
import { decode, pngSize } from './png.js';

describe('imageGrid', () => {
  it('upscales a 2×2 image by nearest neighbour: black and white blocks where expected', async () => {
    const img = Float32Array.from([0, 1, 1, 0]);
    const o = { height: 2, width: 2, cols: 1, padding: 2, scale: 10, background: '#808080' };
    const L = imageGridLayout(1, o);
    expect({ width: L.width, height: L.height }).toEqual({ width: 24, height: 24 });
    const buf = imageGrid([img], o);
    expect(pngSize(buf)).toEqual({ width: 24, height: 24 });
    const px = await decode(buf);
    const { x, y } = L.tile(0);
    expect([x, y]).toEqual([2, 2]);
    for (const [dx, dy, v] of [
      [0, 0, 0],
      [9, 9, 0],
      [10, 0, 255],
      [19, 9, 255],
      [0, 10, 255],
      [9, 19, 255],
      [10, 10, 0],
      [19, 19, 0],
    ])
      expect(px.at(x + dx, y + dy)).toEqual([v, v, v]);
    expect(px.at(0, 0)).toEqual([128, 128, 128]); // padding
    expect(px.at(23, 23)).toEqual([128, 128, 128]);
  });

  it('takes one flat array of n images like a list, clamps values and marks NaN', async () => {
    const flat = Float32Array.from([-1, 2, 0.5, NaN, 0, 0, 0, 0]);
    const o = { height: 2, width: 2, cols: 2, padding: 1, scale: 3 };
    const a = imageGrid(flat, o);
    const b = imageGrid([flat.subarray(0, 4), flat.subarray(4)], o);
    expect(a.equals(b)).toBe(true);
    expect(pngSize(a)).toEqual({ width: 1 + 2 * (6 + 1), height: 1 + 6 + 1 });
    const px = await decode(a);
    const L = imageGridLayout(2, o);
    const at = (i: number, r: number, c: number) => px.at(L.tile(i).x + c * 3 + 1, L.tile(i).y + r * 3 + 1);
    expect(at(0, 0, 0)).toEqual([0, 0, 0]);
    expect(at(0, 0, 1)).toEqual([255, 255, 255]);
    expect(at(0, 1, 0)).toEqual([128, 128, 128]);
    expect(at(0, 1, 1)).toEqual([255, 0, 255]);
  });

  it('draws RGB tiles (channels interleaved per pixel)', async () => {
    const red = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]); // 2×2: red, green, blue, white
    const px = await decode(imageGrid([red], { height: 2, width: 2, channels: 3, scale: 4, padding: 0 }));
    expect(px.at(1, 1)).toEqual([255, 0, 0]);
    expect(px.at(5, 1)).toEqual([0, 255, 0]);
    expect(px.at(1, 5)).toEqual([0, 0, 255]);
    expect(px.at(5, 5)).toEqual([255, 255, 255]);
  });

  it('sizes the canvas for title and row labels, as imageGridLayout says', () => {
    const imgs = Array.from({ length: 7 }, () => new Float32Array(28 * 28).fill(0.5));
    const o = { height: 28, width: 28, cols: 4, title: 'samples per code', rowLabels: ['code 0', 'code 1'] };
    const L = imageGridLayout(imgs.length, o);
    expect(L.rows).toBe(2);
    expect(L.scale).toBe(2); // default: tiles of at least 56 pixels
    expect(pngSize(imageGrid(imgs, o))).toEqual({ width: L.width, height: L.height });
    expect(L.tile(0).x).toBeGreaterThan(40); // room for the labels
    expect(L.tile(0).y).toBeGreaterThan(20); // room for the title
  });

  it('rejects sizes that do not match, accepts no images', () => {
    expect(() => imageGrid(new Float32Array(5), { height: 2, width: 2 })).toThrow(RangeError);
    expect(() => imageGrid([new Float32Array(4), new Float32Array(3)], { height: 2, width: 2 })).toThrow(RangeError);
    expect(() => imageGrid([], { height: 0, width: 2 })).toThrow(RangeError);
    expect(pngSize(imageGrid([], { height: 2, width: 2 })).width).toBeGreaterThan(0);
  });
});
