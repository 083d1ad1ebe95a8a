/**
 * Heatmaps of a 2-D grid of values (e.g. KDE densities) in the viridis colormap with a colour bar;
 * one map or several panels side by side.
 */
import type { DrawContext } from './drawContext.js';
import { createFigure, type RenderOptions } from './figure.js';
import {
  drawAxes,
  drawFrameBorder,
  drawTitle,
  FONTS,
  layoutAxes,
  maxTextWidth,
  measuringContext,
  scaleTicks,
  SIZES,
  makeScale,
  TEXT_COLOR,
  usableRange,
  type AxesSpec,
  type PlotLayout,
  type Rect,
  type Tick,
} from './canvas.js';

// matplotlib's viridis at t = 0, 0.1, …, 1; linear interpolation between them stays within a
// level or two of the full 256-entry table and keeps luminance monotone
const VIRIDIS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [72, 36, 117],
  [65, 68, 135],
  [53, 95, 141],
  [42, 120, 142],
  [33, 145, 140],
  [34, 168, 132],
  [68, 191, 112],
  [122, 209, 81],
  [189, 223, 38],
  [253, 231, 37],
];

/** Colour of cells with no finite value. */
export const MISSING_COLOR: readonly [number, number, number] = [208, 208, 208];

/** viridis(t) as [r, g, b] in 0…255, for t in [0, 1] (clamped; NaN gives the colour of 0). */
export function viridis(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i,
    a = VIRIDIS[i],
    b = VIRIDIS[i + 1];
  return [Math.round(a[0] + f * (b[0] - a[0])), Math.round(a[1] + f * (b[1] - a[1])), Math.round(a[2] + f * (b[2] - a[2]))];
}

/** A grid of values over a rectangle of the plane. */
export interface HeatmapPanel {
  /** panel title (above the map). */
  title?: string;
  /** row-major, `height` rows of `width` cells; row 0 is the lowest y. Missing or non-finite cells are drawn grey. */
  values: ArrayLike<number>;
  /** number of grid columns and rows (not pixels). */
  width: number;
  height: number;
  /** the data rectangle the grid covers: column 0 starts at xRange[0], the last column ends at xRange[1]. */
  xRange: [number, number];
  yRange: [number, number];
  xLabel?: string;
  yLabel?: string;
}

export interface HeatmapOptions extends HeatmapPanel {
  /** canvas size in pixels, [width, height] (default [800, 500]). */
  canvasSize?: [number, number];
  /** values mapped to the ends of the colormap (default: the finite min and max); values beyond are clamped. */
  vmin?: number;
  vmax?: number;
  /** label along the colour bar. */
  colorbarLabel?: string;
  /** square cells for a square data rectangle, i.e. one unit as long on x as on y (default true). */
  equalAspect?: boolean;
}

function finiteMinMax(v: ArrayLike<number>): [number, number] {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < v.length; i++)
    if (Number.isFinite(v[i])) {
      if (v[i] < lo) lo = v[i];
      if (v[i] > hi) hi = v[i];
    }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** The colour range [lo, hi] of `values` given optional fixed ends; equal ends are widened. */
function colorRange(values: ArrayLike<number>, vmin?: number, vmax?: number): [number, number] {
  const [a, b] = finiteMinMax(values);
  const lo = vmin !== undefined && Number.isFinite(vmin) ? vmin : a;
  const hi = vmax !== undefined && Number.isFinite(vmax) ? vmax : b;
  if (hi > lo) return [lo, hi];
  return lo === 0 ? [0, 1] : [lo - Math.abs(lo) * 0.1, lo + Math.abs(lo) * 0.1];
}

/** Paints the grid into `area` pixel by pixel (nearest cell), so that cells are exact and seamless. */
function paintGrid(ctx: DrawContext, area: Rect, p: HeatmapPanel, lo: number, hi: number): void {
  const aw = Math.round(area.right - area.left),
    ah = Math.round(area.bottom - area.top);
  const W = Math.max(0, Math.floor(p.width)),
    H = Math.max(0, Math.floor(p.height));
  if (aw <= 0 || ah <= 0) return;
  const img = ctx.createImageData(aw, ah);
  const d = img.data;
  const span = hi - lo;
  const cols = new Int32Array(aw);
  for (let j = 0; j < aw; j++) cols[j] = Math.min(W - 1, Math.floor(((j + 0.5) / aw) * W));
  for (let i = 0; i < ah; i++) {
    const r = H - 1 - Math.min(H - 1, Math.floor(((i + 0.5) / ah) * H)); // pixel rows go down, grid rows go up
    for (let j = 0; j < aw; j++) {
      const k = r * W + cols[j];
      const v = W > 0 && H > 0 && k < p.values.length ? p.values[k] : NaN;
      const [R, G, B] = Number.isFinite(v) ? viridis((v - lo) / span) : MISSING_COLOR;
      const o = (i * aw + j) * 4;
      d[o] = R;
      d[o + 1] = G;
      d[o + 2] = B;
      d[o + 3] = 255;
    }
  }
  ctx.putImageData(img, Math.round(area.left), Math.round(area.top));
}

const BAR_GAP = 16,
  BAR_W = 14;

function colorbarTicks(lo: number, hi: number, h: number): Tick[] {
  return scaleTicks(makeScale([lo, hi], [h, 0]), Math.max(2, Math.min(8, Math.round(h / 50))));
}

/** Pixels a colour bar with these ticks and label needs right of the plot. */
function colorbarWidth(ticks: Tick[], label?: string): number {
  const w = maxTextWidth(
    measuringContext(),
    ticks.map((t) => t.label),
    FONTS.tick,
  );
  return Math.ceil(BAR_GAP + BAR_W + 4 + 4 + w + (label ? 24 : 0) + 8);
}

/** A vertical colour bar for [lo, hi] between `top` and `bottom`, starting at x = `left`. */
function drawColorbar(ctx: DrawContext, left: number, top: number, bottom: number, lo: number, hi: number, ticks: Tick[], label?: string): void {
  const x = Math.round(left + BAR_GAP),
    t = Math.round(top),
    h = Math.round(bottom - top);
  if (h <= 0) return;
  const img = ctx.createImageData(BAR_W, h);
  for (let i = 0; i < h; i++) {
    const [R, G, B] = viridis(1 - (i + 0.5) / h);
    for (let j = 0; j < BAR_W; j++) img.data.set([R, G, B, 255], (i * BAR_W + j) * 4);
  }
  ctx.putImageData(img, x, t);
  ctx.save();
  ctx.strokeStyle = '#444444';
  ctx.lineWidth = 1;
  ctx.strokeRect(x - 0.5, t - 0.5, BAR_W + 1, h + 1);
  ctx.fillStyle = TEXT_COLOR;
  ctx.font = FONTS.tick;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  let widest = 0;
  ctx.beginPath();
  for (const tk of ticks) {
    const y = t + h - ((tk.value - lo) / (hi - lo)) * h;
    if (y < t - 0.5 || y > t + h + 0.5) continue;
    ctx.moveTo(x + BAR_W, Math.round(y) + 0.5);
    ctx.lineTo(x + BAR_W + 4, Math.round(y) + 0.5);
    ctx.fillText(tk.label, x + BAR_W + 7, y);
    widest = Math.max(widest, ctx.measureText(tk.label).width);
  }
  ctx.stroke();
  if (label) {
    ctx.translate(x + BAR_W + 7 + widest + 8, t + h / 2);
    ctx.rotate(Math.PI / 2);
    ctx.font = FONTS.label;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText(label, 0, 0);
  }
  ctx.restore();
}

function panelSpec(p: HeatmapPanel, equalAspect: boolean, reserveRight: number, titleFont?: string): AxesSpec {
  return {
    title: p.title,
    xLabel: p.xLabel,
    yLabel: p.yLabel,
    xDomain: usableRange(p.xRange, () => [0, Math.max(1, p.width)]),
    yDomain: usableRange(p.yRange, () => [0, Math.max(1, p.height)]),
    xGrid: false,
    yGrid: false,
    equalAspect,
    reserveRight,
    titleFont,
  };
}

function prepare(o: HeatmapOptions) {
  const [width, height] = o.canvasSize ?? SIZES.chart;
  const [lo, hi] = colorRange(o.values, o.vmin, o.vmax);
  const ticks = colorbarTicks(lo, hi, height - 100);
  const spec = panelSpec(o, o.equalAspect ?? true, colorbarWidth(ticks, o.colorbarLabel));
  return { width, height, lo, hi, spec };
}

/** Where `heatmap(o)` puts the map and how it maps data to pixels. */
export function heatmapLayout(o: HeatmapOptions): PlotLayout {
  const p = prepare(o);
  return layoutAxes(measuringContext(), { left: 0, top: 0, right: p.width, bottom: p.height }, p.spec);
}

/**
 * One heatmap as a PNG (default 800 × 500): cells coloured by viridis from `vmin` (dark purple) to
 * `vmax` (yellow), axis ticks over the data rectangle, and a colour bar on the right.
 */
export function heatmap(o: HeatmapOptions, render: RenderOptions = {}): Buffer {
  const p = prepare(o);
  const fig = createFigure(p.width, p.height, render);
  const L = layoutAxes(fig.ctx, { left: 0, top: 0, right: fig.width, bottom: fig.height }, p.spec);
  drawAxes(fig.ctx, L, p.spec);
  paintGrid(fig.ctx, L.area, o, p.lo, p.hi);
  drawFrameBorder(fig.ctx, L.area);
  const ticks = colorbarTicks(p.lo, p.hi, L.area.bottom - L.area.top);
  drawColorbar(fig.ctx, L.area.right, L.area.top, L.area.bottom, p.lo, p.hi, ticks, o.colorbarLabel);
  return fig.encode();
}

export interface HeatmapPanelsOptions {
  /** figure title above all panels. */
  title?: string;
  /** side of each panel's map in pixels (default 300). */
  panelSize?: number;
  /**
   * 'shared' (default): one colour range for all panels, with value ticks, so that panels compare
   * (a collapsed generator's tall peaks read brighter than the data's). 'panel': each panel spans
   * the colormap from min(0, its min) to its own max, comparing shapes only, and the colour bar
   * reads 0…1 relative to each panel's max.
   */
  scale?: 'panel' | 'shared';
  /** fixed colour range ends with scale 'shared'. */
  vmin?: number;
  vmax?: number;
  /** label along the colour bar (default "relative to panel max" with scale 'panel'). */
  colorbarLabel?: string;
}

/**
 * Heatmap panels side by side with their titles (e.g. "KDE density maps: original, GAN,
 * MINEGAN"), one figure title and one colour bar on the right.
 */
export function heatmapPanels(panels: HeatmapPanel[], opts: HeatmapPanelsOptions = {}, render: RenderOptions = {}): Buffer {
  const size = opts.panelSize ?? 300;
  const mode = opts.scale ?? 'shared';
  const titleH = opts.title ? 34 : 0;
  const anyXLabel = panels.some((p) => p.xLabel);
  const anyYLabel = panels.some((p) => p.yLabel);
  const boxW = size + 78 + (anyYLabel ? 22 : 0),
    boxH = size + 34 + 8 + 20 + 8 + (anyXLabel ? 22 : 0);
  let lo = 0,
    hi = 1;
  if (mode === 'shared') {
    const all: number[] = [];
    for (const p of panels) for (let i = 0; i < p.values.length; i++) if (Number.isFinite(p.values[i])) all.push(p.values[i]);
    [lo, hi] = colorRange(all, opts.vmin, opts.vmax);
  }
  const label = opts.colorbarLabel ?? (mode === 'panel' ? 'relative to panel max' : undefined);
  const ticks = colorbarTicks(lo, hi, size);
  const barW = colorbarWidth(ticks, label);
  const fig = createFigure(Math.max(1, panels.length) * boxW + barW, titleH + boxH, render);
  const { ctx } = fig;
  if (opts.title) drawTitle(ctx, opts.title, { left: 0, top: 0, right: fig.width, bottom: titleH }, FONTS.figureTitle);
  let bar: Rect | null = null;
  panels.forEach((p, i) => {
    const spec = panelSpec(p, true, 0, FONTS.panelTitle);
    const L = layoutAxes(ctx, { left: i * boxW, top: titleH, right: (i + 1) * boxW, bottom: titleH + boxH }, spec);
    drawAxes(ctx, L, spec);
    let [a, b] = [lo, hi];
    if (mode === 'panel') {
      const [mn, mx] = finiteMinMax(p.values);
      [a, b] = [Math.min(0, mn), mx > Math.min(0, mn) ? mx : Math.min(0, mn) + 1];
    }
    paintGrid(ctx, L.area, p, a, b);
    drawFrameBorder(ctx, L.area);
    bar ??= L.area;
  });
  const b = (bar as Rect | null) ?? { left: 0, top: titleH + 34, right: 0, bottom: titleH + 34 + size };
  drawColorbar(ctx, panels.length * boxW - 12, b.top, b.bottom, lo, hi, colorbarTicks(lo, hi, b.bottom - b.top), label);
  return fig.encode();
}
