/**
 * Shared drawing primitives for the PNG charts: a plot frame with "nice" ticks (1-2-5 steps),
 * labels, title and legend, and a colour-blind-friendly palette (Okabe & Ito 2008).
 * Pure: functions return PNG buffers; only src/io writes files.
 */
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';

// black is kept for reference lines (true MI); yellow is last because it is faint on white
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#882255', '#999999', '#44AA99', '#F0E442'];
export const FONT = 'sans-serif';

export interface Frame {
  ctx: SKRSContext2D;
  toPng(): Buffer;
  /** data → pixel */
  px(x: number): number;
  py(y: number): number;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Ticks at 1, 2 or 5 × 10^k covering [lo, hi] with about `count` steps. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= d;
    hi += d;
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

export function formatNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

/** The finite range of several arrays, padded by `pad` of its width; [0, 1] when nothing is finite. */
export function finiteRange(arrays: ArrayLike<number>[], pad = 0.05): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const a of arrays) for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) { lo = Math.min(lo, a[i]); hi = Math.max(hi, a[i]); }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  const p = (hi - lo) * pad;
  return [lo - p, hi + p];
}

export interface FrameOptions {
  width: number;
  height: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  xRange: [number, number];
  yRange: [number, number];
  /** room on the right for a legend, in pixels. */
  legendWidth?: number;
}

/** A white canvas with axes, grid, tick labels, axis labels and a title. */
export function drawFrame(o: FrameOptions): Frame {
  const canvas = createCanvas(o.width, o.height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, o.width, o.height);
  const left = 72, top = o.title ? 44 : 16, right = o.width - 16 - (o.legendWidth ?? 0), bottom = o.height - 52;
  const [x0, x1] = o.xRange, [y0, y1] = o.yRange;
  const px = (x: number) => left + ((x - x0) / (x1 - x0 || 1)) * (right - left);
  const py = (y: number) => bottom - ((y - y0) / (y1 - y0 || 1)) * (bottom - top);
  ctx.font = `12px ${FONT}`;
  ctx.strokeStyle = '#e6e6e6';
  ctx.fillStyle = '#333333';
  ctx.lineWidth = 1;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of niceTicks(x0, x1, Math.max(2, Math.floor((right - left) / 90)))) {
    if (t < x0 || t > x1) continue;
    ctx.beginPath();
    ctx.moveTo(px(t), top);
    ctx.lineTo(px(t), bottom);
    ctx.stroke();
    ctx.fillText(formatNumber(t), px(t), bottom + 6);
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of niceTicks(y0, y1, Math.max(2, Math.floor((bottom - top) / 60)))) {
    if (t < y0 || t > y1) continue;
    ctx.beginPath();
    ctx.moveTo(left, py(t));
    ctx.lineTo(right, py(t));
    ctx.stroke();
    ctx.fillText(formatNumber(t), left - 6, py(t));
  }
  ctx.strokeStyle = '#333333';
  ctx.strokeRect(left, top, right - left, bottom - top);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'alphabetic';
  if (o.xLabel) {
    ctx.font = `13px ${FONT}`;
    ctx.fillText(o.xLabel, (left + right) / 2, o.height - 12);
  }
  if (o.yLabel) {
    ctx.save();
    ctx.translate(18, (top + bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.font = `13px ${FONT}`;
    ctx.fillText(o.yLabel, 0, 0);
    ctx.restore();
  }
  if (o.title) {
    ctx.font = `bold 15px ${FONT}`;
    ctx.fillStyle = '#111111';
    ctx.fillText(fitText(ctx, o.title, o.width - 20), o.width / 2, 26);
  }
  return { ctx, toPng: () => canvas.toBuffer('image/png'), px, py, left, top, right, bottom };
}

/** Shortens `s` with an ellipsis until it fits `maxWidth` pixels in the current font. */
export function fitText(ctx: SKRSContext2D, s: string, maxWidth: number): string {
  if (ctx.measureText(s).width <= maxWidth) return s;
  let t = s;
  while (t.length > 1 && ctx.measureText(t + '…').width > maxWidth) t = t.slice(0, -1);
  return t + '…';
}

export interface LegendEntry {
  label: string;
  color: string;
  dashed?: boolean;
  marker?: boolean;
}

/** A legend in the column right of the plot area. */
export function drawLegend(f: Frame, entries: LegendEntry[], x: number, width: number): void {
  const { ctx } = f;
  ctx.font = `12px ${FONT}`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  entries.forEach((e, i) => {
    const y = f.top + 10 + i * 18;
    ctx.strokeStyle = e.color;
    ctx.fillStyle = e.color;
    ctx.lineWidth = 2.5;
    ctx.setLineDash(e.dashed ? [6, 4] : []);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 22, y);
    ctx.stroke();
    ctx.setLineDash([]);
    if (e.marker) {
      ctx.beginPath();
      ctx.arc(x + 11, y, 3.5, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.fillStyle = '#222222';
    ctx.fillText(fitText(ctx, e.label, width - 34), x + 28, y);
  });
}
