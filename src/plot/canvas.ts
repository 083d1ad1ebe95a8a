/**
 * Shared drawing primitives of the charts: linear/log scales, "nice" ticks (1-2-5 steps), number
 * formatting, an axes layout that keeps title, tick labels, axis labels and legend outside the
 * plot area, the legend box, and the toolkit's one palette and set of fonts. Everything draws
 * through a DrawContext, so the same code makes the PNG and the SVG of a chart (see figure.ts).
 * Pure: nothing here writes files; charts return encoded buffers and the caller writes them.
 */
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { DrawContext } from './drawContext.js';

/**
 * Okabe & Ito (2008) colours, then three of Paul Tol's: distinguishable with the common forms of
 * colour blindness. Black is kept out: it is the colour of reference lines (true MI) and markers;
 * yellow is last because it is faint on white.
 */
export const PALETTE: readonly string[] = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#882255', '#999999', '#44AA99', '#F0E442'];
/** Colours with a fixed meaning across the toolkit's figures (from the palette, plus black). */
export const ROLE_COLORS = {
  /** data samples shown for reference (real points under generated ones). */
  real: '#999999',
  /** generated samples G(z). */
  generated: PALETTE[1],
  /** reconstructions G(F(x)). */
  reconstruction: PALETTE[0],
  /** reference lines and marks: true MI, mode centres. */
  reference: '#000000',
} as const;
/**
 * One font for every figure, named so that an SVG opened elsewhere asks for the same face as the
 * PNG (DejaVu Sans; Verdana has nearly the same metrics where DejaVu is not installed).
 */
export const FONT = '"DejaVu Sans", Verdana, sans-serif';
/** Fonts of the chart parts, shared so that every chart reads the same. */
export const FONTS = {
  tick: `12px ${FONT}`,
  label: `13px ${FONT}`,
  legend: `12px ${FONT}`,
  title: `bold 15px ${FONT}`,
  panelTitle: `bold 14px ${FONT}`,
  figureTitle: `bold 17px ${FONT}`,
  small: `11px ${FONT}`,
  caption: `11px ${FONT}`,
} as const;
/** Figure sizes shared by the charts: one chart, and one panel of a multi-panel figure. */
export const SIZES = { chart: [800, 500] as const, panel: [400, 400] as const, linePanel: [400, 300] as const } as const;
export const TEXT_COLOR = '#222222';
export const CAPTION_COLOR = '#666666';
const GRID_COLOR = '#e4e4e4';
const FRAME_COLOR = '#444444';

/** The palette colour for index `i` (wraps around; negative or non-finite indices give the first colour). */
export function paletteColor(i: number): string {
  const k = Number.isFinite(i) ? Math.abs(Math.trunc(i)) : 0;
  return PALETTE[k % PALETTE.length];
}

/** `color` (#rrggbb) with an alpha channel, as an rgba() string; other colour strings are returned unchanged. */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return color;
  return `rgba(${parseInt(m[1], 16)},${parseInt(m[2], 16)},${parseInt(m[3], 16)},${alpha})`;
}

// ---------------------------------------------------------------------------------------------
// numbers and ticks

/** A step of 1, 2 or 5 × 10^k giving about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  const raw = Math.abs(span) / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * mag;
}

/** Ticks at multiples of a 1-2-5 step inside [lo, hi], about `count` intervals; [] for a non-finite range. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo > hi) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const d = lo !== 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= d;
    hi += d;
  }
  const step = niceStep(hi - lo, count);
  const out: number[] = [];
  // integer multiples rounded to 12 digits: 3 × 0.2 is 0.6000000000000001 in floating point
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9 && out.length < 1000; k++) out.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return out;
}

/**
 * Ticks for a log axis over [lo, hi] (both > 0): powers of ten, with 2× and 5× in between when the
 * range spans few decades, thinned to every n-th decade when it spans many. Falls back to linear
 * nice ticks when fewer than two would show.
 */
export function logTicks(lo: number, hi: number, count = 6): number[] {
  if (!(lo > 0) || !(hi > 0) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo > hi) [lo, hi] = [hi, lo];
  const e0 = Math.floor(Math.log10(lo)),
    e1 = Math.ceil(Math.log10(hi));
  const decades = e1 - e0;
  const inRange = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const every = Math.max(1, Math.ceil(decades / Math.max(1, count)));
  const mults = decades * 3 <= count + 3 ? [1, 2, 5] : [1];
  const out: number[] = [];
  for (let e = e0; e <= e1; e++) {
    if ((e - e0) % every !== 0) continue;
    for (const m of mults) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (inRange(v)) out.push(v);
    }
  }
  return out.length >= 2 ? out : niceTicks(lo, hi, count).filter((v) => v > 0);
}

const MINUS = '\u2212';

/**
 * A short label for `v`. With `step` (the tick spacing) all labels of an axis get the same number
 * of decimals; without it, 4 significant digits. Very large or small magnitudes use "2.5e-4".
 */
export function formatNumber(v: number, step?: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : `${MINUS}∞`;
  if (v === 0) return '0';
  const a = Math.abs(v);
  const sign = v < 0 ? MINUS : '';
  const ref = step !== undefined && Number.isFinite(step) && step > 0 ? step : undefined;
  if (a >= 1e5 || a < 1e-3) {
    let e = Math.floor(Math.log10(a));
    const digits = ref ? Math.min(6, Math.max(0, e - Math.floor(Math.log10(ref) + 1e-9))) : 2;
    let m = (a / 10 ** e).toFixed(digits);
    if (Number(m) >= 10) {
      e += 1;
      m = (a / 10 ** e).toFixed(digits);
    }
    if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
    return `${sign}${m}e${e < 0 ? MINUS : ''}${Math.abs(e)}`;
  }
  if (ref) {
    const d = Math.min(10, Math.max(0, -Math.floor(Math.log10(ref) + 1e-9)));
    return sign + a.toFixed(d);
  }
  return sign + String(Number(a.toPrecision(4)));
}

/**
 * The finite range of several arrays, widened by `pad` of its width on each side. Non-finite
 * values are skipped (and non-positive ones with `positiveOnly`, for log axes, where the padding is
 * applied in log space). A single value gives a unit-wide range around it; nothing finite gives
 * [0, 1] (or [1, 10] with `positiveOnly`).
 */
export function finiteRange(arrays: ArrayLike<number>[], pad = 0.05, positiveOnly = false): [number, number] {
  let lo = Infinity,
    hi = -Infinity;
  for (const a of arrays)
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (!Number.isFinite(v) || (positiveOnly && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  if (lo === Infinity) return positiveOnly ? [1, 10] : [0, 1];
  if (positiveOnly) {
    const l0 = Math.log10(lo),
      l1 = Math.log10(hi);
    if (l0 === l1) return [lo / Math.sqrt(10), hi * Math.sqrt(10)];
    const p = (l1 - l0) * pad;
    return [10 ** (l0 - p), 10 ** (l1 + p)];
  }
  if (lo === hi) return lo === 0 ? [-0.5, 0.5] : [lo - Math.abs(lo) * 0.1, hi + Math.abs(hi) * 0.1];
  const p = (hi - lo) * pad;
  return [lo - p, hi + p];
}

/** `r` if it is a usable range (finite, lo < hi, and positive for log), else `fallback`. */
export function usableRange(r: [number, number] | undefined, fallback: () => [number, number], log = false): [number, number] {
  if (r && Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[0] < r[1] && (!log || r[0] > 0)) return [r[0], r[1]];
  return fallback();
}

// ---------------------------------------------------------------------------------------------
// scales

/** A map from data values to pixels along one axis. */
export interface Scale {
  /** data interval shown, [lo, hi] with lo < hi. */
  readonly domain: [number, number];
  /** pixel positions of domain[0] and domain[1] (for a y axis the first is the larger). */
  readonly range: [number, number];
  readonly log: boolean;
  /** data → pixel; NaN when `v` cannot be placed (not finite, or ≤ 0 on a log scale). */
  map(v: number): number;
}

/** A linear (or, with `log`, base-10 logarithmic) scale; a degenerate domain is widened. */
export function makeScale(domain: [number, number], range: [number, number], log = false): Scale {
  let [d0, d1] = domain;
  if (log && !(d0 > 0 && d1 > 0)) [d0, d1] = [1, 10];
  if (!(d1 > d0)) [d0, d1] = d0 === 0 || !Number.isFinite(d0) ? [-0.5, 0.5] : [d0 - Math.abs(d0) * 0.1, d0 + Math.abs(d0) * 0.1];
  const [r0, r1] = range;
  const t0 = log ? Math.log10(d0) : d0,
    t1 = log ? Math.log10(d1) : d1;
  const k = (r1 - r0) / (t1 - t0);
  const map = log
    ? (v: number) => (v > 0 && Number.isFinite(v) ? r0 + (Math.log10(v) - t0) * k : NaN)
    : (v: number) => (Number.isFinite(v) ? r0 + (v - t0) * k : NaN);
  return { domain: [d0, d1], range: [r0, r1], log, map };
}

export interface Tick {
  value: number;
  label: string;
}

/** Labelled ticks for a scale with about `count` intervals. */
export function scaleTicks(s: Scale, count: number): Tick[] {
  const [lo, hi] = s.domain;
  if (s.log) return logTicks(lo, hi, count).map((v) => ({ value: v, label: formatNumber(v) }));
  const values = niceTicks(lo, hi, count).filter((v) => v >= lo - 1e-9 * (hi - lo) && v <= hi + 1e-9 * (hi - lo));
  const step = values.length > 1 ? values[1] - values[0] : undefined;
  return values.map((v) => ({ value: v, label: formatNumber(v, step) }));
}

// ---------------------------------------------------------------------------------------------
// figures and text

export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** A context for measuring text only (layouts are computed before any drawing). */
export function measuringContext(): SKRSContext2D {
  return createCanvas(1, 1).getContext('2d');
}

/** Shortens `s` with an ellipsis until it fits `maxWidth` pixels in the context's current font. */
export function fitText(ctx: DrawContext, s: string, maxWidth: number): string {
  if (ctx.measureText(s).width <= maxWidth) return s;
  let lo = 0,
    hi = s.length;
  // binary search on the kept prefix length: long labels in big legends stay cheap
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ctx.measureText(s.slice(0, mid) + '…').width <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return lo > 0 ? s.slice(0, lo) + '…' : '…';
}

/** Width of the widest string in `font`. */
export function maxTextWidth(ctx: DrawContext, strings: string[], font: string): number {
  ctx.font = font;
  let w = 0;
  for (const s of strings) w = Math.max(w, ctx.measureText(s).width);
  return w;
}

/** Draws `fn` with the context clipped to `r`. */
export function withClip(ctx: DrawContext, r: Rect, fn: () => void): void {
  ctx.save();
  ctx.beginPath();
  ctx.rect(r.left, r.top, r.right - r.left, r.bottom - r.top);
  ctx.clip();
  try {
    fn();
  } finally {
    ctx.restore();
  }
}

// ---------------------------------------------------------------------------------------------
// legend

export interface LegendEntry {
  label: string;
  color: string;
  /** swatch: a line (default), a filled dot, an open ring, a "+" cross, or a filled box (bars). */
  kind?: 'line' | 'point' | 'ring' | 'cross' | 'patch';
  dashed?: boolean;
  /** a dot on the line (series drawn with markers). */
  marker?: boolean;
  /** a shaded box behind the line (series with a ± band). */
  band?: boolean;
  /** grey label text, e.g. for a series with no data. */
  muted?: boolean;
}

const LEGEND_ROW = 18,
  LEGEND_SWATCH = 24,
  LEGEND_PAD = 8;

/** Width the legend box needs for `entries`, capped at `maxWidth`. */
export function legendWidth(ctx: DrawContext, entries: LegendEntry[], maxWidth: number): number {
  if (entries.length === 0) return 0;
  const text = maxTextWidth(
    ctx,
    entries.map((e) => e.label),
    FONTS.legend,
  );
  return Math.min(maxWidth, Math.ceil(2 * LEGEND_PAD + LEGEND_SWATCH + 6 + text));
}

/**
 * A legend box with its top-left corner at (x, y), at most `width` × `maxHeight` pixels; labels
 * that do not fit are shortened, rows that do not fit are summarised as "+N more".
 */
export function drawLegend(ctx: DrawContext, entries: LegendEntry[], x: number, y: number, width: number, maxHeight: number): void {
  if (entries.length === 0 || width <= 0) return;
  const fit = Math.max(1, Math.floor((maxHeight - 2 * LEGEND_PAD + 4) / LEGEND_ROW));
  const shown = entries.length <= fit ? entries : entries.slice(0, Math.max(0, fit - 1));
  const rows = shown.length + (shown.length < entries.length ? 1 : 0);
  const h = rows * LEGEND_ROW + 2 * LEGEND_PAD - 4;
  ctx.save();
  ctx.fillStyle = '#ffffff';
  ctx.strokeStyle = '#cccccc';
  ctx.lineWidth = 1;
  ctx.fillRect(x, y, width, h);
  ctx.strokeRect(Math.round(x) + 0.5, Math.round(y) + 0.5, Math.round(width) - 1, Math.round(h) - 1);
  ctx.font = FONTS.legend;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  const sx = x + LEGEND_PAD,
    tx = sx + LEGEND_SWATCH + 6,
    textMax = width - (tx - x) - LEGEND_PAD;
  shown.forEach((e, i) => {
    const cy = y + LEGEND_PAD + LEGEND_ROW / 2 - 2 + i * LEGEND_ROW;
    drawSwatch(ctx, e, sx, cy);
    ctx.fillStyle = e.muted ? '#888888' : TEXT_COLOR;
    ctx.fillText(fitText(ctx, e.label, textMax), tx, cy);
  });
  if (shown.length < entries.length) {
    ctx.fillStyle = '#666666';
    ctx.fillText(`+${entries.length - shown.length} more`, tx, y + LEGEND_PAD + LEGEND_ROW / 2 - 2 + shown.length * LEGEND_ROW);
  }
  ctx.restore();
}

function drawSwatch(ctx: DrawContext, e: LegendEntry, x: number, cy: number): void {
  const kind = e.kind ?? 'line';
  ctx.fillStyle = e.color;
  ctx.strokeStyle = e.color;
  ctx.setLineDash([]);
  if (kind === 'patch') {
    ctx.fillRect(x + 4, cy - 6, LEGEND_SWATCH - 8, 12);
    return;
  }
  if (kind === 'point') {
    ctx.beginPath();
    ctx.arc(x + LEGEND_SWATCH / 2, cy, 4, 0, 2 * Math.PI);
    ctx.fill();
    return;
  }
  if (kind === 'ring') {
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.arc(x + LEGEND_SWATCH / 2, cy, 3.5, 0, 2 * Math.PI);
    ctx.stroke();
    return;
  }
  if (kind === 'cross') {
    // the scatter plots' marker: a "+" open in the middle
    const cx = x + LEGEND_SWATCH / 2;
    ctx.lineWidth = 1.2;
    ctx.beginPath();
    for (const [dx, dy] of [
      [1, 0],
      [-1, 0],
      [0, 1],
      [0, -1],
    ]) {
      ctx.moveTo(cx + 2 * dx, cy + 2 * dy);
      ctx.lineTo(cx + 6 * dx, cy + 6 * dy);
    }
    ctx.stroke();
    return;
  }
  if (e.band) {
    ctx.fillStyle = withAlpha(e.color, 0.2);
    ctx.fillRect(x, cy - 6, LEGEND_SWATCH, 12);
  }
  ctx.lineWidth = 2.5;
  ctx.setLineDash(e.dashed ? [5, 3] : []);
  ctx.beginPath();
  ctx.moveTo(x, cy);
  ctx.lineTo(x + LEGEND_SWATCH, cy);
  ctx.stroke();
  ctx.setLineDash([]);
  if (e.marker) {
    ctx.fillStyle = e.color;
    ctx.beginPath();
    ctx.arc(x + LEGEND_SWATCH / 2, cy, 3.5, 0, 2 * Math.PI);
    ctx.fill();
  }
}

// ---------------------------------------------------------------------------------------------
// axes

/** The labels and canvas size every chart's options share. */
export interface ChartFrameOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** canvas size in pixels (default 800 × 500; in panels, the panel's size). */
  width?: number;
  height?: number;
}

/** What an axes box shows; the layout decides where everything goes. */
export interface AxesSpec {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** data interval on x and y (use `usableRange` / `finiteRange` to pick one). */
  xDomain: [number, number];
  yDomain: [number, number];
  /** base-10 log y axis (the domain must be positive). */
  yLog?: boolean;
  /** categorical x tick labels at given x values (bar charts) instead of numeric ticks. */
  xCategories?: Tick[];
  /** vertical grid lines at the x ticks (default true). */
  xGrid?: boolean;
  /** horizontal grid lines at the y ticks (default true). */
  yGrid?: boolean;
  /** legend entries, drawn in a box right of the plot area. */
  legend?: LegendEntry[];
  /** pixels kept free right of the plot area (and legend), e.g. for a colour bar. */
  reserveRight?: number;
  /** one data unit has the same length in pixels on both axes (the area shrinks and centres). */
  equalAspect?: boolean;
  /** font of the title (default FONTS.title). */
  titleFont?: string;
}

/** Where an axes box puts things, and its data → pixel scales. */
export interface PlotLayout {
  /** the whole box given to the axes. */
  box: Rect;
  /** the plot area: data are drawn (clipped) inside it, nothing else is. */
  area: Rect;
  x: Scale;
  y: Scale;
  xTicks: Tick[];
  yTicks: Tick[];
  /** rotation of the x tick labels in radians (0, or negative when categories are crowded). */
  xTickAngle: number;
  /** the legend box position and size, or null without a legend. */
  legend: Rect | null;
  /** the column kept by `reserveRight`, or null. */
  reserved: Rect | null;
  /** x of the (rotated) y axis label's left edge: beside the tick labels, also when the area is centred. */
  yLabelX: number;
}

const TICK_LEN = 4;

/**
 * Places title, axis labels, tick labels and legend around a plot area inside `box`, so that none
 * of them overlaps the area. Text is measured with `ctx` (any context; nothing is drawn).
 */
export function layoutAxes(ctx: DrawContext, box: Rect, spec: AxesSpec): PlotLayout {
  const boxW = box.right - box.left,
    boxH = box.bottom - box.top;
  const top = box.top + (spec.title ? 38 : 12);
  const entries = spec.legend ?? [];
  const legendW = entries.length ? legendWidth(ctx, entries, Math.max(110, Math.min(280, boxW * 0.32))) : 0;
  const reserve = Math.max(0, spec.reserveRight ?? 0);
  let right = box.right - (legendW ? legendW + 16 : 18) - reserve;
  // categorical labels rotate when they do not fit their slot; the rotated labels need room below
  let xTickAngle = 0,
    catExtra = 0;
  let categories = spec.xCategories;
  if (categories?.length) {
    const guessLeft = box.left + 60;
    const slot = ((right - guessLeft) / Math.max(1e-9, spec.xDomain[1] - spec.xDomain[0])) * minGap(categories.map((c) => c.value));
    const widest = maxTextWidth(
      ctx,
      categories.map((c) => c.label),
      FONTS.tick,
    );
    if (widest > slot - 8) {
      xTickAngle = -Math.PI / 6;
      const maxLen = Math.max(40, (boxH * 0.3) / Math.sin(Math.PI / 6));
      ctx.font = FONTS.tick;
      categories = categories.map((c) => ({ value: c.value, label: fitText(ctx, c.label, maxLen) }));
      catExtra = Math.min(widest, maxLen) * Math.sin(Math.PI / 6);
    }
  }
  const bottom = box.bottom - 8 - (TICK_LEN + 16) - catExtra - (spec.xLabel ? 22 : 0);
  // y ticks first: their widest label decides the left margin
  const yCount = (h: number) => Math.max(2, Math.min(10, Math.round(h / 55)));
  let y = makeScale(spec.yDomain, [bottom, top], spec.yLog);
  let yTicks = scaleTicks(y, yCount(bottom - top));
  const yLabelW = maxTextWidth(
    ctx,
    yTicks.map((t) => t.label),
    FONTS.tick,
  );
  const left = box.left + 8 + (spec.yLabel ? 22 : 0) + yLabelW + TICK_LEN + 4;
  if (right - left < 20) right = left + 20;
  let area: Rect = { left, top, right, bottom: Math.max(top + 20, bottom) };
  if (spec.equalAspect && !spec.yLog) area = equalAspectArea(area, spec.xDomain, spec.yDomain);
  area = { left: Math.round(area.left), top: Math.round(area.top), right: Math.round(area.right), bottom: Math.round(area.bottom) };
  const x = makeScale(spec.xDomain, [area.left, area.right]);
  y = makeScale(spec.yDomain, [area.bottom, area.top], spec.yLog);
  yTicks = scaleTicks(y, yCount(area.bottom - area.top));
  const xTicks = categories ?? numericXTicks(ctx, x, area.right - area.left);
  const legend = legendW ? { left: area.right + 16, top: area.top, right: area.right + 16 + legendW, bottom: area.bottom } : null;
  const reserved = reserve ? { left: box.right - reserve, top: area.top, right: box.right, bottom: area.bottom } : null;
  const yLabelX = Math.max(
    box.left + 4,
    area.left -
      TICK_LEN -
      4 -
      Math.max(
        yLabelW,
        maxTextWidth(
          ctx,
          yTicks.map((t) => t.label),
          FONTS.tick,
        ),
      ) -
      22,
  );
  return { box, area, x, y, xTicks, yTicks, xTickAngle, legend, reserved, yLabelX };
}

function minGap(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  let g = Infinity;
  for (let i = 1; i < v.length; i++) g = Math.min(g, v[i] - v[i - 1]);
  return Number.isFinite(g) && g > 0 ? g : 1;
}

/** As many numeric ticks as fit without their labels touching. */
function numericXTicks(ctx: DrawContext, x: Scale, width: number): Tick[] {
  for (let count = Math.max(2, Math.min(12, Math.floor(width / 80))); ; count--) {
    const ticks = scaleTicks(x, count);
    if (count <= 2 || ticks.length < 2) return ticks;
    const widest = maxTextWidth(
      ctx,
      ticks.map((t) => t.label),
      FONTS.tick,
    );
    const gap = Math.abs(x.map(ticks[1].value) - x.map(ticks[0].value));
    if (widest + 14 <= gap) return ticks;
  }
}

function equalAspectArea(a: Rect, xd: [number, number], yd: [number, number]): Rect {
  const w = a.right - a.left,
    h = a.bottom - a.top;
  const dx = xd[1] - xd[0],
    dy = yd[1] - yd[0];
  if (!(dx > 0) || !(dy > 0) || !Number.isFinite(dx) || !Number.isFinite(dy)) return a;
  const unit = Math.max(dx / w, dy / h); // data units per pixel, the larger fits both
  const nw = dx / unit,
    nh = dy / unit;
  const l = a.left + (w - nw) / 2,
    t = a.top + (h - nh) / 2;
  return { left: l, top: t, right: l + nw, bottom: t + nh };
}

/** Draws grid, ticks, tick labels, axis labels, title and legend of a layout (not the data, not the frame). */
export function drawAxes(ctx: DrawContext, L: PlotLayout, spec: AxesSpec): void {
  const { area } = L;
  ctx.save();
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.strokeStyle = GRID_COLOR;
  const xs = L.xTicks.map((t) => ({ ...t, p: L.x.map(t.value) })).filter((t) => t.p >= area.left - 0.5 && t.p <= area.right + 0.5);
  const ys = L.yTicks.map((t) => ({ ...t, p: L.y.map(t.value) })).filter((t) => t.p >= area.top - 0.5 && t.p <= area.bottom + 0.5);
  ctx.beginPath();
  if (spec.xGrid ?? !spec.xCategories) for (const t of xs) crispV(ctx, t.p, area.top, area.bottom);
  if (spec.yGrid ?? true) for (const t of ys) crispH(ctx, t.p, area.left, area.right);
  ctx.stroke();
  ctx.strokeStyle = FRAME_COLOR;
  ctx.beginPath();
  for (const t of xs) crispV(ctx, t.p, area.bottom, area.bottom + TICK_LEN);
  for (const t of ys) crispH(ctx, t.p, area.left - TICK_LEN, area.left);
  ctx.stroke();
  ctx.fillStyle = TEXT_COLOR;
  ctx.font = FONTS.tick;
  if (L.xTickAngle) {
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of xs) {
      ctx.save();
      ctx.translate(t.p, area.bottom + TICK_LEN + 6);
      ctx.rotate(L.xTickAngle);
      // slanted labels run down-left: the first ones are shortened to stay inside the box
      ctx.fillText(fitText(ctx, t.label, (t.p - L.box.left - 4) / Math.cos(L.xTickAngle)), 0, 0);
      ctx.restore();
    }
  } else {
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of xs) ctx.fillText(t.label, t.p, area.bottom + TICK_LEN + 3);
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of ys) ctx.fillText(t.label, area.left - TICK_LEN - 4, t.p);
  ctx.font = FONTS.label;
  if (spec.xLabel) {
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText(fitText(ctx, spec.xLabel, L.box.right - L.box.left - 20), (area.left + area.right) / 2, L.box.bottom - 6);
  }
  if (spec.yLabel) {
    ctx.save();
    ctx.translate(L.yLabelX, (area.top + area.bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText(fitText(ctx, spec.yLabel, L.box.bottom - L.box.top - 20), 0, 0);
    ctx.restore();
  }
  if (spec.title) drawTitle(ctx, spec.title, L.box, spec.titleFont ?? FONTS.title, (area.left + area.right) / 2);
  if (L.legend && spec.legend?.length)
    drawLegend(ctx, spec.legend, L.legend.left, L.legend.top, L.legend.right - L.legend.left, L.legend.bottom - L.legend.top);
  ctx.restore();
}

/** The frame around the plot area (drawn after the data so that it stays on top). */
export function drawFrameBorder(ctx: DrawContext, area: Rect): void {
  ctx.save();
  ctx.strokeStyle = FRAME_COLOR;
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.strokeRect(Math.round(area.left) - 0.5, Math.round(area.top) - 0.5, Math.round(area.right - area.left) + 1, Math.round(area.bottom - area.top) + 1);
  ctx.restore();
}

/**
 * A title centred at `cx` (clamped so it stays inside `box`), on the box's top line, shortened
 * with an ellipsis to the box width.
 */
export function drawTitle(ctx: DrawContext, title: string, box: Rect, font: string, cx = (box.left + box.right) / 2): void {
  ctx.save();
  ctx.font = font;
  ctx.fillStyle = '#111111';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const s = fitText(ctx, title, box.right - box.left - 16);
  const half = ctx.measureText(s).width / 2;
  const x = Math.min(box.right - 8 - half, Math.max(box.left + 8 + half, cx));
  ctx.fillText(s, x, box.top + 18);
  ctx.restore();
}

function crispV(ctx: DrawContext, x: number, y0: number, y1: number): void {
  const p = Math.round(x) + 0.5;
  ctx.moveTo(p, y0);
  ctx.lineTo(p, y1);
}

function crispH(ctx: DrawContext, y: number, x0: number, x1: number): void {
  const p = Math.round(y) + 0.5;
  ctx.moveTo(x0, p);
  ctx.lineTo(x1, p);
}

// ---------------------------------------------------------------------------------------------
// geometry

/**
 * The part of segment (x0,y0)–(x1,y1) inside `r` (Liang–Barsky), or null. Lines are clipped in
 * JS doubles before they reach Skia: a diverged estimate at 1e12 would otherwise become a path
 * far outside float precision, and dashing it would take forever.
 */
export function clipSegment(x0: number, y0: number, x1: number, y1: number, r: Rect): [number, number, number, number] | null {
  let t0 = 0,
    t1 = 1;
  const dx = x1 - x0,
    dy = y1 - y0;
  const edges: [number, number][] = [
    [-dx, x0 - r.left],
    [dx, r.right - x0],
    [-dy, y0 - r.top],
    [dy, r.bottom - y0],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return null;
    } else {
      const t = q / p;
      if (p < 0) {
        if (t > t1) return null;
        if (t > t0) t0 = t;
      } else {
        if (t < t0) return null;
        if (t < t1) t1 = t;
      }
    }
  }
  return [x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy];
}

/** `r` grown by `m` pixels on every side. */
export function inflate(r: Rect, m: number): Rect {
  return { left: r.left - m, top: r.top - m, right: r.right + m, bottom: r.bottom + m };
}

/**
 * Adds a polyline through pixel points to the current path, clipped to `bounds`; a NaN coordinate
 * breaks the line. Returns the indices of isolated points (finite, with no finite neighbour), which
 * a line alone would not show.
 */
export function tracePolyline(ctx: DrawContext, px: ArrayLike<number>, py: ArrayLike<number>, bounds: Rect): number[] {
  const isolated: number[] = [];
  const n = Math.min(px.length, py.length);
  let penX = NaN,
    penY = NaN,
    run = 0;
  for (let i = 0; i < n; i++) {
    const x = px[i],
      y = py[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (run === 1) isolated.push(i - 1);
      run = 0;
      continue;
    }
    if (run > 0) {
      const seg = clipSegment(px[i - 1], py[i - 1], x, y, bounds);
      if (seg) {
        if (seg[0] !== penX || seg[1] !== penY) ctx.moveTo(seg[0], seg[1]);
        ctx.lineTo(seg[2], seg[3]);
        penX = seg[2];
        penY = seg[3];
      }
    }
    run++;
  }
  if (run === 1) isolated.push(n - 1);
  return isolated;
}

/** Clamps a pixel coordinate to ±1e6: far outside any canvas, still exact for Skia's floats. */
export function clampPx(p: number): number {
  return p < -1e6 ? -1e6 : Math.min(p, 1e6);
}
