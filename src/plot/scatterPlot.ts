/**
 * Scatter plots of 2-D points: generated vs real samples, optional marker points (mode centres),
 * optional per-point colours (samples coloured by code or class); one plot or several panels.
 */
import type { DrawContext } from './drawContext.js';
import { createFigure, type RenderOptions } from './figure.js';
import {
  type ChartFrameOptions,
  drawAxes,
  drawFrameBorder,
  drawLegend,
  drawTitle,
  finiteRange,
  FONTS,
  layoutAxes,
  legendWidth,
  maxTextWidth,
  measuringContext,
  paletteColor,
  ROLE_COLORS,
  SIZES,
  usableRange,
  withClip,
  type AxesSpec,
  type LegendEntry,
  type PlotLayout,
  type Rect,
} from './canvas.js';

/** A set of points drawn alike. */
export interface PointGroup {
  /** legend label. */
  name: string;
  /** interleaved [x0, y0, x1, y1, …]; pairs with a non-finite coordinate are skipped. */
  points: ArrayLike<number>;
  /** CSS colour; default the palette colour of the group's position. */
  color?: string;
  /** dot radius in pixels (default 2). */
  size?: number;
  /** opacity 0…1 (default 0.6), so that dense regions read darker. */
  alpha?: number;
  /**
   * per-point palette index (e.g. the code or class that produced the point), overriding `color`;
   * a non-finite or negative index falls back to the group colour. The legend lists each index seen.
   */
  colorIndex?: ArrayLike<number>;
  /** legend labels of the palette indices (default "name k"). */
  classNames?: string[];
}

export interface ScatterOptions extends ChartFrameOptions {
  groups: PointGroup[];
  /** interleaved [x0, y0, …] drawn as black "+" marks, open in the middle and under the points (e.g. a mixture's mode centres). */
  markers?: ArrayLike<number>;
  /** legend label of the markers (default "mode centres"). */
  markerName?: string;
  /** fixed axis ranges; default: the finite points (markers included) padded by 5%. */
  xRange?: [number, number];
  yRange?: [number, number];
  /**
   * one unit is as long on x as on y (default true: the points are samples of one 2-D space, whose
   * shape should not be distorted); the plot area shrinks and centres to keep it.
   */
  equalAspect?: boolean;
  /** legend right of the plot (default true). */
  legend?: boolean;
}

function pairs(p: ArrayLike<number>, k: 0 | 1): number[] {
  const out: number[] = new Array(Math.floor(p.length / 2));
  for (let i = 0; i < out.length; i++) out[i] = p[2 * i + k];
  return out;
}

/** Legend entries of the options: groups (or their classes), then markers. */
function legendEntries(o: ScatterOptions): LegendEntry[] {
  const out: LegendEntry[] = [];
  o.groups.forEach((g, gi) => {
    const color = g.color ?? paletteColor(gi);
    let any = false;
    for (let i = 0; 2 * i + 1 < g.points.length && !any; i++) any = Number.isFinite(g.points[2 * i]) && Number.isFinite(g.points[2 * i + 1]);
    if (!any) {
      out.push({ label: `${g.name} (no data)`, color, kind: 'point', muted: true });
      return;
    }
    if (g.colorIndex) {
      const seen = new Set<number>();
      let fallback = false;
      for (let i = 0; i < g.colorIndex.length && 2 * i + 1 < g.points.length; i++) {
        const c = g.colorIndex[i];
        if (Number.isFinite(c) && c >= 0) seen.add(Math.trunc(c));
        else fallback = true;
      }
      for (const c of [...seen].sort((a, b) => a - b)) out.push({ label: g.classNames?.[c] ?? `${g.name} ${c}`, color: paletteColor(c), kind: 'point' });
      if (fallback || g.colorIndex.length < g.points.length / 2) out.push({ label: g.name, color, kind: 'point' });
    } else out.push({ label: g.name, color, kind: 'point' });
  });
  if (o.markers && o.markers.length >= 2) out.push({ label: o.markerName ?? 'mode centres', color: ROLE_COLORS.reference, kind: 'cross' });
  return out;
}

function axesSpec(o: ScatterOptions, legend: LegendEntry[]): AxesSpec {
  const sources = [...o.groups.map((g) => g.points), ...(o.markers ? [o.markers] : [])];
  return {
    title: o.title,
    xLabel: o.xLabel,
    yLabel: o.yLabel,
    xDomain: usableRange(o.xRange, () => finiteRange(sources.map((p) => pairs(p, 0)))),
    yDomain: usableRange(o.yRange, () => finiteRange(sources.map((p) => pairs(p, 1)))),
    equalAspect: o.equalAspect ?? true,
    legend,
  };
}

/** Half-length of a marker's arms and the free gap at its centre, in pixels. */
const MARKER_ARM = 7,
  MARKER_GAP = 3;

function drawPoints(ctx: DrawContext, L: PlotLayout, o: ScatterOptions): void {
  withClip(ctx, L.area, () => {
    // Markers first and open in the middle: a mode's real points (σ = 0.05 is a few pixels) stay
    // visible inside its mark instead of under it.
    if (o.markers) {
      ctx.strokeStyle = ROLE_COLORS.reference;
      ctx.lineWidth = 1.2;
      ctx.beginPath();
      for (let i = 0; 2 * i + 1 < o.markers.length; i++) {
        const x = L.x.map(o.markers[2 * i]),
          y = L.y.map(o.markers[2 * i + 1]);
        const m = MARKER_ARM + 1;
        if (!(x >= L.area.left - m && x <= L.area.right + m && y >= L.area.top - m && y <= L.area.bottom + m)) continue;
        for (const [dx, dy] of [
          [1, 0],
          [-1, 0],
          [0, 1],
          [0, -1],
        ]) {
          ctx.moveTo(x + dx * MARKER_GAP, y + dy * MARKER_GAP);
          ctx.lineTo(x + dx * MARKER_ARM, y + dy * MARKER_ARM);
        }
      }
      ctx.stroke();
    }
    o.groups.forEach((g, gi) => {
      const color = g.color ?? paletteColor(gi);
      const r = g.size ?? 2;
      ctx.globalAlpha = Math.min(1, Math.max(0, g.alpha ?? 0.6));
      for (let i = 0; 2 * i + 1 < g.points.length; i++) {
        const x = L.x.map(g.points[2 * i]),
          y = L.y.map(g.points[2 * i + 1]);
        // off-area points are skipped rather than clipped: cheaper, and huge coordinates never reach Skia
        if (!(x >= L.area.left - r && x <= L.area.right + r && y >= L.area.top - r && y <= L.area.bottom + r)) continue;
        const c = g.colorIndex && i < g.colorIndex.length ? g.colorIndex[i] : NaN;
        ctx.fillStyle = Number.isFinite(c) && c >= 0 ? paletteColor(c) : color;
        ctx.beginPath();
        ctx.arc(x, y, r, 0, 2 * Math.PI);
        ctx.fill();
      }
    });
    ctx.globalAlpha = 1;
  });
  drawFrameBorder(ctx, L.area);
}

/** Where `scatterPlot(o)` puts its plot area and how it maps data to pixels. */
export function scatterLayout(o: ScatterOptions): PlotLayout {
  const spec = axesSpec(o, (o.legend ?? true) ? legendEntries(o) : []);
  return layoutAxes(measuringContext(), { left: 0, top: 0, right: o.width ?? SIZES.chart[0], bottom: o.height ?? SIZES.chart[1] }, spec);
}

/** One scatter plot as a PNG (default 800 × 500). */
export function scatterPlot(o: ScatterOptions, render: RenderOptions = {}): Buffer {
  const fig = createFigure(o.width ?? SIZES.chart[0], o.height ?? SIZES.chart[1], render);
  const spec = axesSpec(o, (o.legend ?? true) ? legendEntries(o) : []);
  const L = layoutAxes(fig.ctx, { left: 0, top: 0, right: fig.width, bottom: fig.height }, spec);
  drawAxes(fig.ctx, L, spec);
  drawPoints(fig.ctx, L, o);
  return fig.encode();
}

export interface ScatterPanelsOptions {
  /** figure title above all panels. */
  title?: string;
  /** size of each panel in pixels (default SIZES.panel, 400 × 400; a panel's own width/height are ignored). */
  panelWidth?: number;
  panelHeight?: number;
}

/**
 * Several scatter plots side by side (e.g. samples at steps 1000, 3000, 5000) under one title, with
 * one legend for all of them on the right (entries deduplicated by label and colour).
 */
export function scatterPanels(panels: ScatterOptions[], opts: ScatterPanelsOptions = {}, render: RenderOptions = {}): Buffer {
  const pw = opts.panelWidth ?? SIZES.panel[0],
    ph = opts.panelHeight ?? SIZES.panel[1];
  const titleH = opts.title ? 34 : 0;
  const legend: LegendEntry[] = [];
  for (const p of panels) for (const e of legendEntries(p)) if (!legend.some((x) => x.label === e.label && x.color === e.color)) legend.push(e);
  const lw = legendWidth(measuringContext(), legend, 240);
  // a title wider than one or two panels widens the figure (up to 1000 px) rather than being cut short
  const titleW = opts.title ? Math.ceil(Math.min(1000, maxTextWidth(measuringContext(), [opts.title], FONTS.figureTitle) + 24)) : 0;
  const fig = createFigure(Math.max(Math.max(1, panels.length) * pw + (lw ? lw + 16 : 0), titleW), ph + titleH, render);
  const { ctx } = fig;
  if (opts.title) drawTitle(ctx, opts.title, { left: 0, top: 0, right: fig.width, bottom: titleH }, FONTS.figureTitle);
  let firstArea: Rect | null = null;
  panels.forEach((p, i) => {
    const spec = axesSpec(p, []);
    const L = layoutAxes(ctx, { left: i * pw, top: titleH, right: (i + 1) * pw, bottom: titleH + ph }, spec);
    drawAxes(ctx, L, spec);
    drawPoints(ctx, L, p);
    firstArea ??= L.area;
  });
  if (lw) {
    const top = (firstArea as Rect | null)?.top ?? titleH + 40;
    drawLegend(ctx, legend, panels.length * pw + 4, top, lw, fig.height - top - 8);
  }
  return fig.encode();
}
