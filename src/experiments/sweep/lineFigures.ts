/**
 * A sweep's metrics against a numeric grid key (β, a learning rate, …): the data of the line
 * charts collect.ts writes beside the bar charts, and of the coverage/precision trade-off of a GAN
 * sweep (modes captured and high-quality % against β, two stacked panels on one x axis).
 *
 * Conventions:
 * - x is the first grid key whose values are all finite numbers (at least two); each combination
 *   of the other keys is one line. A key with any non-number value (an estimator name) is not x.
 * - x is on a log axis when its values are ≥ 0 and the positive ones span ≥ 2 decades, or ≥ 1
 *   decade with two of them crowded on a linear axis (closer than 12% of the range, as 0, 0.1, 1
 *   are). A 0 is then drawn at a position marked "0", one decade left of the smallest positive
 *   value, beyond a break in the axis (src/plot/errorBarChart.ts).
 * - each point is the comparison's mean ± population std over the seeds that completed, with each
 *   seed's value as an open ring.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorBarChartOptions, ErrorBarSeries } from '../../plot/errorBarChart.js';
import type { FigureFormat } from '../../plot/figure.js';
import { parseFigureOptions } from '../figureOutput.js';
import { valueLabel, type ComparisonRow, type GridAxis, type SweepCell } from './plan.js';

/** A grid key usable as x: at least two values, all finite numbers. */
export function isNumericAxis(axis: { values: unknown[] }): boolean {
  return axis.values.length >= 2 && axis.values.every((v) => typeof v === 'number' && Number.isFinite(v));
}

/** Whether numeric x values go on a log axis (see the module note). */
export function useLogAxis(values: number[]): boolean {
  if (values.some((v) => !Number.isFinite(v) || v < 0)) return false;
  const xs = [...new Set(values)].sort((a, b) => a - b);
  const pos = xs.filter((v) => v > 0);
  if (pos.length < 2) return false;
  const ratio = pos[pos.length - 1] / pos[0];
  if (ratio >= 100) return true;
  const range = xs[xs.length - 1] - xs[0];
  const crowded = xs.slice(1).some((v, i) => v - xs[i] < 0.12 * range);
  return ratio >= 10 && crowded;
}

/** A metric against the numeric key: one series per combination of the other keys. */
export interface SweepLineData {
  metric: string;
  xKey: string;
  xLog: boolean;
  seeds: number;
  series: ErrorBarSeries[];
}

/** The first numeric grid key, or undefined. */
export const numericAxisOf = (grid: GridAxis[]): GridAxis | undefined => grid.find(isNumericAxis);

/**
 * The chart data of `metric` against the numeric key `x`: a point per grid point of each series,
 * its mean and std taken from the comparison's row (NaN when no seed completed there), its
 * samples the values of the cells that completed.
 */
export function sweepLineData(grid: GridAxis[], rows: ComparisonRow[], cells: SweepCell[], metric: string, x: GridAxis): SweepLineData {
  const others = grid.filter((g) => g !== x);
  const nameOf = (r: ComparisonRow) => others.map((g) => `${g.key}=${valueLabel(r.values[g.key])}`).join(', ');
  const seeds = Math.max(0, ...rows.map((r) => r.seeds + r.failed.length));
  const names = [...new Set(rows.map(nameOf))];
  const series = names.map((name) => ({
    name: name || `mean ± std over ${seeds} seed${seeds === 1 ? '' : 's'}`,
    points: rows
      .filter((r) => nameOf(r) === name)
      .map((r) => {
        const m = r.metrics[metric];
        const samples = cells
          .filter((c) => c.label === r.cell && c.status === 'completed')
          .map((c) => c.metrics?.[metric])
          .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
        return { x: r.values[x.key] as number, mean: m && m.n > 0 ? m.mean : NaN, std: m && m.n > 0 ? m.std : NaN, samples };
      }),
  }));
  return { metric, xKey: x.key, xLog: useLogAxis(x.values as number[]), seeds, series };
}

/** What the figures know of the runs, read from a completed cell's config.json: figure formats, GAN evaluation settings. */
export interface CellFacts {
  /** the cells' `figures.formats` (the sweep's figures are written in the same formats). */
  formats?: FigureFormat[];
  minCount?: number;
  samples?: number;
  modesTotal?: number;
}

/** The evaluation settings of the first completed cell that has a readable config.json ({} when none). */
export function cellFacts(cells: SweepCell[]): CellFacts {
  for (const c of cells) {
    if (c.status !== 'completed') continue;
    const p = join(c.dir, 'config.json');
    if (!existsSync(p)) continue;
    try {
      const cfg = JSON.parse(readFileSync(p, 'utf8')) as { settings?: { cfg?: Record<string, unknown> }[]; figures?: unknown };
      const s = cfg.settings?.[0]?.cfg ?? {};
      const ev = (s.evaluation ?? {}) as { minCount?: unknown; samples?: unknown };
      const data = (s.data ?? {}) as { kind?: unknown; side?: unknown };
      const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
      const side = data.kind === 'grid' ? num(data.side) : undefined;
      let formats: FigureFormat[] | undefined;
      try {
        formats = parseFigureOptions(cfg.figures).formats;
      } catch {
        formats = undefined;
      }
      return { formats, minCount: num(ev.minCount), samples: num(ev.samples), modesTotal: side === undefined ? undefined : side * side };
    } catch {}
  }
  return {};
}

/** A metric's panel title and y-axis label (with its unit) in the sweep's figures; unknown metrics by their name. */
export function metricLabel(metric: string, f: CellFacts = {}): { title: string; yLabel: string } {
  const of = f.modesTotal ? ` of ${f.modesTotal}` : '';
  const known: Record<string, { title: string; yLabel: string }> = {
    modes: {
      title: `coverage: modes captured${of ? ` (of ${f.modesTotal})` : ''}`,
      yLabel: f.minCount !== undefined ? `modes with ≥ ${f.minCount}${f.samples ? ` of ${f.samples}` : ''} samples` : 'modes captured',
    },
    modesAnySample: { title: `modes with ≥ 1 sample${of}`, yLabel: 'modes with ≥ 1 sample' },
    highQualityPercent: { title: 'precision: high-quality samples', yLabel: 'samples within 3σ of a mode (%)' },
    klToUniform: { title: 'KL(mode histogram ‖ uniform)', yLabel: 'KL (nats)' },
    kdeLogLikRealUnderGen: { title: 'real points under the KDE of G(z)', yLabel: 'mean log p̂_G(x) (nats)' },
    kdeLogLikGenUnderReal: { title: 'G(z) under the KDE of real points', yLabel: 'mean log p̂_real(G(z)) (nats)' },
    errorAvgPct: { title: 'test error, softmax averaged over z', yLabel: 'test misclassification (%)' },
    errorOneSamplePct: { title: 'test error, one sample of z', yLabel: 'test misclassification (%)' },
    polyakErrorAvgPct: { title: 'test error, Polyak-averaged weights', yLabel: 'test misclassification (%)' },
    polyakErrorOneSamplePct: { title: 'test error, Polyak-averaged weights, one sample', yLabel: 'test misclassification (%)' },
    bias: { title: 'bias of the MI estimate', yLabel: 'bias (nats)' },
    variance: { title: 'variance of the MI estimate', yLabel: 'variance (nats²)' },
    mse: { title: 'MSE of the MI estimate', yLabel: 'MSE (nats²)' },
  };
  return known[metric] ?? { title: metric, yLabel: metric };
}

/** The x-axis label: the key, and how a log axis places 0. */
export function xAxisLabel(d: Pick<SweepLineData, 'xKey' | 'xLog'>, values: number[]): string {
  if (!d.xLog) return d.xKey;
  return values.includes(0) ? `${d.xKey} (log scale; 0 drawn left of the axis break)` : `${d.xKey} (log scale)`;
}

/** The line chart of one metric against the numeric key. */
export function sweepLineChart(experiment: string, d: SweepLineData, x: GridAxis, facts: CellFacts = {}): ErrorBarChartOptions {
  const l = metricLabel(d.metric, facts);
  return {
    title: `${experiment}: ${l.title} against ${d.xKey}`,
    xLabel: xAxisLabel(d, x.values as number[]),
    yLabel: l.yLabel,
    xLog: d.xLog,
    series: d.series,
    samplesLabel: 'each seed',
  };
}

/** The coverage/precision metrics of a GAN sweep, when both were compared. */
export const TRADE_OFF = ['modes', 'highQualityPercent'] as const;

/**
 * The trade-off figure's two panels: modes captured (y from 0 to the number of modes when known)
 * over high-quality % (y from 0), on one x axis.
 */
export function tradeOffPanels(grid: GridAxis[], rows: ComparisonRow[], cells: SweepCell[], x: GridAxis, facts: CellFacts = {}): ErrorBarChartOptions[] {
  return TRADE_OFF.map((metric) => {
    const d = sweepLineData(grid, rows, cells, metric, x);
    const l = metricLabel(metric, facts);
    return {
      title: l.title,
      xLabel: xAxisLabel(d, x.values as number[]),
      yLabel: l.yLabel,
      xLog: d.xLog,
      series: d.series,
      yFromZero: true,
      ...(metric === 'modes' && facts.modesTotal ? { yRange: [-0.03 * facts.modesTotal, facts.modesTotal * 1.04] as [number, number] } : {}),
    };
  });
}
