/**
 * Grouped bar charts with optional ±std error bars: e.g. a metric per β (categories) per
 * estimator (series), from a sweep.
 */
import {
  type ChartFrameOptions,
  drawAxes,
  drawFrameBorder,
  FONTS,
  formatNumber,
  layoutAxes,
  measuringContext,
  paletteColor,
  SIZES,
  usableRange,
  withClip,
  type AxesSpec,
  type LegendEntry,
  type PlotLayout,
} from './canvas.js';
import { createFigure, type RenderOptions } from './figure.js';

/** One bar per category. */
export interface BarSeries {
  name: string;
  /** one value per category; a non-finite value leaves its slot empty with a grey "n/a". */
  values: ArrayLike<number>;
  /** half-length of the error bar per category (e.g. the std over seeds); non-finite or ≤ 0: none. */
  errors?: ArrayLike<number>;
  /** CSS colour; default the palette colour of the series' position. */
  color?: string;
}

export interface BarChartOptions extends ChartFrameOptions {
  /** group labels along x (long or crowded labels are slanted). */
  categories: string[];
  series: BarSeries[];
  /** fixed y range; default from 0 (or the lowest bar) to the highest bar or error bar, padded. */
  yRange?: [number, number];
  /** print each value above its bar (default true; labels wider than their bar are left out). */
  valueLabels?: boolean;
  /** legend (default: when there are two or more series). */
  legend?: boolean;
}

const GROUP = 0.8; // share of a category slot taken by its bars

function prepare(o: BarChartOptions) {
  let lo = 0,
    hi = 0;
  for (const s of o.series)
    for (let i = 0; i < Math.min(s.values.length, o.categories.length); i++) {
      const v = s.values[i];
      if (!Number.isFinite(v)) continue;
      const e = errorAt(s, i);
      lo = Math.min(lo, v - e);
      hi = Math.max(hi, v + e);
    }
  if (lo === hi) hi = lo + 1;
  // headroom for the value labels above the tallest bar
  const pad = ((o.valueLabels ?? true) ? 0.12 : 0.06) * (hi - lo);
  const yDomain = usableRange(o.yRange, () => [lo < 0 ? lo - pad : 0, hi > 0 ? hi + pad : 0]);
  const legend: LegendEntry[] = o.series.map((s, k) => {
    const empty = !Array.from(s.values).some(Number.isFinite);
    return { label: empty ? `${s.name} (no data)` : s.name, color: s.color ?? paletteColor(k), kind: 'patch', muted: empty };
  });
  const spec: AxesSpec = {
    title: o.title,
    xLabel: o.xLabel,
    yLabel: o.yLabel,
    xDomain: [0, Math.max(1, o.categories.length)],
    yDomain,
    xCategories: o.categories.map((c, i) => ({ value: i + 0.5, label: c })),
    legend: (o.legend ?? o.series.length > 1) ? legend : [],
  };
  return { spec, width: o.width ?? SIZES.chart[0], height: o.height ?? SIZES.chart[1] };
}

function errorAt(s: BarSeries, i: number): number {
  const e = s.errors && i < s.errors.length ? s.errors[i] : NaN;
  return Number.isFinite(e) && e > 0 ? e : 0;
}

/** Where `barChart(o)` puts its plot area and how it maps data to pixels (category i is centred at x = i + 0.5). */
export function barChartLayout(o: BarChartOptions): PlotLayout {
  const p = prepare(o);
  return layoutAxes(measuringContext(), { left: 0, top: 0, right: p.width, bottom: p.height }, p.spec);
}

/** Renders grouped bars as a PNG: categories along x, one coloured bar per series in each group. */
export function barChart(o: BarChartOptions, render: RenderOptions = {}): Buffer {
  const p = prepare(o);
  const fig = createFigure(p.width, p.height, render);
  const { ctx } = fig;
  const L = layoutAxes(ctx, { left: 0, top: 0, right: fig.width, bottom: fig.height }, p.spec);
  drawAxes(ctx, L, p.spec);
  const ns = Math.max(1, o.series.length);
  const groupW = (L.x.map(1) - L.x.map(0)) * GROUP,
    barW = groupW / ns;
  const base = L.y.map(Math.min(Math.max(0, L.y.domain[0]), L.y.domain[1]));
  const labels: { text: string; x: number; y: number; below: boolean }[] = [];
  withClip(ctx, L.area, () => {
    o.series.forEach((s, k) => {
      const color = s.color ?? paletteColor(k);
      for (let i = 0; i < o.categories.length; i++) {
        const x = L.x.map(i + 0.5) - groupW / 2 + k * barW;
        const v = i < s.values.length ? s.values[i] : NaN;
        if (!Number.isFinite(v)) {
          labels.push({ text: 'n/a', x: x + barW / 2, y: base, below: false });
          continue;
        }
        const yv = L.y.map(v);
        const inset = barW > 6 ? 1 : 0; // a hairline between neighbouring bars
        ctx.fillStyle = color;
        ctx.fillRect(
          x + inset,
          Math.max(L.area.top - 2, Math.min(base, yv)),
          Math.max(1, barW - 2 * inset),
          Math.min(L.area.bottom - L.area.top + 4, Math.abs(yv - base)),
        );
        const e = errorAt(s, i);
        if (e > 0) {
          const cx = x + barW / 2,
            y0 = L.y.map(v - e),
            y1 = L.y.map(v + e),
            cap = Math.min(5, barW / 3);
          ctx.strokeStyle = '#222222';
          ctx.lineWidth = 1.3;
          ctx.beginPath();
          ctx.moveTo(cx, y0);
          ctx.lineTo(cx, y1);
          ctx.moveTo(cx - cap, y0);
          ctx.lineTo(cx + cap, y0);
          ctx.moveTo(cx - cap, y1);
          ctx.lineTo(cx + cap, y1);
          ctx.stroke();
        }
        const tip = v >= 0 ? Math.min(yv, L.y.map(v + e)) : Math.max(yv, L.y.map(v - e));
        labels.push({ text: formatNumber(Number(v.toPrecision(3))), x: x + barW / 2, y: tip, below: v < 0 });
      }
    });
  });
  if (L.y.domain[0] < 0 && L.y.domain[1] > 0) {
    // the baseline, so that negative bars read as below zero
    ctx.strokeStyle = '#444444';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(L.area.left, Math.round(base) + 0.5);
    ctx.lineTo(L.area.right, Math.round(base) + 0.5);
    ctx.stroke();
  }
  ctx.font = FONTS.small;
  ctx.textAlign = 'center';
  for (const l of labels) {
    const na = l.text === 'n/a';
    if (!na && !(o.valueLabels ?? true)) continue;
    if (ctx.measureText(l.text).width > barW + 2) continue; // would run into the neighbouring bar's label
    ctx.fillStyle = na ? '#999999' : '#222222';
    ctx.textBaseline = l.below ? 'top' : 'bottom';
    const y = l.below ? Math.min(L.area.bottom - 14, l.y + 3) : Math.max(L.area.top + 12, l.y - 3);
    ctx.fillText(l.text, l.x, y);
  }
  drawFrameBorder(ctx, L.area);
  return fig.encode();
}
