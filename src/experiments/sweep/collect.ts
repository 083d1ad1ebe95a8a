/**
 * Collection, shared by every executor: a cell's outcome from its run directory's summary.json,
 * and the comparison of the cells that finished — comparison.json, comparison.md (mean ± std over
 * seeds of every summary metric per grid point, failed cells listed with their error, the figures
 * listed), a bar chart per metric, and over a numeric grid key a line chart per metric and, for a
 * GAN sweep, the coverage/precision trade-off (lineFigures.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { meanStd } from '../../eval/miStats.js';
import { barChart } from '../../plot/barChart.js';
import { errorBarChart, errorBarPanels } from '../../plot/errorBarChart.js';
import type { RenderOptions } from '../../plot/figure.js';
import { DEFAULT_FIGURE_OPTIONS } from '../figureOutput.js';
import { cellFacts, numericAxisOf, sweepLineChart, sweepLineData, metricLabel, TRADE_OFF, tradeOffPanels, useLogAxis } from './lineFigures.js';
import { valueLabel, type CellStatus, type ComparisonRow, type GridAxis, type Sweep, type SweepCell, type SweepRecord } from './plan.js';

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

/** "k/n seeds" when only k of the n seeds that completed reported a metric (n = 0 for none), else "". */
export function seedShare(k: number, seedsOk: number): string {
  return k < seedsOk ? `${k}/${seedsOk} seeds` : '';
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

/** A figure of the comparison: its files (names in the sweep directory, one per format) and what it shows. */
export interface SweepFigure {
  files: string[];
  description: string;
}

/** The caption line of the sweep's figures: "minegan-25gaussians · sweep over mi.beta · seeds 0, 1 · 300 steps · sweep-…". */
export function sweepCaption(rec: Pick<SweepRecord, 'experiment' | 'grid' | 'seeds' | 'steps'>, id: string): string {
  const parts = [rec.experiment, `sweep over ${rec.grid.map((g) => g.key).join(' × ')}`, `seeds ${rec.seeds.join(', ')}`];
  if (rec.steps !== null) parts.push(`${rec.steps} steps`);
  parts.push(id);
  return parts.join(' · ');
}

/** File name part for a metric or key. */
const safe = (s: string) => s.replace(/[^A-Za-z0-9.=-]+/g, '_');

/** Charts drawn per metric (the first ones in the comparison's order). */
const MAX_METRIC_CHARTS = 8;

/**
 * Writes comparison.json, comparison.md and the figures from the cells' current state, each
 * figure in the cells' `figures.formats` (PNG and SVG by default):
 * - coverage-precision-vs-<key>: for a sweep that compared `modes` and `highQualityPercent` over a
 *   numeric key, the two against it in stacked panels;
 * - comparison-<metric>-vs-<key>: each metric against the first numeric key (lines, mean ± std);
 * - comparison-<metric>: each metric as grouped bars (categories = the first grid key).
 */
export function writeComparison(sweep: Sweep): string[] {
  const { experiment, grid, seeds, cells } = sweep.record;
  const rows = compareCells(grid, cells);
  const metricNames = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))];
  const facts = cellFacts(cells);
  const formats = facts.formats ?? DEFAULT_FIGURE_OPTIONS.formats;
  const caption = sweepCaption(sweep.record, basename(sweep.dir));
  const figures: SweepFigure[] = [];
  const written: string[] = [];
  const figure = (name: string, description: string, draw: (r: RenderOptions) => Buffer) => {
    const paths = formats.map((format) => sweep.write(`${name}.${format}`, draw({ format, caption })));
    written.push(...paths);
    figures.push({ files: paths.map((p) => basename(p)), description });
  };
  const charted = metricNames.slice(0, MAX_METRIC_CHARTS);
  const named = (m: string) => (metricLabel(m).title === m ? m : `${metricLabel(m).title} (${m})`);
  const x = numericAxisOf(grid);
  if (x) {
    if (TRADE_OFF.every((m) => metricNames.includes(m))) {
      const panels = tradeOffPanels(grid, rows, cells, x, facts);
      figure(
        `coverage-precision-vs-${safe(x.key)}`,
        `coverage vs precision: modes captured and high-quality samples (%) against ${x.key}, mean ± std over seeds (rings: each seed)`,
        (r) => errorBarPanels(panels, { title: `${experiment}: mode coverage and sample quality against ${x.key}` }, r),
      );
    }
    for (const m of charted) {
      const d = sweepLineData(grid, rows, cells, m, x);
      figure(`comparison-${safe(m)}-vs-${safe(x.key)}`, `${named(m)} against ${x.key}, mean ± std over seeds (rings: each seed)`, (r) =>
        errorBarChart(sweepLineChart(experiment, d, x, facts), r),
      );
    }
  }
  // bars: categories = first grid axis, series = the rest
  const [first, ...others] = grid;
  const seriesOf = (r: ComparisonRow) => others.map((g) => `${g.key}=${valueLabel(r.values[g.key])}`).join(',') || first.key;
  const seriesNames = [...new Set(rows.map(seriesOf))];
  const categories = first.values.map(valueLabel);
  for (const m of charted) {
    const series = seriesNames.map((name) => {
      const pick = (cat: string) => rows.find((r) => valueLabel(r.values[first.key]) === cat && seriesOf(r) === name)?.metrics[m];
      return { name, values: categories.map((c) => pick(c)?.mean ?? NaN), errors: categories.map((c) => pick(c)?.std ?? NaN) };
    });
    // a bar whose mean is over fewer seeds than completed (as in the table): say so under it
    const seedNote = (cat: string) => {
      const short = rows
        .filter((r) => valueLabel(r.values[first.key]) === cat && r.metrics[m])
        .map((r) => seedShare(r.metrics[m].n, r.seeds))
        .filter((x) => x !== '');
      return short.length ? `${cat} (${[...new Set(short)].join(', ')})` : cat;
    };
    figure(`comparison-${safe(m)}`, `${named(m)} per ${first.key} as bars, mean ± std over seeds`, (r) =>
      barChart(
        {
          title: `${experiment}: ${metricLabel(m, facts).title} (mean ± std over ${seeds.length} seeds)`,
          xLabel: first.key,
          yLabel: metricLabel(m, facts).yLabel,
          categories: categories.map(seedNote),
          series,
        },
        r,
      ),
    );
  }
  const files = [sweep.writeJson('comparison.json', { experiment, grid, seeds, rows, figures })];
  // A metric some completed seeds leave undefined (e.g. stepAllModes of a run that never covered
  // every mode) says over how many seeds its mean is taken.
  const f = (x: { mean: number; std: number; n: number } | undefined, seedsOk: number) => {
    if (!x) return '–';
    const share = seedShare(x.n, seedsOk);
    return `${Number.isFinite(x.mean) ? `${Number(x.mean.toPrecision(4))} ± ${Number(x.std.toPrecision(2))}` : '–'}${share && ` (${share})`}`;
  };
  const md = [
    `# ${experiment}: sweep over ${grid.map((g) => g.key).join(' × ')}, seeds ${seeds.join(', ')}`,
    '',
    'mean ± std over the seeds that completed; (k/n seeds): only k of them reported the metric',
    '',
    `| ${grid.map((g) => g.key).join(' | ')} | seeds ok | ${metricNames.join(' | ')} |`,
    `| ${grid.map(() => '---').join(' | ')} | --- | ${metricNames.map(() => '---:').join(' | ')} |`,
    ...rows.map(
      (r) =>
        `| ${grid.map((g) => valueLabel(r.values[g.key])).join(' | ')} | ${r.seeds}/${r.seeds + r.failed.length} | ${metricNames.map((m) => f(r.metrics[m], r.seeds)).join(' | ')} |`,
    ),
  ];
  const failed = rows.flatMap((r) => r.failed.map((x) => `- ${r.cell} seed ${x.seed}: ${x.error}`));
  if (failed.length) md.push('', '## Cells that did not complete', '', ...failed);
  if (figures.length) {
    md.push('', '## Figures', '');
    if (x && useLogAxis(x.values as number[]))
      md.push(
        `${x.key} is on a log axis${x.values.includes(0) ? '; its 0 is drawn one decade left of the smallest positive value, beyond the break (//) in the axis' : ''}.`,
        '',
      );
    md.push(...figures.map((g) => `- ${g.description}: ${g.files.map((n) => `[${n}](${encodeURI(n)})`).join(', ')}`));
  }
  files.push(sweep.write('comparison.md', md.join('\n') + '\n'));
  return [...files, ...written];
}
