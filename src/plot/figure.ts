/**
 * A figure to draw a chart on, in either output format: a @napi-rs/canvas bitmap (PNG) or an
 * SvgContext (SVG, text as text). Charts draw through the DrawContext once; `encode()` gives the
 * file's bytes. A figure may carry a caption line under the chart (which run, seed and step made
 * it), so that a figure copied out of its run directory stays identifiable.
 */
import { createCanvas } from '@napi-rs/canvas';
import { CAPTION_COLOR, fitText, FONTS } from './canvas.js';
import type { DrawContext } from './drawContext.js';
import { SvgContext } from './svg.js';

export type FigureFormat = 'png' | 'svg';
export const FIGURE_FORMATS: readonly FigureFormat[] = ['png', 'svg'];

/** How a chart is written: its format (default PNG) and an optional caption line under it. */
export interface RenderOptions {
  format?: FigureFormat;
  caption?: string;
}

/** Height of the caption strip under a chart, in pixels. */
export const CAPTION_HEIGHT = 20;

/** A white figure to draw on. `width` × `height` is the chart's part; a caption adds a strip below it. */
export interface Figure {
  ctx: DrawContext;
  width: number;
  height: number;
  format: FigureFormat;
  /** The file's bytes: PNG, or SVG as UTF-8. Draws the caption first. */
  encode(): Buffer;
}

/** A white `width` × `height` figure (sizes are rounded and at least 1 pixel), plus the caption strip if any. */
export function createFigure(width: number, height: number, render: RenderOptions = {}): Figure {
  const w = Math.max(1, Math.round(Number.isFinite(width) ? width : 1));
  const h = Math.max(1, Math.round(Number.isFinite(height) ? height : 1));
  const caption = render.caption?.trim() || undefined;
  const total = h + (caption ? CAPTION_HEIGHT : 0);
  const format = render.format ?? 'png';
  let ctx: DrawContext;
  let bytes: () => Buffer;
  if (format === 'svg') {
    const svg = new SvgContext(w, total);
    ctx = svg;
    bytes = () => Buffer.from(svg.toSvg({ desc: caption }), 'utf8');
  } else {
    const canvas = createCanvas(w, total);
    ctx = canvas.getContext('2d');
    bytes = () => canvas.toBuffer('image/png');
  }
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, w, total);
  return {
    ctx,
    width: w,
    height: h,
    format,
    encode() {
      if (caption) drawCaption(ctx, caption, w, h);
      return bytes();
    },
  };
}

/** The caption line: small grey text on white, left-aligned in the strip under the chart. */
function drawCaption(ctx: DrawContext, caption: string, width: number, top: number): void {
  ctx.save();
  ctx.globalAlpha = 1;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, top, width, CAPTION_HEIGHT);
  ctx.font = FONTS.caption;
  ctx.fillStyle = CAPTION_COLOR;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.fillText(fitText(ctx, caption, width - 16), 8, top + CAPTION_HEIGHT / 2);
  ctx.restore();
}
