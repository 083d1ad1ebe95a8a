/** Line charts: training curves, estimates over steps with a (stepped, dashed) true-MI line. */
import { drawFrame, drawLegend, finiteRange, PALETTE, type LegendEntry } from './canvas.js';

export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
  /** palette index when no colour is given (series of one estimator share it). */
  colorIndex?: number;
  dashed?: boolean;
  /** draw as a step function (holds each y until the next x), e.g. a staircase of true MI. */
  step?: boolean;
  /** a dot at every point. */
  markers?: boolean;
}

export interface LineChartOptions {
  series: LineSeries[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  xRange?: [number, number];
  yRange?: [number, number];
}

/**
 * Renders a PNG. Non-finite points are skipped (the line breaks there); a series with no finite
 * point is listed in the legend as "(no data)".
 */
export function lineChart(o: LineChartOptions): Buffer {
  const width = o.width ?? 900, height = o.height ?? 520;
  const legendWidth = o.series.length ? 220 : 0;
  const frame = drawFrame({
    width,
    height,
    title: o.title,
    xLabel: o.xLabel,
    yLabel: o.yLabel,
    xRange: o.xRange ?? finiteRange(o.series.map((s) => s.x), 0),
    yRange: o.yRange ?? finiteRange(o.series.map((s) => s.y)),
    legendWidth,
  });
  const { ctx, px, py } = frame;
  const legend: LegendEntry[] = [];
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[(s.colorIndex ?? i) % PALETTE.length];
    ctx.save();
    ctx.beginPath();
    ctx.rect(frame.left, frame.top, frame.right - frame.left, frame.bottom - frame.top);
    ctx.clip();
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 2;
    ctx.setLineDash(s.dashed ? [7, 5] : []);
    ctx.beginPath();
    let pen = false, any = false;
    const n = Math.min(s.x.length, s.y.length);
    for (let k = 0; k < n; k++) {
      const x = s.x[k], y = s.y[k];
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        pen = false;
        continue;
      }
      any = true;
      if (!pen) ctx.moveTo(px(x), py(y));
      else if (s.step) {
        ctx.lineTo(px(x), py(s.y[k - 1]));
        ctx.lineTo(px(x), py(y));
      } else ctx.lineTo(px(x), py(y));
      pen = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
    if (s.markers) {
      for (let k = 0; k < n; k++) {
        if (!Number.isFinite(s.x[k]) || !Number.isFinite(s.y[k])) continue;
        ctx.beginPath();
        ctx.arc(px(s.x[k]), py(s.y[k]), 3.5, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    ctx.restore();
    legend.push({ label: any ? s.name : `${s.name} (no data)`, color, dashed: s.dashed, marker: s.markers });
  });
  if (legend.length) drawLegend(frame, legend, frame.right + 14, legendWidth - 14);
  return frame.toPng();
}
