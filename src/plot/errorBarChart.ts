/**
 * Means with ± error bars against a numeric x, e.g. a metric against a swept β: one line per
 * series through its means, a vertical bar of ± std at each, and each seed's own value as an open
 * ring on the same vertical. Several panels can be stacked on one shared x axis (a coverage and a precision
 * metric against β).
 *
 * The x axis is linear, or base-10 log (`xLog`). On a log axis a 0 value (β = 0: no regularizer)
 * has no place; it is drawn at a position marked "0", one decade left of the smallest positive
 * value, beyond a break (//) in the axis, and the line segment that crosses the break is dotted.
 * Negative x values are not drawn on a log axis. The ticks are the x values themselves (a sweep's
 * grid values), or 1-2-5 / decade ticks when there are more than 12 of them.
 */
import {
  type ChartFrameOptions,
  drawAxes,
  drawFrameBorder,
  drawTitle,
  FONTS,
  formatNumber,
  layoutAxes,
  logTicks,
  measuringContext,
  niceTicks,
  paletteColor,
  SIZES,
  usableRange,
  withAlpha,
  withClip,
  type AxesSpec,
  type LegendEntry,
  type PlotLayout,
  type Rect,
  type Tick,
} from './canvas.js';
import type { DrawContext } from './drawContext.js';
import { createFigure, type RenderOptions } from './figure.js';

/** One mean ± half-length at an x value, with the values it was taken over (drawn as open rings). */
export interface ErrorBarPoint {
  x: number;
  /** a non-finite mean leaves the point out and breaks the line there. */
  mean: number;
  /** half-length of the error bar (e.g. the std over seeds); non-finite or ≤ 0: none. */
  std?: number;
  /** the single values behind the mean (e.g. one per seed). */
  samples?: number[];
}

export interface ErrorBarSeries {
  name: string;
  points: ErrorBarPoint[];
  /** CSS colour; default the palette colour of the series' position. */
  color?: string;
}

export interface ErrorBarChartOptions extends ChartFrameOptions {
  series: ErrorBarSeries[];
  /** base-10 log x axis, a 0 placed at a marked position left of an axis break (see the module note). */
  xLog?: boolean;
  /** the y range reaches down (or up) to 0, with a 3% margin past it, e.g. for counts and percentages. */
  yFromZero?: boolean;
  /** fixed y range; default the means, bars and samples, padded by 6%. */
  yRange?: [number, number];
  /** legend right of the plot (default: when anything is named). */
  legend?: boolean;
  /** legend entry of the samples' rings (default "each seed"); listed when some point has samples. */
  samplesLabel?: string;
}

/** How x values are placed along the axis: positions (x itself, or log10 x), ticks and the break on a log axis. */
export interface ErrorBarXAxis {
  log: boolean;
  /** the axis position of an x value; NaN when it cannot be placed (≤ 0 other than 0 on a log axis, not finite). */
  pos(x: number): number;
  /** position interval shown. */
  domain: [number, number];
  ticks: Tick[];
  /** on a log axis with a 0 value: the position of the break between "0" and the smallest positive value. */
  breakAt?: number;
}

const MAX_VALUE_TICKS = 12;

/** The x axis for a set of x values (linear, or log with 0 at one decade left of the smallest positive value). */
export function errorBarXAxis(values: number[], log: boolean): ErrorBarXAxis {
  const xs = [...new Set(values.filter(Number.isFinite))].sort((a, b) => a - b);
  const positive = xs.filter((v) => v > 0);
  if (log && positive.length > 0) {
    const minExp = Math.log10(positive[0]);
    const hasZero = xs.includes(0);
    const zeroPos = minExp - 1;
    const pos = (v: number) => (v > 0 && Number.isFinite(v) ? Math.log10(v) : v === 0 && hasZero ? zeroPos : NaN);
    const placed = xs.filter((v) => v >= 0);
    const lo = hasZero ? zeroPos : minExp,
      hi = Math.log10(positive[positive.length - 1]);
    const valueTicks = placed.length <= MAX_VALUE_TICKS ? placed : [...(hasZero ? [0] : []), ...logTicks(positive[0], positive[positive.length - 1])];
    return {
      log: true,
      pos,
      domain: padded(lo, hi, 0.5),
      ticks: valueTicks.map((v) => ({ value: pos(v), label: formatNumber(v) })),
      ...(hasZero ? { breakAt: zeroPos + 0.5 } : {}),
    };
  }
  const pos = (v: number) => (Number.isFinite(v) ? v : NaN);
  if (xs.length === 0) return { log: false, pos, domain: [0, 1], ticks: [] };
  const lo = xs[0],
    hi = xs[xs.length - 1];
  const domain = padded(lo, hi, lo === 0 ? 0.5 : Math.abs(lo) * 0.1);
  const tickValues = xs.length <= MAX_VALUE_TICKS ? xs : niceTicks(lo, hi, 8);
  const step = xs.length <= MAX_VALUE_TICKS ? undefined : tickValues[1] - tickValues[0];
  return { log: false, pos, domain, ticks: tickValues.map((v) => ({ value: v, label: formatNumber(v, step) })) };
}

/** [lo, hi] widened by 6% of its width on each side (by `single` when it is one value). */
function padded(lo: number, hi: number, single: number): [number, number] {
  if (!(hi > lo)) return [lo - single, hi + single];
  const p = (hi - lo) * 0.06;
  return [lo - p, hi + p];
}

const allX = (o: ErrorBarChartOptions) => o.series.flatMap((s) => s.points.map((p) => p.x));

interface Prepared {
  spec: AxesSpec;
  axis: ErrorBarXAxis;
  colors: string[];
}

function prepare(o: ErrorBarChartOptions, axis: ErrorBarXAxis, legend: LegendEntry[] | null): Prepared {
  const ys: number[] = [];
  for (const s of o.series)
    for (const p of s.points) {
      if (!Number.isFinite(axis.pos(p.x))) continue;
      if (Number.isFinite(p.mean)) {
        const e = barOf(p);
        ys.push(p.mean - e, p.mean + e);
      }
      for (const v of p.samples ?? []) if (Number.isFinite(v)) ys.push(v);
    }
  const yDomain = usableRange(o.yRange, () => {
    let lo = Math.min(...ys),
      hi = Math.max(...ys);
    if (!Number.isFinite(lo)) return [0, 1];
    if (o.yFromZero) {
      lo = Math.min(lo, 0);
      hi = Math.max(hi, 0);
    }
    if (lo === hi) return lo === 0 ? [-0.03, 1] : [lo - Math.abs(lo) * 0.1, hi + Math.abs(hi) * 0.1];
    // 3% below a zero floor (6% elsewhere): points at 0 stay clear of the frame
    const pad = (hi - lo) * 0.06;
    return [o.yFromZero && lo === 0 ? -pad / 2 : lo - pad, o.yFromZero && hi === 0 ? pad / 2 : hi + pad];
  });
  const colors = o.series.map((s, k) => s.color ?? paletteColor(k));
  const entries = legend ?? legendOf(o, colors);
  const spec: AxesSpec = {
    title: o.title,
    xLabel: o.xLabel,
    yLabel: o.yLabel,
    xDomain: axis.domain,
    yDomain,
    xCategories: axis.ticks,
    xGrid: true,
    legend: (o.legend ?? entries.length > 0) ? entries : [],
  };
  return { spec, axis, colors };
}

function legendOf(o: ErrorBarChartOptions, colors: string[]): LegendEntry[] {
  const entries: LegendEntry[] = o.series.map((s, k) => {
    const empty = !s.points.some((p) => Number.isFinite(p.mean));
    return { label: empty ? `${s.name} (no data)` : s.name, color: colors[k], marker: true, muted: empty };
  });
  if (o.series.some((s) => s.points.some((p) => (p.samples ?? []).some(Number.isFinite))))
    entries.push({ label: o.samplesLabel ?? 'each seed', color: '#555555', kind: 'ring' });
  return entries;
}

function barOf(p: ErrorBarPoint): number {
  return p.std !== undefined && Number.isFinite(p.std) && p.std > 0 ? p.std : 0;
}

/** Where `errorBarChart(o)` puts its plot area and how it maps axis positions to pixels (x: `errorBarXAxis(…).pos`). */
export function errorBarLayout(o: ErrorBarChartOptions): PlotLayout {
  const p = prepare(o, errorBarXAxis(allX(o), o.xLog ?? false), null);
  const [w, h] = [o.width ?? SIZES.chart[0], o.height ?? SIZES.chart[1]];
  return layoutAxes(measuringContext(), { left: 0, top: 0, right: w, bottom: h }, p.spec);
}

/** Renders the chart (PNG by default; `render.format` 'svg' for SVG). */
export function errorBarChart(o: ErrorBarChartOptions, render: RenderOptions = {}): Buffer {
  const p = prepare(o, errorBarXAxis(allX(o), o.xLog ?? false), null);
  const fig = createFigure(o.width ?? SIZES.chart[0], o.height ?? SIZES.chart[1], render);
  const L = layoutAxes(fig.ctx, { left: 0, top: 0, right: fig.width, bottom: fig.height }, p.spec);
  drawPanel(fig.ctx, L, p, o, true);
  return fig.encode();
}

export interface ErrorBarPanelsOptions {
  /** figure title above the panels. */
  title?: string;
  /** figure width (default 800) and each panel's height (default 330). */
  width?: number;
  panelHeight?: number;
}

/**
 * Panels stacked on one shared x axis (the union of their x values; log if the first panel's
 * `xLog`), plot areas aligned; the legend (the first panel's) is drawn once, beside the top panel,
 * and the x label once, under the bottom one.
 */
export function errorBarPanels(panels: ErrorBarChartOptions[], opts: ErrorBarPanelsOptions = {}, render: RenderOptions = {}): Buffer {
  const n = Math.max(1, panels.length);
  const width = opts.width ?? SIZES.chart[0],
    ph = opts.panelHeight ?? 330;
  const titleH = opts.title ? 34 : 0;
  const fig = createFigure(width, titleH + n * ph, render);
  const { ctx } = fig;
  if (opts.title) drawTitle(ctx, opts.title, { left: 0, top: 0, right: fig.width, bottom: titleH }, FONTS.figureTitle);
  const axis = errorBarXAxis(panels.flatMap(allX), panels[0]?.xLog ?? false);
  const legend = panels.length
    ? legendOf(
        panels[0],
        panels[0].series.map((s, k) => s.color ?? paletteColor(k)),
      )
    : [];
  const xLabel = panels.map((o) => o.xLabel).find(Boolean);
  const prepared = panels.map((o, i) => prepare({ ...o, xLabel: i === panels.length - 1 ? xLabel : undefined }, axis, legend));
  const boxes: Rect[] = panels.map((_, i) => ({ left: 0, top: titleH + i * ph, right: fig.width, bottom: titleH + (i + 1) * ph }));
  // align the plot areas: each panel's left margin is widened to the widest one's
  let layouts = prepared.map((p, i) => layoutAxes(ctx, boxes[i], p.spec));
  const left = Math.max(...layouts.map((L) => L.area.left));
  layouts = layouts.map((L, i) => (L.area.left < left ? layoutAxes(ctx, { ...boxes[i], left: boxes[i].left + left - L.area.left }, prepared[i].spec) : L));
  prepared.forEach((p, i) => drawPanel(ctx, layouts[i], p, panels[i], i === 0));
  return fig.encode();
}

function drawPanel(ctx: DrawContext, L: PlotLayout, p: Prepared, o: ErrorBarChartOptions, withLegend: boolean): void {
  drawAxes(ctx, L, withLegend ? p.spec : { ...p.spec, legend: [] });
  const { axis } = p;
  const px = (x: number) => L.x.map(axis.pos(x));
  // series sharing an x value are moved apart a little, so that their bars do not hide each other
  const dodge = Math.min(7, 24 / Math.max(1, o.series.length));
  const shift = (k: number) => (o.series.length > 1 ? (k - (o.series.length - 1) / 2) * dodge : 0);
  withClip(ctx, L.area, () => {
    o.series.forEach((s, k) => {
      const color = p.colors[k];
      const pts = s.points.filter((q) => Number.isFinite(px(q.x))).sort((a, b) => a.x - b.x);
      const X = (q: ErrorBarPoint) => px(q.x) + shift(k);
      // each seed as an open ring, under everything else (visible also where it sits on a bar's cap)
      ctx.strokeStyle = withAlpha(color, 0.6);
      ctx.lineWidth = 1.5;
      for (const q of pts)
        for (const v of q.samples ?? []) {
          if (!Number.isFinite(v)) continue;
          ctx.beginPath();
          ctx.arc(X(q), L.y.map(v), 3.5, 0, 2 * Math.PI);
          ctx.stroke();
        }
      // the line through the means; the segment crossing the axis break is dotted
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.lineJoin = 'round';
      for (let i = 1; i < pts.length; i++) {
        const a = pts[i - 1],
          b = pts[i];
        if (!Number.isFinite(a.mean) || !Number.isFinite(b.mean)) continue;
        const crosses = axis.breakAt !== undefined && axis.pos(a.x) < axis.breakAt && axis.pos(b.x) > axis.breakAt;
        ctx.setLineDash(crosses ? [2, 4] : []);
        ctx.beginPath();
        ctx.moveTo(X(a), L.y.map(a.mean));
        ctx.lineTo(X(b), L.y.map(b.mean));
        ctx.stroke();
      }
      ctx.setLineDash([]);
      // ± bars with caps, then the mean's dot on top
      ctx.lineWidth = 1.5;
      for (const q of pts) {
        const e = barOf(q);
        if (!Number.isFinite(q.mean) || e <= 0) continue;
        const x = X(q),
          y0 = L.y.map(q.mean - e),
          y1 = L.y.map(q.mean + e);
        ctx.beginPath();
        ctx.moveTo(x, y0);
        ctx.lineTo(x, y1);
        ctx.moveTo(x - 4, y0);
        ctx.lineTo(x + 4, y0);
        ctx.moveTo(x - 4, y1);
        ctx.lineTo(x + 4, y1);
        ctx.stroke();
      }
      ctx.fillStyle = color;
      for (const q of pts) {
        if (!Number.isFinite(q.mean)) continue;
        ctx.beginPath();
        ctx.arc(X(q), L.y.map(q.mean), 4, 0, 2 * Math.PI);
        ctx.fill();
      }
    });
  });
  drawFrameBorder(ctx, L.area);
  if (axis.breakAt !== undefined) drawAxisBreak(ctx, L.x.map(axis.breakAt), L.area);
}

/** A "//" across the bottom and top frame lines: the log axis is interrupted between "0" and the smallest positive value. */
function drawAxisBreak(ctx: DrawContext, x: number, area: Rect): void {
  ctx.save();
  for (const y of [area.bottom, area.top]) {
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(x - 4, y - 3, 8, 7);
    ctx.strokeStyle = '#444444';
    ctx.lineWidth = 1.2;
    ctx.beginPath();
    for (const d of [-3, 2]) {
      ctx.moveTo(x + d - 2, y + 5);
      ctx.lineTo(x + d + 2, y - 5);
    }
    ctx.stroke();
  }
  ctx.restore();
}
