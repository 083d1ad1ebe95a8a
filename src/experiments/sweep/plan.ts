/**
 * A sweep's plan: the grid × seeds of cells, validated against the experiment before anything is
 * created, and the sweep directory's record (sweep.json) that every executor reads and updates.
 *
 * Layout of a sweep directory (outputs/<experiment>/sweep-<id>/):
 *   sweep.json        the plan, the executor and its settings, and each cell's status
 *   cells/<cell>/     one run directory per cell (what `infobound run --run-dir` writes)
 *   attempts/<cell>.N earlier attempts of a cell that `sweep resume` ran again
 *   sweep.sbatch      Slurm only: the job-array script, one array task per cell
 *   logs/<job>_<task>.out  Slurm only: each array task's output
 *   comparison.json, comparison.md, comparison-<metric>.png/.svg (bars); over a numeric key also
 *   comparison-<metric>-vs-<key>.png/.svg and coverage-precision-vs-<key>.png/.svg (collect.ts)
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ConfigError } from '../../config/validate.js';
import { claimRunDir, makeRunId, RunDir } from '../../io/runDir.js';
import { labelOfEstimator, type MiBenchmarkConfig } from '../miBenchmarkConfig.js';
import { cartesian } from '../paths.js';
import { prepareConfig } from '../runExperiment.js';

/** Short grid keys users type, per task, mapped to config paths. */
const ALIASES: Record<string, Record<string, string>> = {
  gan: { beta: 'mi.beta', estimator: 'mi.estimator', clip: 'mi.clip' },
  infogan: { beta: 'mi.beta', estimator: 'mi.estimator', clip: 'mi.clip' },
  'mi-benchmark': { estimator: 'estimators', rho: 'data.rho' },
  ib: { beta: 'mi.beta', estimator: 'mi.estimator', encoder: 'encoder.kind', rate: 'rate', clip: 'mi.clip' },
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
  const values = m[2].split(',').map((v, i) => {
    const t = v.trim();
    if (t === '') throw new ConfigError(`--grid ${arg}: value ${i + 1} is empty; expected key=value1,value2,… with no empty values`);
    if (t === 'true' || t === 'false') return t === 'true';
    if (Number.isFinite(Number(t))) return Number(t);
    return t;
  });
  // the MI benchmark takes a list of estimators: one per cell
  return { key, path, values: path === 'estimators' ? values.map((v) => [v]) : values };
}

export const valueLabel = (v: unknown): string => (Array.isArray(v) ? v.map(valueLabel).join('+') : typeof v === 'object' ? JSON.stringify(v) : String(v));

/**
 * pending: not started (queued, or never ran); running; completed; failed (the run failed, or the
 * process died without a summary); interrupted (stopped by a signal); timeout (Slurm's time limit);
 * cancelled (scancel).
 */
export type CellStatus = 'pending' | 'running' | 'completed' | 'failed' | 'interrupted' | 'timeout' | 'cancelled';

export interface SweepCell {
  /** the cell's position in the plan; also its Slurm array task id. */
  index: number;
  label: string;
  seed: number;
  overrides: { path: string; value: unknown }[];
  dir: string;
  status: CellStatus;
  error?: string;
  /** the cell's summary metrics, named for comparison (see metricPrefix). */
  metrics?: Record<string, number>;
  /**
   * The prefix stripped from the cell's metric names so that cells line up: an MI benchmark names
   * its metrics `<estimator>.bias`; in an estimator sweep each cell has one estimator.
   */
  metricPrefix?: string;
  /** the Slurm array task that runs (or ran) the cell, and its output file. */
  slurm?: { jobId: string; taskId: number; log: string };
  /** earlier attempts, moved to attempts/<cell>.<n> by `sweep resume`. */
  attempts?: number;
}

/** One grid point of a comparison: mean ± population std of each metric over the seeds that completed. */
export interface ComparisonRow {
  cell: string;
  values: Record<string, unknown>;
  seeds: number;
  failed: { seed: number; error: string }[];
  metrics: Record<string, { mean: number; std: number; n: number }>;
}

export interface SlurmSettings {
  partition?: string;
  time?: string;
  cpusPerTask: number;
  mem?: string;
  gpus?: string;
  /** extra sbatch arguments, passed as given (after the script's own directives, so they win). */
  sbatchArgs: string[];
  /** at most this many array tasks at once (sbatch --array=…%P); none: as many as Slurm allows. */
  maxRunning?: number;
}

export type ExecutorKind = 'local' | 'slurm';

export interface SweepRecord {
  experiment: string;
  task: string;
  file: string;
  grid: GridAxis[];
  seeds: number[];
  steps: number | null;
  backend: string | null;
  /** local: cells at once. */
  parallel: number;
  executor: ExecutorKind;
  /** the command that runs a cell, up to `run`: [node, ...node flags, the infobound CLI], absolute. */
  command: string[];
  /** the working directory cells run in. */
  cwd: string;
  createdAt: string;
  /** local: the process running the sweep (a live one owns sweep.json). */
  local?: { pid: number; host: string };
  slurm?: SlurmSettings & { jobs: { jobId: string; cells: number[]; submittedAt: string }[] };
  cells: SweepCell[];
}

export interface PlanOptions {
  raw: Record<string, unknown>;
  file: string;
  grid: GridAxis[];
  seeds: number[];
  steps?: number;
  backend?: string;
  parallel: number;
  executor: ExecutorKind;
  command: string[];
  cwd: string;
  slurm?: SlurmSettings;
}

/** The cell directory name: its label made safe for a file name, and its seed. */
const cellName = (label: string, seed: number) => `${label.replace(/[^A-Za-z0-9.=,+-]/g, '_')}-s${seed}`;

/** A cell runs with the file's `vary` switched off: a sweep cell is one setting. */
const cellOverrides = (combo: { path: string; value: unknown }[]) => [...combo, { path: 'vary', value: {} }];

/**
 * Checks every grid value and every cell's config exactly as the cell's `infobound run` will
 * (prepareConfig with the same overrides), before anything is created. Each value is first tried
 * alone, so an error names the grid key and value that caused it.
 */
export function validatePlan(o: Pick<PlanOptions, 'raw' | 'grid' | 'seeds' | 'steps'>): void {
  if (o.grid.length === 0) throw new ConfigError('sweep: give at least one --grid key=v1,v2,…');
  if (o.seeds.length === 0) throw new ConfigError('--seeds must be ≥ 1');
  const tryConfig = (what: string, overrides: { path: string; value: unknown }[], seed: number) => {
    try {
      return prepareConfig(o.raw, { seed, steps: o.steps, overrides: cellOverrides(overrides) });
    } catch (e) {
      // a non-object on the way to a path (e.g. batchSize.x) is a TypeError from the setter
      const msg = e instanceof ConfigError || e instanceof TypeError ? e.message : String(e);
      throw new ConfigError(`${what}: ${msg}`);
    }
  };
  const twice = o.grid.map((g) => g.key).find((k, i, all) => all.indexOf(k) !== i);
  if (twice !== undefined) throw new ConfigError(`--grid ${twice} is given twice; give its values in one --grid ${twice}=v1,v2,…`);
  for (const s of o.seeds) tryConfig(`--seed ${s}`, [], s);
  for (const g of o.grid) {
    const dup = g.values.map(valueLabel).find((v, i, all) => all.indexOf(v) !== i);
    if (dup !== undefined) throw new ConfigError(`--grid ${g.key}: the value ${dup} appears twice`);
    for (const v of g.values) tryConfig(`--grid ${g.key}=${valueLabel(v)}`, [{ path: g.path, value: v }], o.seeds[0]);
  }
  if (o.grid.length > 1) for (const combo of cartesian(o.grid)) tryConfig(`grid point ${labelOfCombo(o.grid, combo)}`, combo, o.seeds[0]);
}

const labelOfCombo = (grid: GridAxis[], combo: { value: unknown }[]) => combo.map((c, i) => `${grid[i].key}=${valueLabel(c.value)}`).join(',');

/** The prefix of an MI benchmark cell's metrics when the cell has a single estimator. */
function metricPrefixOf(raw: Record<string, unknown>, combo: { path: string; value: unknown }[], seed: number, steps?: number): string | undefined {
  if (raw.task !== 'mi-benchmark' || !combo.some((c) => c.path === 'estimators')) return undefined;
  const cfg = prepareConfig(raw, { seed, steps, overrides: cellOverrides(combo) }).cfg as MiBenchmarkConfig;
  return cfg.estimators.length === 1 ? labelOfEstimator(cfg.estimators[0], cfg.estimatorCritics[0]) : undefined;
}

/** Validates the plan, then creates the sweep directory and writes sweep.json with every cell pending. */
export function createSweep(o: PlanOptions, outRoot: string): Sweep {
  validatePlan(o);
  const name = String(o.raw.name);
  const combos = cartesian(o.grid.map((g) => ({ path: g.path, values: g.values })));
  const cells: Omit<SweepCell, 'dir'>[] = combos.flatMap((combo) => {
    const label = labelOfCombo(o.grid, combo);
    const metricPrefix = metricPrefixOf(o.raw, combo, o.seeds[0], o.steps);
    return o.seeds.map((seed) => ({ index: 0, label, seed, overrides: combo, status: 'pending' as const, ...(metricPrefix ? { metricPrefix } : {}) }));
  });
  const dir = claimRunDir(join(outRoot, name), `sweep-${makeRunId(o.seeds[0])}`);
  const record: SweepRecord = {
    experiment: name,
    task: String(o.raw.task),
    file: o.file,
    grid: o.grid,
    seeds: o.seeds,
    steps: o.steps ?? null,
    backend: o.backend ?? null,
    parallel: o.parallel,
    executor: o.executor,
    command: o.command,
    cwd: o.cwd,
    createdAt: new Date().toISOString(),
    ...(o.slurm ? { slurm: { ...o.slurm, jobs: [] } } : {}),
    cells: cells.map((c, index) => ({ ...c, index, dir: join(dir, 'cells', cellName(c.label, c.seed)) })),
  };
  const sweep = new Sweep(dir, record);
  sweep.save();
  return sweep;
}

export class Sweep {
  private readonly out: RunDir;
  constructor(
    readonly dir: string,
    public record: SweepRecord,
  ) {
    this.out = new RunDir(dir);
  }

  /** Reads a sweep directory's sweep.json; cell directories are taken relative to where it is now. */
  static load(dirArg: string): Sweep {
    const dir = resolve(dirArg);
    const p = join(dir, 'sweep.json');
    if (!existsSync(p)) throw new ConfigError(`${dirArg}: not a sweep directory (no sweep.json); expected outputs/<experiment>/sweep-<id>`);
    let rec: SweepRecord;
    try {
      rec = JSON.parse(readFileSync(p, 'utf8')) as SweepRecord;
    } catch (e) {
      throw new ConfigError(`${p}: not valid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(rec.cells) || !Array.isArray(rec.grid)) throw new ConfigError(`${p}: expected a sweep record with "grid" and "cells"`);
    // sweeps written before executors existed ran locally and had no cell indexes
    rec.executor ??= 'local';
    rec.cells.forEach((c, i) => {
      c.index ??= i;
      c.dir = join(dir, 'cells', basename(c.dir));
    });
    return new Sweep(dir, rec);
  }

  /**
   * Reads sweep.json again (another process, e.g. `sweep resume`, may have changed it), updating
   * this record in place so that references to its cells stay valid.
   */
  reload(): void {
    const fresh = Sweep.load(this.dir).record;
    const cells = this.record.cells;
    for (const c of fresh.cells) {
      const mine = cells[c.index];
      if (!mine) continue;
      for (const k of Object.keys(mine) as (keyof SweepCell)[]) if (!(k in c)) delete mine[k];
      Object.assign(mine, c);
    }
    Object.assign(this.record, { ...fresh, cells });
  }

  save(): string {
    return this.out.writeJson('sweep.json', this.record);
  }

  path(name: string): string {
    return this.out.path(name);
  }

  write(name: string, data: string | Buffer): string {
    return this.out.write(name, data);
  }

  writeJson(name: string, value: unknown): string {
    return this.out.writeJson(name, value);
  }

  /** Before a cell runs again: its previous run directory moves to attempts/<cell>.<n>. */
  retire(cell: SweepCell): void {
    if (existsSync(cell.dir)) {
      mkdirSync(this.path('attempts'), { recursive: true });
      let n = (cell.attempts ?? 0) + 1;
      while (existsSync(join(this.path('attempts'), `${basename(cell.dir)}.${n}`))) n++;
      renameSync(cell.dir, join(this.path('attempts'), `${basename(cell.dir)}.${n}`));
      cell.attempts = n;
    }
    cell.status = 'pending';
    delete cell.error;
    delete cell.metrics;
    delete cell.slurm;
  }
}

/** The arguments after the command that run one cell: `run <file> --seed S --run-dir DIR --set …`. */
export function cellArgs(rec: SweepRecord, cell: SweepCell): string[] {
  const args = ['run', rec.file, '--seed', String(cell.seed), '--run-dir', cell.dir];
  for (const ov of cellOverrides(cell.overrides)) args.push('--set', `${ov.path}=${JSON.stringify(ov.value)}`);
  if (rec.steps !== null) args.push('--steps', String(rec.steps));
  if (rec.backend) args.push('--backend', rec.backend);
  return args;
}

export const isFinished = (s: CellStatus) => s !== 'pending' && s !== 'running';

export interface CellCounts {
  done: number;
  running: number;
  pending: number;
  failed: number;
}

/** done = completed; failed = finished any other way. */
export function countCells(cells: SweepCell[]): CellCounts {
  const n = { done: 0, running: 0, pending: 0, failed: 0 };
  for (const c of cells) {
    if (c.status === 'completed') n.done++;
    else if (c.status === 'running') n.running++;
    else if (c.status === 'pending') n.pending++;
    else n.failed++;
  }
  return n;
}

export const formatCounts = (n: CellCounts) => `${n.done} done, ${n.running} running, ${n.pending} pending, ${n.failed} failed`;
