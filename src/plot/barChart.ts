/** Grouped bar charts with ±std error bars: a metric per β (categories) per estimator (series). */
import { drawFrame, drawLegend, formatNumber, PALETTE, type LegendEntry } from './canvas.js';

export interface BarChartOptions {
  categories: string[];
  series: { name: string; values: number[]; errors?: number[] }[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

export function barChart(o: BarChartOptions): Buffer {
  const width = o.width ?? 900, height = o.height ?? 520;
  let lo = 0, hi = 0;
  for (const s of o.series)
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const e = Number.isFinite(s.errors?.[i]) ? (s.errors![i] as number) : 0;
      lo = Math.min(lo, v - e);
      hi = Math.max(hi, v + e);
    });
  if (lo === hi) hi = lo + 1;
  const pad = 0.08 * (hi - lo);
  const legendWidth = o.series.length > 1 ? 200 : 0;
  const nc = o.categories.length;
  const frame = drawFrame({ width, height, title: o.title, xLabel: o.xLabel, yLabel: o.yLabel, xRange: [0, nc], yRange: [lo < 0 ? lo - pad : 0, hi + pad], legendWidth });
  const { ctx, px, py } = frame;
  // category labels replace the numeric x ticks: paint over them
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(frame.left - 20, frame.bottom + 1, frame.right - frame.left + 40, 24);
  const groupW = (px(1) - px(0)) * 0.8, barW = groupW / Math.max(1, o.series.length);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillStyle = '#333333';
  ctx.font = '12px sans-serif';
  o.categories.forEach((c, i) => ctx.fillText(c, px(i + 0.5), frame.bottom + 6));
  const legend: LegendEntry[] = [];
  o.series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length];
    legend.push({ label: s.name, color });
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const x = px(i + 0.5) - groupW / 2 + k * barW;
      ctx.fillStyle = color;
      ctx.fillRect(x + 1, Math.min(py(0), py(v)), barW - 2, Math.abs(py(v) - py(0)));
      const e = s.errors?.[i];
      if (e !== undefined && Number.isFinite(e) && e > 0) {
        ctx.strokeStyle = '#222222';
        ctx.lineWidth = 1.2;
        const cx = x + barW / 2;
        ctx.beginPath();
        ctx.moveTo(cx, py(v - e));
        ctx.lineTo(cx, py(v + e));
        ctx.moveTo(cx - 4, py(v - e));
        ctx.lineTo(cx + 4, py(v - e));
        ctx.moveTo(cx - 4, py(v + e));
        ctx.lineTo(cx + 4, py(v + e));
        ctx.stroke();
      }
      if (o.series.length * nc <= 16) {
        ctx.fillStyle = '#222222';
        ctx.textBaseline = 'bottom';
        ctx.fillText(formatNumber(Number(v.toPrecision(3))), x + barW / 2, Math.min(py(v), py(v + (e ?? 0))) - 2);
        ctx.textBaseline = 'top';
      }
    });
  });
  if (legendWidth) drawLegend(frame, legend, frame.right + 14, legendWidth - 14);
  return frame.toPng();
}
