/**
 * A grid of small images (e.g. generated MNIST digits, one row per code), greyscale or RGB,
 * upscaled by an integer factor with nearest-neighbour sampling so that pixels stay sharp.
 */
import { drawTitle, fitText, FONTS, maxTextWidth, measuringContext, TEXT_COLOR } from './canvas.js';
import { createFigure, type RenderOptions } from './figure.js';

export interface ImageGridOptions {
  /** size of one image in pixels (its rows and columns). */
  height: number;
  width: number;
  /** images per row (default ⌈√n⌉). */
  cols?: number;
  /** 1 = greyscale (default); 3 = RGB, interleaved per pixel (HWC, the layout of a [n, h, w, 3] tensor). */
  channels?: 1 | 3;
  /** pixels of background between and around tiles (default 2). */
  padding?: number;
  /** integer upscaling factor (default: the smallest that makes a tile at least 56 pixels). */
  scale?: number;
  /** title above the grid. */
  title?: string;
  /** a label left of each row (e.g. "code 3"). */
  rowLabels?: string[];
  /** CSS colour of padding and empty cells (default white). */
  background?: string;
}

/** Where `imageGrid` puts things; the canvas size follows from the image size, count and options. */
export interface ImageGridLayout {
  /** canvas size in pixels. */
  width: number;
  height: number;
  cols: number;
  rows: number;
  /** size of one upscaled tile. */
  tileWidth: number;
  tileHeight: number;
  scale: number;
  /** top-left pixel of tile `i` (row-major). */
  tile(i: number): { x: number; y: number };
}

/** Value of a non-finite pixel: magenta, so that a diverged generator is not mistaken for black. */
const NAN_RGB = [255, 0, 255] as const;
const TITLE_H = 32;

function checkSize(o: ImageGridOptions): void {
  for (const k of ['height', 'width'] as const)
    if (!(Number.isInteger(o[k]) && o[k] > 0)) throw new RangeError(`imageGrid: ${k} must be a positive integer, got ${o[k]}`);
  if (o.channels !== undefined && o.channels !== 1 && o.channels !== 3) throw new RangeError(`imageGrid: channels must be 1 or 3, got ${o.channels}`);
}

/** The layout of `count` images under options `o`. */
export function imageGridLayout(count: number, o: ImageGridOptions): ImageGridLayout {
  checkSize(o);
  const n = Math.max(0, Math.floor(count));
  const scale = Math.max(1, Math.floor(o.scale ?? Math.ceil(56 / Math.max(o.height, o.width))));
  const pad = Math.max(0, Math.floor(o.padding ?? 2));
  const cols = Math.max(1, Math.floor(o.cols ?? Math.ceil(Math.sqrt(Math.max(1, n)))));
  const rows = Math.max(1, Math.ceil(n / cols));
  const tw = o.width * scale,
    th = o.height * scale;
  const ctx = measuringContext();
  const labelW = o.rowLabels?.length ? Math.ceil(Math.min(200, maxTextWidth(ctx, o.rowLabels, FONTS.label)) + 12) : 0;
  const gridW = labelW + cols * tw + (cols + 1) * pad;
  // a title wider than the grid widens the canvas (up to 1000 px) rather than being cut short
  const titleW = o.title ? Math.ceil(Math.min(1000, maxTextWidth(ctx, [o.title], FONTS.title) + 24)) : 0;
  const width = Math.max(gridW, titleW);
  const ox = Math.floor((width - gridW) / 2) + labelW,
    oy = o.title ? TITLE_H : 0;
  return {
    width,
    height: oy + rows * th + (rows + 1) * pad,
    cols,
    rows,
    tileWidth: tw,
    tileHeight: th,
    scale,
    tile: (i) => ({ x: ox + pad + (i % cols) * (tw + pad), y: oy + pad + Math.floor(i / cols) * (th + pad) }),
  };
}

/**
 * Renders images as a PNG grid. `images` is a list of images, or one array holding n images back
 * to back (n·height·width·channels values). Values are intensities in [0, 1], clamped (0 black,
 * 1 white); non-finite values are drawn magenta. Throws a RangeError when sizes do not match.
 */
export function imageGrid(images: ArrayLike<number>[] | ArrayLike<number>, o: ImageGridOptions, render: RenderOptions = {}): Buffer {
  checkSize(o);
  const c = o.channels ?? 1;
  const per = o.height * o.width * c;
  const list: ArrayLike<number>[] = [];
  if (Array.isArray(images) && (images.length === 0 || typeof images[0] !== 'number')) {
    (images as ArrayLike<number>[]).forEach((im, i) => {
      if (im.length !== per) throw new RangeError(`imageGrid: image ${i} has ${im.length} values, expected ${o.height}·${o.width}·${c} = ${per}`);
      list.push(im);
    });
  } else {
    const all = images as ArrayLike<number>;
    if (all.length % per !== 0) throw new RangeError(`imageGrid: ${all.length} values are not a whole number of ${o.height}·${o.width}·${c} images`);
    const sub = (k: number): ArrayLike<number> =>
      ArrayBuffer.isView(all) && 'subarray' in all
        ? (all as unknown as Float32Array).subarray(k * per, (k + 1) * per)
        : Array.prototype.slice.call(all, k * per, (k + 1) * per);
    for (let k = 0; k < all.length / per; k++) list.push(sub(k));
  }
  const L = imageGridLayout(list.length, o);
  const fig = createFigure(L.width, L.height, render);
  const { ctx } = fig;
  ctx.fillStyle = o.background ?? '#ffffff';
  ctx.fillRect(0, 0, fig.width, fig.height);
  if (o.title) drawTitle(ctx, o.title, { left: 0, top: 0, right: fig.width, bottom: TITLE_H }, FONTS.title);
  const s = L.scale;
  list.forEach((im, k) => {
    const tile = ctx.createImageData(L.tileWidth, L.tileHeight);
    const d = tile.data;
    for (let r = 0; r < o.height; r++)
      for (let q = 0; q < o.width; q++) {
        const base = (r * o.width + q) * c;
        let R: number, G: number, B: number;
        const vals = c === 1 ? [im[base], im[base], im[base]] : [im[base], im[base + 1], im[base + 2]];
        if (vals.every(Number.isFinite)) [R, G, B] = vals.map((v) => Math.round(255 * Math.min(1, Math.max(0, v))));
        else [R, G, B] = NAN_RGB;
        for (let dy = 0; dy < s; dy++)
          for (let dx = 0; dx < s; dx++) {
            const o4 = ((r * s + dy) * L.tileWidth + q * s + dx) * 4;
            d[o4] = R;
            d[o4 + 1] = G;
            d[o4 + 2] = B;
            d[o4 + 3] = 255;
          }
      }
    const { x, y } = L.tile(k);
    ctx.putImageData(tile, x, y);
  });
  if (o.rowLabels?.length) {
    ctx.font = FONTS.label;
    ctx.fillStyle = TEXT_COLOR;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let r = 0; r < Math.min(L.rows, o.rowLabels.length); r++) {
      const { x, y } = L.tile(r * L.cols);
      ctx.fillText(fitText(ctx, o.rowLabels[r], 200), x - 8, y + L.tileHeight / 2);
    }
  }
  return fig.encode();
}
