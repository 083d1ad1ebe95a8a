/**
 * Line charts: training curves, and MI estimates over steps with the true MI drawn as a dashed
 * (possibly stepped) reference line; optional ± bands and a log y axis.
 */
import type { DrawContext } from './drawContext.js';
import { createFigure, type RenderOptions } from './figure.js';
import {
  type ChartFrameOptions,
  clampPx,
  drawAxes,
  drawFrameBorder,
  drawTitle,
  finiteRange,
  FONTS,
  formatNumber,
  inflate,
  layoutAxes,
  measuringContext,
  paletteColor,
  ROLE_COLORS,
  SIZES,
  tracePolyline,
  usableRange,
  withAlpha,
  withClip,
  type AxesSpec,
  type LegendEntry,
  type PlotLayout,
  type Rect,
} from './canvas.js';

/** One named curve. Points with a non-finite x or y are skipped and break the line. */
export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** CSS colour; default the palette colour of `colorIndex` (or of the series' position). */
  color?: string;
  /** palette index when no colour is given (e.g. two curves of one estimator share it). */
  colorIndex?: number;
  dashed?: boolean;
  /** draw as a step function that holds each y until the next x (e.g. a staircase of true MI). */
  step?: boolean;
  /** a dot at every point. */
  markers?: boolean;
  /** half-width of a shaded band around y, e.g. the std over seeds: fills y − std … y + std. */
  std?: ArrayLike<number>;
  /** line width in pixels (default 2). */
  lineWidth?: number;
}

/** A horizontal line across the whole x range, e.g. a known constant true MI. */
export interface RefLine {
  y: number;
  /** legend label; unnamed lines are not listed. */
  name?: string;
  /** default black. */
  color?: string;
  /** default true. */
  dashed?: boolean;
}

export interface LineChartOptions extends ChartFrameOptions {
  series: LineSeries[];
  refLines?: RefLine[];
  /** fixed axis ranges; default: the finite data (x tight, y padded by 5%, bands and ref lines included). */
  xRange?: [number, number];
  yRange?: [number, number];
  /** base-10 log y axis; values ≤ 0 are skipped. */
  logY?: boolean;
  /** x tick values to use instead of the automatic ones (e.g. whole epochs), labelled as numbers. */
  xTicks?: number[];
  /** legend right of the plot (default true when anything is named). */
  legend?: boolean;
}

interface Prepared {
  spec: AxesSpec;
  width: number;
  height: number;
  series: { s: LineSeries; color: string; xs: number[]; ys: number[]; lo: number[] | null; hi: number[] | null; corner: boolean[] }[];
}

/** Data-space points of a series: step functions get an extra corner point before each jump. */
function expand(s: LineSeries, logY: boolean) {
  const n = Math.min(s.x.length, s.y.length);
  const ok = (i: number) => Number.isFinite(s.x[i]) && Number.isFinite(s.y[i]) && (!logY || s.y[i] > 0);
  const sd = (i: number) => (s.std && i < s.std.length && Number.isFinite(s.std[i]) ? Math.abs(s.std[i]) : NaN);
  const xs: number[] = [],
    ys: number[] = [],
    corner: boolean[] = [];
  const lo: number[] | null = s.std ? [] : null,
    hi: number[] | null = s.std ? [] : null;
  const push = (x: number, y: number, d: number, isCorner = false) => {
    xs.push(x);
    ys.push(y);
    corner.push(isCorner);
    if (lo && hi) {
      lo.push(y - d);
      hi.push(y + d);
    }
  };
  for (let i = 0; i < n; i++) {
    if (!ok(i)) {
      push(NaN, NaN, NaN);
      continue;
    }
    if (s.step && i > 0 && ok(i - 1)) push(s.x[i], s.y[i - 1], sd(i - 1), true);
    push(s.x[i], s.y[i], sd(i));
  }
  return { xs, ys, lo, hi, corner };
}

function prepare(o: LineChartOptions): Prepared {
  const logY = o.logY ?? false;
  const series = o.series.map((s, i) => ({ s, color: s.color ?? paletteColor(s.colorIndex ?? i), ...expand(s, logY) }));
  const refs = (o.refLines ?? []).filter((r) => Number.isFinite(r.y) && (!logY || r.y > 0));
  const xRange = usableRange(o.xRange, () =>
    finiteRange(
      series.map((p) => p.xs),
      0,
    ),
  );
  const yRange = usableRange(
    o.yRange,
    () => {
      const arrays: ArrayLike<number>[] = series.flatMap((p) => [p.ys, ...(p.lo && p.hi ? [p.lo, p.hi] : [])]);
      arrays.push(refs.map((r) => r.y));
      return finiteRange(arrays, 0.05, logY);
    },
    logY,
  );
  const legend: LegendEntry[] = series.map((p) => {
    const empty = !p.ys.some((v) => Number.isFinite(v));
    return {
      label: empty ? `${p.s.name} (no ${logY ? 'positive ' : ''}data)` : p.s.name,
      color: p.color,
      dashed: p.s.dashed,
      marker: p.s.markers,
      band: !!p.s.std,
      muted: empty,
    };
  });
  for (const r of refs) if (r.name) legend.push({ label: r.name, color: r.color ?? ROLE_COLORS.reference, dashed: r.dashed ?? true });
  const spec: AxesSpec = {
    title: o.title,
    xLabel: o.xLabel,
    yLabel: o.yLabel,
    xDomain: xRange,
    yDomain: yRange,
    yLog: logY,
    ...(o.xTicks ? { xCategories: o.xTicks.filter(Number.isFinite).map((v) => ({ value: v, label: formatNumber(v) })), xGrid: true } : {}),
    legend: (o.legend ?? true) ? legend : [],
  };
  return { spec, width: o.width ?? SIZES.chart[0], height: o.height ?? SIZES.chart[1], series };
}

/** Where `lineChart(o)` puts its plot area and how it maps data to pixels (for annotations and tests). */
export function lineChartLayout(o: LineChartOptions): PlotLayout {
  const p = prepare(o);
  return layoutAxes(measuringContext(), { left: 0, top: 0, right: p.width, bottom: p.height }, p.spec);
}

/**
 * Renders a line chart (PNG by default; `render.format` 'svg' for SVG). Non-finite points are
 * skipped (the line breaks there; a lone point between gaps is drawn as a dot); a series with no
 * finite point is listed in the legend as "(no data)". Lines leaving a fixed y range are clipped
 * at the frame.
 */
export function lineChart(o: LineChartOptions, render: RenderOptions = {}): Buffer {
  const p = prepare(o);
  const fig = createFigure(p.width, p.height, render);
  drawLineChart(fig.ctx, { left: 0, top: 0, right: fig.width, bottom: fig.height }, p, o);
  return fig.encode();
}

export interface LinePanelsOptions {
  /** figure title above all panels. */
  title?: string;
  /** panels per row (default: 2 when there are 2 or 4 panels, else up to 3). */
  cols?: number;
  /** size of each panel in pixels (default SIZES.linePanel; a panel's own width/height are ignored). */
  panelWidth?: number;
  panelHeight?: number;
}

/**
 * Several line charts in a grid under one title, each with its own y axis and label: quantities
 * with different units (losses in nats, a unitless scale, an accuracy) are never forced onto one
 * axis. A panel shows a legend only when it has two or more series (unless its `legend` says).
 */
export function linePanels(panels: LineChartOptions[], opts: LinePanelsOptions = {}, render: RenderOptions = {}): Buffer {
  const n = Math.max(1, panels.length);
  const cols = Math.max(1, Math.min(n, Math.floor(opts.cols ?? (n === 2 || n === 4 ? 2 : 3))));
  const rows = Math.ceil(n / cols);
  const [pw, ph] = [opts.panelWidth ?? SIZES.linePanel[0], opts.panelHeight ?? SIZES.linePanel[1]];
  const titleH = opts.title ? 34 : 0;
  const fig = createFigure(cols * pw, titleH + rows * ph, render);
  if (opts.title) drawTitle(fig.ctx, opts.title, { left: 0, top: 0, right: fig.width, bottom: titleH }, FONTS.figureTitle);
  panels.forEach((o, i) => {
    const left = (i % cols) * pw,
      top = titleH + Math.floor(i / cols) * ph;
    const panel: LineChartOptions = { ...o, legend: o.legend ?? o.series.length + (o.refLines ?? []).filter((r) => r.name).length > 1 };
    drawLineChart(fig.ctx, { left, top, right: left + pw, bottom: top + ph }, prepare(panel), panel, FONTS.panelTitle);
  });
  return fig.encode();
}

function drawLineChart(ctx: DrawContext, box: Rect, p: Prepared, o: LineChartOptions, titleFont?: string): void {
  const spec = titleFont ? { ...p.spec, titleFont } : p.spec;
  const L = layoutAxes(ctx, box, spec);
  drawAxes(ctx, L, spec);
  const bounds = inflate(L.area, 8);
  withClip(ctx, L.area, () => {
    // bands first, so that every line stays visible on top of every band
    for (const s of p.series) if (s.lo && s.hi) fillBand(ctx, L, s.xs, s.lo, s.hi, s.color);
    for (const s of p.series) {
      const px = s.xs.map((v) => L.x.map(v)),
        py = s.ys.map((v) => L.y.map(v));
      const lw = s.s.lineWidth ?? 2;
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.lineWidth = lw;
      ctx.lineJoin = 'round';
      ctx.setLineDash(s.s.dashed ? [7, 5] : []);
      ctx.beginPath();
      const isolated = tracePolyline(ctx, px, py, bounds);
      ctx.stroke();
      ctx.setLineDash([]);
      const dots = s.s.markers ? px.map((_, i) => i) : isolated;
      const r = s.s.markers ? 3.5 : lw;
      for (const i of dots) {
        if (!Number.isFinite(px[i]) || !Number.isFinite(py[i])) continue;
        if (s.corner[i]) continue; // step corners are not data points
        ctx.beginPath();
        ctx.arc(clampPx(px[i]), clampPx(py[i]), r, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    for (const r of o.refLines ?? []) {
      const y = L.y.map(r.y);
      if (!Number.isFinite(y)) continue;
      ctx.strokeStyle = r.color ?? ROLE_COLORS.reference;
      ctx.lineWidth = 2;
      ctx.setLineDash((r.dashed ?? true) ? [7, 5] : []);
      ctx.beginPath();
      ctx.moveTo(L.area.left, y);
      ctx.lineTo(L.area.right, y);
      ctx.stroke();
      ctx.setLineDash([]);
    }
  });
  drawFrameBorder(ctx, L.area);
}

/** Shaded y − std … y + std, one polygon per run of finite points. */
function fillBand(ctx: DrawContext, L: PlotLayout, xs: number[], lo: number[], hi: number[], color: string): void {
  ctx.fillStyle = withAlpha(color, 0.2);
  // on a log axis y − std may be ≤ 0: the band then runs down past the bottom edge
  const below = L.y.range[0] + 10;
  const mapLo = (v: number) => (L.y.log && v <= 0 ? below : L.y.map(v));
  const ok = (i: number) => [L.x.map(xs[i]), mapLo(lo[i]), L.y.map(hi[i])].every(Number.isFinite);
  let i = 0;
  while (i < xs.length) {
    if (!ok(i)) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < xs.length && ok(j + 1)) j++;
    if (j > i) {
      ctx.beginPath();
      ctx.moveTo(clampPx(L.x.map(xs[i])), clampPx(L.y.map(hi[i])));
      for (let k = i + 1; k <= j; k++) ctx.lineTo(clampPx(L.x.map(xs[k])), clampPx(L.y.map(hi[k])));
      for (let k = j; k >= i; k--) ctx.lineTo(clampPx(L.x.map(xs[k])), clampPx(mapLo(lo[k])));
      ctx.closePath();
      ctx.fill();
    }
    i = j + 1;
  }
}
