/**
 * Sweeps: run an experiment over a grid of config values × seeds and compare. Each cell is a child
 * process running `infobound run` with overrides (a cell that fails or crashes is reported as failed
 * with its error; the others still finish), up to `parallel` at a time. The sweep directory holds
 * one run directory per cell, sweep.json (the plan and each cell's status), comparison.json and
 * comparison.md (mean ± std over seeds of every summary metric per grid point) and comparison PNGs.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/validate.js';
import { meanStd } from '../eval/miStats.js';
import { claimRunDir, makeRunId, RunDir } from '../io/runDir.js';
import { barChart } from '../plot/barChart.js';
import type { Progress } from './context.js';
import { cartesian } from './paths.js';

/** Short grid keys users type, per task, mapped to config paths. */
const ALIASES: Record<string, Record<string, string>> = {
  gan: { beta: 'mi.beta', estimator: 'mi.estimator', clip: 'mi.clip' },
  infogan: { beta: 'mi.beta', estimator: 'mi.estimator', clip: 'mi.clip' },
  'mi-benchmark': { estimator: 'estimators', rho: 'data.rho' },
  ib: { beta: 'beta', estimator: 'mi.estimator', encoder: 'encoder.kind', rate: 'rate', clip: 'mi.clip' },
  ali: { variant: 'variant', beta: 'mi.beta', estimator: 'mi.estimator', lambda: 'alice.lambda', noise: 'encoder.noise' },
};

export interface GridAxis {
  key: string;
  path: string;
  values: unknown[];
}

/** Parses `--grid beta=0,0.1,1` into an axis; numbers and booleans are typed, the rest are strings. */
export function parseGridArg(arg: string, task: string): GridAxis {
  const m = /^([A-Za-z0-9_.]+)=(.+)$/.exec(arg);
  if (!m) throw new ConfigError(`--grid ${JSON.stringify(arg)}: expected key=value1,value2,… (e.g. beta=0,0.5,1)`);
  const key = m[1];
  const path = ALIASES[task]?.[key] ?? key;
  const values = m[2].split(',').map((v) => {
    const t = v.trim();
    if (t === 'true' || t === 'false') return t === 'true';
    if (t !== '' && Number.isFinite(Number(t))) return Number(t);
    return t;
  });
  // the MI benchmark takes a list of estimators: one per cell
  return { key, path, values: path === 'estimators' ? values.map((v) => [v]) : values };
}

export interface SweepCell {
  label: string;
  seed: number;
  overrides: { path: string; value: unknown }[];
  dir: string;
  status: 'pending' | 'completed' | 'failed' | 'interrupted';
  error?: string;
  metrics?: Record<string, number>;
}

export interface SweepOptions {
  experimentFile: string;
  experimentName: string;
  task: string;
  grid: GridAxis[];
  seeds: number[];
  parallel: number;
  out: string;
  steps?: number;
  backend?: string;
  progress: Progress;
  /** the command that runs one cell: [executable, ...args before `run`]. */
  command: string[];
}

const valueLabel = (v: unknown): string => (Array.isArray(v) ? v.map(valueLabel).join('+') : typeof v === 'object' ? JSON.stringify(v) : String(v));

function runCell(cell: SweepCell, o: SweepOptions): Promise<void> {
  const args = [...o.command.slice(1), 'run', o.experimentFile, '--seed', String(cell.seed), '--run-dir', cell.dir];
  for (const ov of cell.overrides) args.push('--set', `${ov.path}=${JSON.stringify(ov.value)}`);
  // a sweep cell is one setting: the file's own `vary` would multiply it
  args.push('--set', 'vary={}');
  if (o.steps !== undefined) args.push('--steps', String(o.steps));
  if (o.backend) args.push('--backend', o.backend);
  return new Promise((resolve) => {
    // OpenBLAS starts a spinning thread per core in every process: with P cells at once, give each
    // its share of the cores (a user's OPENBLAS_NUM_THREADS wins).
    const threads = String(Math.max(1, Math.floor(availableParallelism() / o.parallel)));
    const env = { ...process.env, OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS ?? threads };
    const child = spawn(o.command[0], args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('close', (code) => {
      const summaryPath = join(cell.dir, 'summary.json');
      if (existsSync(summaryPath)) {
        const s = JSON.parse(readFileSync(summaryPath, 'utf8'));
        cell.status = s.status;
        cell.metrics = s.metrics;
        if (s.error) cell.error = String(s.error).split('\n')[0];
      } else {
        cell.status = 'failed';
        cell.error = `exit code ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ') || 'no output'}`;
      }
      resolve();
    });
  });
}

export async function runSweep(o: SweepOptions): Promise<{ dir: string; cells: SweepCell[]; files: string[] }> {
  if (o.grid.length === 0) throw new ConfigError('sweep: give at least one --grid key=v1,v2,…');
  if (!(o.parallel >= 1)) throw new ConfigError(`--parallel must be ≥ 1, got ${o.parallel}`);
  const dir = claimRunDir(join(o.out, o.experimentName), `sweep-${makeRunId(o.seeds[0])}`);
  const out = new RunDir(dir);
  const combos = cartesian(o.grid.map((g) => ({ path: g.path, values: g.values })));
  const cells: SweepCell[] = combos.flatMap((combo) => {
    const label = combo.map((c, i) => `${o.grid[i].key}=${valueLabel(c.value)}`).join(',');
    return o.seeds.map((seed) => ({ label, seed, overrides: combo, dir: join(dir, 'cells', `${label.replace(/[^A-Za-z0-9.=,+-]/g, '_')}-s${seed}`), status: 'pending' as const }));
  });
  const plan = () => ({ experiment: o.experimentName, file: o.experimentFile, grid: o.grid, seeds: o.seeds, parallel: o.parallel, steps: o.steps ?? null, cells });
  out.writeJson('sweep.json', plan());
  o.progress.start(`sweep ${o.experimentName}: ${cells.length} cells`, cells.length);
  let next = 0, done = 0;
  const worker = async () => {
    while (next < cells.length) {
      const cell = cells[next++];
      await runCell(cell, o);
      done++;
      o.progress.note(`${cell.label} seed ${cell.seed}: ${cell.status}${cell.error ? ` (${cell.error})` : ''}`);
      o.progress.tick(done, cells.length);
      out.writeJson('sweep.json', plan());
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.parallel, cells.length) }, worker));
  o.progress.done();
  const files = writeComparison(out, o, cells);
  return { dir, cells, files };
}

export interface ComparisonRow {
  cell: string;
  values: Record<string, unknown>;
  seeds: number;
  failed: { seed: number; error: string }[];
  metrics: Record<string, { mean: number; std: number; n: number }>;
}

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
      failed: cs.filter((c) => c.status !== 'completed').map((c) => ({ seed: c.seed, error: c.error ?? c.status })),
      metrics,
    };
  });
}

function writeComparison(out: RunDir, o: SweepOptions, cells: SweepCell[]): string[] {
  const rows = compareCells(o.grid, cells);
  const files = [out.writeJson('comparison.json', { experiment: o.experimentName, grid: o.grid, seeds: o.seeds, rows })];
  const metricNames = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))];
  const f = (x: { mean: number; std: number } | undefined) => (x && Number.isFinite(x.mean) ? `${Number(x.mean.toPrecision(4))} ± ${Number(x.std.toPrecision(2))}` : '–');
  const md = [
    `# ${o.experimentName}: sweep over ${o.grid.map((g) => g.key).join(' × ')}, seeds ${o.seeds.join(', ')}`,
    '',
    'mean ± std over the seeds that completed',
    '',
    `| ${o.grid.map((g) => g.key).join(' | ')} | seeds ok | ${metricNames.join(' | ')} |`,
    `| ${o.grid.map(() => '---').join(' | ')} | --- | ${metricNames.map(() => '---:').join(' | ')} |`,
    ...rows.map((r) => `| ${o.grid.map((g) => valueLabel(r.values[g.key])).join(' | ')} | ${r.seeds}/${r.seeds + r.failed.length} | ${metricNames.map((m) => f(r.metrics[m])).join(' | ')} |`),
  ];
  const failed = rows.flatMap((r) => r.failed.map((x) => `- ${r.cell} seed ${x.seed}: ${x.error}`));
  if (failed.length) md.push('', '## Failed cells', '', ...failed);
  files.push(out.write('comparison.md', md.join('\n') + '\n'));
  // One chart per metric (at most 8): categories = first grid axis, series = the rest.
  const first = o.grid[0];
  const restLabels = [...new Set(rows.map((r) => o.grid.slice(1).map((g) => `${g.key}=${valueLabel(r.values[g.key])}`).join(',') || first.key))];
  for (const m of metricNames.slice(0, 8)) {
    const categories = first.values.map(valueLabel);
    const series = restLabels.map((rl) => {
      const pick = (cat: string) => rows.find((r) => valueLabel(r.values[first.key]) === cat && (o.grid.slice(1).map((g) => `${g.key}=${valueLabel(r.values[g.key])}`).join(',') || first.key) === rl)?.metrics[m];
      return { name: rl, values: categories.map((c) => pick(c)?.mean ?? NaN), errors: categories.map((c) => pick(c)?.std ?? NaN) };
    });
    files.push(out.write(`comparison-${m.replace(/[^A-Za-z0-9.=-]+/g, '_')}.png`, barChart({ title: `${o.experimentName}: ${m} (mean ± std over ${o.seeds.length} seeds)`, xLabel: first.key, yLabel: m, categories, series })));
  }
  return files;
}
