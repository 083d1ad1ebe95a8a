/**
 * Collection, shared by every executor: a cell's outcome from its run directory's summary.json,
 * and the comparison of the cells that finished — comparison.json, comparison.md (mean ± std over
 * seeds of every summary metric per grid point, failed cells listed with their error) and a bar
 * chart per metric.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { meanStd } from '../../eval/miStats.js';
import { barChart } from '../../plot/barChart.js';
import { valueLabel, type CellStatus, type GridAxis, type Sweep, type SweepCell } from './plan.js';

export interface CellOutcome {
  status: CellStatus;
  error?: string;
  metrics?: Record<string, number>;
}

/**
 * An MI benchmark names its metrics `<estimator>.<quantity>`; in an estimator sweep each cell has
 * one estimator, so its prefix is dropped and `bias`, `mse`, … of every estimator share a column
 * (metrics of other prefixes, e.g. the KSG baseline, keep their names).
 */
export function comparedMetrics(metrics: Record<string, unknown>, prefix?: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) {
    const name = prefix && k.startsWith(`${prefix}.`) ? k.slice(prefix.length + 1) : k;
    // non-finite numbers are stored as strings ("NaN") in summary.json
    const x = typeof v === 'number' ? v : typeof v === 'string' && /^(NaN|-?Infinity)$/.test(v) ? Number(v) : undefined;
    if (x !== undefined) out[name] = x;
  }
  return out;
}

/** The cell's outcome from its summary.json, or null when the run wrote none (yet). */
export function readCellOutcome(cell: SweepCell): CellOutcome | null {
  const p = join(cell.dir, 'summary.json');
  if (!existsSync(p)) return null;
  let s: { status?: unknown; error?: unknown; metrics?: unknown };
  try {
    s = JSON.parse(readFileSync(p, 'utf8'));
  } catch (e) {
    return { status: 'failed', error: `${p} could not be read: ${(e as Error).message}` };
  }
  // completed-with-failures: a setting or estimator diverged (the run exits 1), so the cell counts as failed
  const status: CellStatus = s.status === 'completed' || s.status === 'interrupted' ? s.status : 'failed';
  const error = s.error ? String(s.error).split('\n')[0] : status === 'failed' ? `summary.json says ${JSON.stringify(s.status)}` : undefined;
  return {
    status,
    ...(error ? { error: s.status === 'completed-with-failures' ? `completed with diverged parts: ${error}` : error } : {}),
    ...(s.metrics && typeof s.metrics === 'object' ? { metrics: comparedMetrics(s.metrics as Record<string, unknown>, cell.metricPrefix) } : {}),
  };
}

export function applyOutcome(cell: SweepCell, o: CellOutcome): void {
  cell.status = o.status;
  if (o.error) cell.error = o.error;
  else delete cell.error;
  if (o.metrics) cell.metrics = o.metrics;
  else delete cell.metrics;
}

export interface ComparisonRow {
  cell: string;
  values: Record<string, unknown>;
  seeds: number;
  failed: { seed: number; error: string }[];
  metrics: Record<string, { mean: number; std: number; n: number }>;
}

/** One row per grid point: mean ± population std over the seeds that completed. */
export function compareCells(grid: GridAxis[], cells: SweepCell[]): ComparisonRow[] {
  const labels = [...new Set(cells.map((c) => c.label))];
  return labels.map((label) => {
    const cs = cells.filter((c) => c.label === label);
    const ok = cs.filter((c) => c.status === 'completed' && c.metrics);
    const names = [...new Set(ok.flatMap((c) => Object.keys(c.metrics!)))].sort();
    const metrics: ComparisonRow['metrics'] = {};
    for (const m of names) {
      const vals = ok.map((c) => c.metrics![m]).filter((v) => typeof v === 'number' && Number.isFinite(v));
      metrics[m] = { ...meanStd(vals), n: vals.length };
    }
    return {
      cell: label,
      values: Object.fromEntries(grid.map((g, i) => [g.key, cs[0].overrides[i].value])),
      seeds: ok.length,
      failed: cs.filter((c) => c.status !== 'completed').map((c) => ({ seed: c.seed, error: describeUnfinished(c) })),
      metrics,
    };
  });
}

/** What a cell that did not complete shows in the comparison. */
export function describeUnfinished(c: SweepCell): string {
  if (c.status === 'pending') return c.error ?? 'never ran';
  if (c.status === 'running') return 'still running';
  return c.error ? (c.error.startsWith(c.status) ? c.error : `${c.status}: ${c.error}`) : c.status;
}

/** Writes comparison.json, comparison.md and the charts from the cells' current state. */
export function writeComparison(sweep: Sweep): string[] {
  const { experiment, grid, seeds, cells } = sweep.record;
  const rows = compareCells(grid, cells);
  const files = [sweep.writeJson('comparison.json', { experiment, grid, seeds, rows })];
  const metricNames = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))];
  const f = (x: { mean: number; std: number } | undefined) =>
    x && Number.isFinite(x.mean) ? `${Number(x.mean.toPrecision(4))} ± ${Number(x.std.toPrecision(2))}` : '–';
  const md = [
    `# ${experiment}: sweep over ${grid.map((g) => g.key).join(' × ')}, seeds ${seeds.join(', ')}`,
    '',
    'mean ± std over the seeds that completed',
    '',
    `| ${grid.map((g) => g.key).join(' | ')} | seeds ok | ${metricNames.join(' | ')} |`,
    `| ${grid.map(() => '---').join(' | ')} | --- | ${metricNames.map(() => '---:').join(' | ')} |`,
    ...rows.map(
      (r) =>
        `| ${grid.map((g) => valueLabel(r.values[g.key])).join(' | ')} | ${r.seeds}/${r.seeds + r.failed.length} | ${metricNames.map((m) => f(r.metrics[m])).join(' | ')} |`,
    ),
  ];
  const failed = rows.flatMap((r) => r.failed.map((x) => `- ${r.cell} seed ${x.seed}: ${x.error}`));
  if (failed.length) md.push('', '## Cells that did not complete', '', ...failed);
  files.push(sweep.write('comparison.md', md.join('\n') + '\n'));
  // One chart per metric (at most 8): categories = first grid axis, series = the rest.
  const [first, ...others] = grid;
  const seriesOf = (r: ComparisonRow) => others.map((g) => `${g.key}=${valueLabel(r.values[g.key])}`).join(',') || first.key;
  const seriesNames = [...new Set(rows.map(seriesOf))];
  const categories = first.values.map(valueLabel);
  for (const m of metricNames.slice(0, 8)) {
    const series = seriesNames.map((name) => {
      const pick = (cat: string) => rows.find((r) => valueLabel(r.values[first.key]) === cat && seriesOf(r) === name)?.metrics[m];
      return { name, values: categories.map((c) => pick(c)?.mean ?? NaN), errors: categories.map((c) => pick(c)?.std ?? NaN) };
    });
    files.push(
      sweep.write(
        `comparison-${m.replace(/[^A-Za-z0-9.=-]+/g, '_')}.png`,
        barChart({ title: `${experiment}: ${m} (mean ± std over ${seeds.length} seeds)`, xLabel: first.key, yLabel: m, categories, series }),
      ),
    );
  }
  return files;
}
