/** Scatter plots: generated vs real samples, optional mode centres, one or several panels. */
import { createCanvas } from '@napi-rs/canvas';
import { drawFrame, drawLegend, finiteRange, FONT, PALETTE, type LegendEntry } from './canvas.js';

export interface PointGroup {
  name: string;
  /** row-major [x0, y0, x1, y1, …] */
  points: ArrayLike<number>;
  color?: string;
  size?: number;
  alpha?: number;
  /** per-point palette index (e.g. the code that generated it); overrides `color`. */
  colorIndex?: ArrayLike<number>;
}

export interface ScatterOptions {
  groups: PointGroup[];
  /** drawn as black crosses (e.g. the mixture's mode centres). */
  markers?: ArrayLike<number>;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  xRange?: [number, number];
  yRange?: [number, number];
}

function drawScatter(o: ScatterOptions, width: number, height: number) {
  const all = o.groups.map((g) => g.points);
  const xs = all.map((p) => Array.from({ length: Math.floor(p.length / 2) }, (_, i) => p[2 * i]));
  const ys = all.map((p) => Array.from({ length: Math.floor(p.length / 2) }, (_, i) => p[2 * i + 1]));
  const legendWidth = 150;
  const frame = drawFrame({
    width,
    height,
    title: o.title,
    xLabel: o.xLabel ?? 'x₁',
    yLabel: o.yLabel ?? 'x₂',
    xRange: o.xRange ?? finiteRange(xs),
    yRange: o.yRange ?? finiteRange(ys),
    legendWidth,
  });
  const { ctx, px, py } = frame;
  ctx.save();
  ctx.beginPath();
  ctx.rect(frame.left, frame.top, frame.right - frame.left, frame.bottom - frame.top);
  ctx.clip();
  const legend: LegendEntry[] = [];
  o.groups.forEach((g, gi) => {
    const color = g.color ?? PALETTE[gi % PALETTE.length];
    const r = g.size ?? 2;
    ctx.globalAlpha = g.alpha ?? 0.6;
    for (let i = 0; 2 * i + 1 < g.points.length; i++) {
      const x = g.points[2 * i], y = g.points[2 * i + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      ctx.fillStyle = g.colorIndex ? PALETTE[g.colorIndex[i] % PALETTE.length] : color;
      ctx.beginPath();
      ctx.arc(px(x), py(y), r, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    legend.push({ label: g.name, color, marker: true });
  });
  if (o.markers) {
    ctx.strokeStyle = '#000000';
    ctx.lineWidth = 1.5;
    for (let i = 0; 2 * i + 1 < o.markers.length; i++) {
      const x = px(o.markers[2 * i]), y = py(o.markers[2 * i + 1]);
      ctx.beginPath();
      ctx.moveTo(x - 5, y);
      ctx.lineTo(x + 5, y);
      ctx.moveTo(x, y - 5);
      ctx.lineTo(x, y + 5);
      ctx.stroke();
    }
    legend.push({ label: 'mode centres', color: '#000000' });
  }
  ctx.restore();
  drawLegend(frame, legend, frame.right + 12, legendWidth - 12);
  return frame;
}

/** One scatter plot as a PNG. */
export function scatterPlot(o: ScatterOptions): Buffer {
  return drawScatter(o, o.width ?? 700, o.height ?? 620).toPng();
}

/** Several scatter plots side by side (e.g. samples at iterations 1000, 3000, 5000) with a shared title. */
export function scatterPanels(panels: ScatterOptions[], opts: { title?: string; panelWidth?: number; panelHeight?: number } = {}): Buffer {
  const w = opts.panelWidth ?? 560, h = opts.panelHeight ?? 500, top = opts.title ? 36 : 0;
  const canvas = createCanvas(w * panels.length, h + top);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (opts.title) {
    ctx.fillStyle = '#111111';
    ctx.font = `bold 16px ${FONT}`;
    ctx.textAlign = 'center';
    ctx.fillText(opts.title, canvas.width / 2, 24);
  }
  panels.forEach((p, i) => {
    const f = drawScatter(p, w, h);
    ctx.drawImage(f.ctx.canvas, i * w, top);
  });
  return canvas.toBuffer('image/png');
}
