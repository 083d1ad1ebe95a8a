/**
 * A chart per summary metric across a sweep's grid: x = the first grid axis, one series per
 * combination of the other axes, one point per completed seed, so the seeds' spread is visible
 * (comparison.json gives the mean ± std in the table beside it).
 */
import type { SweepCellData } from './readRun.js';

export interface SweepChart {
  id: string;
  metric: string;
  xLabel: string;
  /** category names when the first axis is not numeric (x is then the category's index). */
  categories?: string[];
  /** per series: one point per seed, then a series "<name>: mean" (seed -1) with the mean over seeds. */
  series: { name: string; points: { x: number; y: number; seed: number }[] }[];
}

export interface GridAxisLike {
  key: string;
  values: unknown[];
}

const label = (v: unknown): string => (Array.isArray(v) ? v.map(label).join('+') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

/** Splits a cell label "beta=0.5,estimator=mine" into its axis values (labels as the sweep wrote them). */
function parseLabel(cellLabel: string, grid: GridAxisLike[]): Record<string, string> {
  const out: Record<string, string> = {};
  let rest = cellLabel;
  // keys are known, values may contain ',' (lists are joined with '+', objects are JSON): cut at the next key
  grid.forEach((g, i) => {
    const next = grid[i + 1];
    const start = `${g.key}=`;
    if (!rest.startsWith(start)) return;
    rest = rest.slice(start.length);
    const cut = next ? rest.indexOf(`,${next.key}=`) : -1;
    out[g.key] = cut >= 0 ? rest.slice(0, cut) : rest;
    rest = cut >= 0 ? rest.slice(cut + 1) : '';
  });
  return out;
}

export function sweepCharts(grid: GridAxisLike[], cells: SweepCellData[]): SweepChart[] {
  if (grid.length === 0) return [];
  const [first, ...others] = grid;
  const firstLabels = first.values.map(label);
  const numeric = first.values.every((v) => typeof v === 'number');
  const ok = cells.filter((c) => c.status === 'completed' && c.metrics);
  const metrics = [...new Set(ok.flatMap((c) => Object.keys(c.metrics!).filter((k) => typeof c.metrics![k] === 'number')))];
  return metrics.map((metric) => {
    const series = new Map<string, SweepChart['series'][number]>();
    for (const c of ok) {
      const y = c.metrics![metric];
      if (typeof y !== 'number' || !Number.isFinite(y)) continue;
      const vals = parseLabel(c.label, grid);
      const xi = firstLabels.indexOf(vals[first.key]);
      if (xi < 0) continue;
      const name = others.map((g) => `${g.key}=${vals[g.key]}`).join(', ') || 'each seed';
      if (!series.has(name)) series.set(name, { name, points: [] });
      series.get(name)!.points.push({ x: numeric ? (first.values[xi] as number) : xi, y, seed: c.seed });
    }
    // the mean over seeds at each grid value, drawn as its own series beside the seeds' points
    const withMeans = [...series.values()].flatMap((s) => {
      const xs = [...new Set(s.points.map((p) => p.x))];
      const means = xs.map((x) => {
        const ys = s.points.filter((p) => p.x === x).map((p) => p.y);
        return { x, y: ys.reduce((a, b) => a + b, 0) / ys.length, seed: -1 };
      });
      return [s, { name: `${s.name}: mean`, points: means }];
    });
    return {
      id: `sweep/${metric}`,
      metric,
      xLabel: numeric ? first.key : `${first.key}: ${firstLabels.map((l, i) => `${i} = ${l}`).join(', ')}`,
      categories: numeric ? undefined : firstLabels,
      series: withMeans,
    };
  });
}
