// Test helpers: read a PNG's header and decode its pixels with @napi-rs/canvas.
import { createCanvas, loadImage } from '@napi-rs/canvas';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from the IHDR chunk; throws when `buf` is not a PNG. */
export function pngSize(buf: Buffer): { width: number; height: number } {
  if (!SIGNATURE.every((b, i) => buf[i] === b)) throw new Error('not a PNG signature');
  if (buf.subarray(12, 16).toString('latin1') !== 'IHDR') throw new Error('first chunk is not IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

export type RGB = [number, number, number];

export interface Pixels {
  width: number;
  height: number;
  /** [r, g, b] at integer pixel (x, y) (rounded, clamped to the image). */
  at(x: number, y: number): RGB;
  /** `near(at(x, y), rgb, tol)` without allocating, for scans over the whole image. */
  is(x: number, y: number, rgb: RGB, tol?: number): boolean;
}

export async function decode(buf: Buffer): Promise<Pixels> {
  const img = await loadImage(buf);
  const W = img.width,
    H = img.height; // native getters: read once, not per pixel
  const c = createCanvas(W, H);
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, W, H).data;
  return {
    width: W,
    height: H,
    at(x, y) {
      const xi = Math.min(W - 1, Math.max(0, Math.round(x))),
        yi = Math.min(H - 1, Math.max(0, Math.round(y)));
      const o = (yi * W + xi) * 4;
      return [d[o], d[o + 1], d[o + 2]];
    },
    is(x, y, rgb, tol = 24) {
      const xi = Math.min(W - 1, Math.max(0, Math.round(x))),
        yi = Math.min(H - 1, Math.max(0, Math.round(y)));
      const o = (yi * W + xi) * 4;
      return Math.abs(d[o] - rgb[0]) <= tol && Math.abs(d[o + 1] - rgb[1]) <= tol && Math.abs(d[o + 2] - rgb[2]) <= tol;
    },
  };
}

export function hex(s: string): RGB {
  return [parseInt(s.slice(1, 3), 16), parseInt(s.slice(3, 5), 16), parseInt(s.slice(5, 7), 16)];
}

/** Every channel within `tol` levels. */
export function near(a: RGB, b: RGB, tol = 24): boolean {
  return Math.abs(a[0] - b[0]) <= tol && Math.abs(a[1] - b[1]) <= tol && Math.abs(a[2] - b[2]) <= tol;
}

export function luminance([r, g, b]: RGB): number {
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
