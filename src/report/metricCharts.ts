/**
 * Turns metrics.jsonl records into one chart per logged metric: a section per record `type`
 * (the gan task logs "train" and "eval" lines), one line per setting (the string fields that vary —
 * `setting`, `estimator` — joined), x = the logged step. Estimates get the true MI as a reference line where
 * the log carries it (the MI benchmarks log `trueMI` on every line).
 */
import type { MetricRecord } from './metricsLog.js';

export interface ChartPoint {
  step: number;
  y: number;
}

export interface ChartSeries {
  name: string;
  points: ChartPoint[];
  /** logged values that were NaN or ±Infinity: not drawable, counted so the page can say so. */
  nonFinite: number;
}

export interface MetricChart {
  /**
   * 'line' when every series has at least two points; else 'scatter' (a line through one point
   * draws nothing, e.g. a short run's single evaluation).
   */
  kind: 'line' | 'scatter';
  id: string;
  section: string;
  metric: string;
  series: ChartSeries[];
}

/** Metrics that estimate an MI and get the true MI drawn beside them when it is logged. */
const ESTIMATE_KEYS = new Set(['estimate', 'mi', 'macro', 'micro']);
const TRUE_MI = 'trueMI';
const SECTION_KEY = 'type';

export function metricCharts(records: MetricRecord[]): MetricChart[] {
  const sections = new Map<string, MetricRecord[]>();
  for (const r of records) {
    const s = typeof r[SECTION_KEY] === 'string' ? (r[SECTION_KEY] as string) : 'metrics';
    if (!sections.has(s)) sections.set(s, []);
    sections.get(s)!.push(r);
  }
  const charts: MetricChart[] = [];
  for (const [section, recs] of sections) {
    const allLabelKeys = [...new Set(recs.flatMap((r) => Object.keys(r).filter((k) => k !== SECTION_KEY && typeof r[k] === 'string')))];
    // a label that is the same on every line ("setting": "default") names nothing: leave it out
    const varying = allLabelKeys.filter((k) => new Set(recs.map((r) => r[k])).size > 1);
    const labelKeys = varying.length ? varying : allLabelKeys;
    const seriesName = (r: MetricRecord) =>
      labelKeys
        .map((k) => r[k])
        .filter((v) => typeof v === 'string')
        .join(' · ');
    const metrics = [...new Set(recs.flatMap((r) => Object.keys(r).filter((k) => k !== 'step' && (typeof r[k] === 'number' || r[k] === null))))];
    const hasEstimate = metrics.some((m) => ESTIMATE_KEYS.has(m));
    for (const metric of metrics) {
      if (metric === TRUE_MI && hasEstimate) continue; // drawn as the reference line instead
      const groups = new Map<string, ChartSeries>();
      for (const r of recs) {
        const v = r[metric];
        if (typeof v !== 'number' && v !== null) continue;
        const name = seriesName(r) || metric;
        if (!groups.has(name)) groups.set(name, { name, points: [], nonFinite: 0 });
        const g = groups.get(name)!;
        if (typeof v === 'number' && Number.isFinite(v)) g.points.push({ step: r.step as number, y: v });
        else g.nonFinite++;
      }
      const series = [...groups.values()];
      for (const s of series) s.points.sort((a, b) => a.step - b.step);
      if (ESTIMATE_KEYS.has(metric) && metrics.includes(TRUE_MI)) series.push(trueMiSeries(recs));
      const kind = series.every((s) => s.points.length >= 2) ? 'line' : 'scatter';
      charts.push({ kind, id: `${section}/${metric}`, section, metric, series });
    }
  }
  return charts;
}

/** The true MI at each logged step (one line: it depends on the data, not on the setting). */
function trueMiSeries(recs: MetricRecord[]): ChartSeries {
  const byStep = new Map<number, number>();
  for (const r of recs) {
    const v = r[TRUE_MI];
    if (typeof v === 'number' && Number.isFinite(v) && !byStep.has(r.step as number)) byStep.set(r.step as number, v);
  }
  return { name: 'true MI', points: [...byStep].sort((a, b) => a[0] - b[0]).map(([step, y]) => ({ step, y })), nonFinite: 0 };
}
