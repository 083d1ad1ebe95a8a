/**
 * Runs one experiment end to end: read and validate the JSON, choose the backend, create the run
 * directory, record what describes the run (resolved config, seed, backend, git commit), run the
 * task, and write summary.json — also when the run fails or is interrupted, so a partial run
 * always leaves a readable record.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { initBackend, type BackendInfo } from '../backend/backend.js';
import { ConfigError, expectObject, num, parseConfigJson } from '../config/validate.js';
import { checkOutputDir } from '../io/outputDir.js';
import { claimRunDir, gitCommit, makeRunId, RunDir } from '../io/runDir.js';
import { packageVersion } from '../util/packageInfo.js';
import { DEFAULT_DIVERGENCE_LIMIT, DivergenceError, StopRequested } from '../train/loop.js';
import type { Progress, RunFailure, TaskResult } from './context.js';
import { AllDiverged, describeFailure } from './failures.js';
import { experimentErrors } from './schema.js';
import { TASKS, taskOf } from './tasks.js';

export interface RunOptions {
  steps?: number;
  seed?: number;
  backend?: string;
  /** root of run outputs (default outputs/); the run goes to <out>/<experiment>/<run-id>/. */
  out?: string;
  /** exact run directory (used by sweeps); overrides `out`. */
  runDir?: string;
  progress: Progress;
  shouldStop?: () => boolean;
  /** extra raw-config overrides at dotted paths (sweep grids), applied before validation. */
  overrides?: { path: string; value: unknown }[];
  /** an existing run directory to continue from its checkpoint (tasks that save one, e.g. ib). */
  resume?: string;
}

/**
 * `completed-with-failures`: some settings or estimators diverged and were stopped, the others ran
 * to the end and the tables and figures were written (failures listed in summary.json).
 * `failed`: the run ended on an error, or every part of it diverged.
 */
export type RunStatus = 'completed' | 'completed-with-failures' | 'failed' | 'interrupted';

export interface RunOutcome {
  status: RunStatus;
  dir: string;
  result?: TaskResult;
  error?: string;
  failures?: RunFailure[];
  /** `--resume` of a run that had already finished: nothing was run, the status is the run's. */
  alreadyFinished?: boolean;
  /** the backend that ran it (absent when nothing was run). */
  backend?: BackendInfo;
}

export function readExperimentFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read experiment file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (text.trim() === '') throw new ConfigError(`${file} is empty; expected a JSON object with a "task"`);
  let raw: unknown;
  try {
    raw = parseConfigJson(text, file);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const o = expectObject(raw, file);
  // "$schema" points an editor to schema/experiment.schema.json; the run has no use for it
  delete o.$schema;
  checkTaskGiven(o, file);
  if (o.name === undefined) o.name = basename(file).replace(/\.json$/, '');
  if (typeof o.name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(o.name)) {
    throw new ConfigError(`name must be letters, digits, '.', '_' or '-' (it names the output directory), got ${JSON.stringify(o.name)}`);
  }
  return o;
}

function checkTaskGiven(o: Record<string, unknown>, where?: string): void {
  if (o.task === undefined) throw new ConfigError(`task is missing${where ? ` in ${where}` : ''}; expected one of ${Object.keys(TASKS).join(', ')}`);
}

/**
 * Validates the config with its overrides applied; returns the task, the parsed config and the
 * run-wide `divergenceLimit` (every task: |MI estimate| or |mean critic output| beyond it, in nats,
 * stops that setting or estimator as diverged; default DEFAULT_DIVERGENCE_LIMIT).
 */
export function prepareConfig(raw: Record<string, unknown>, opts: Pick<RunOptions, 'steps' | 'seed' | 'overrides'>) {
  const copy = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
  // an editor's pointer to the JSON Schema, not part of the run's config
  delete copy.$schema;
  checkTaskGiven(copy);
  const task = taskOf(copy);
  if (opts.seed !== undefined) {
    if (!Number.isInteger(opts.seed) || opts.seed < 0) throw new ConfigError(`--seed must be a non-negative integer, got ${opts.seed}`);
    copy.seed = opts.seed;
  }
  if (opts.steps !== undefined) {
    if (!Number.isInteger(opts.steps) || opts.steps <= 0) throw new ConfigError(`--steps must be a positive integer, got ${opts.steps}`);
    task.overrideSteps(copy, opts.steps);
  }
  for (const o of opts.overrides ?? []) {
    const parts = o.path.split('.');
    let cur = copy as Record<string, unknown>;
    for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
    cur[parts[parts.length - 1]] = o.value;
  }
  if (copy.seed === undefined) copy.seed = 0;
  // the schema first (src/experiments/schema.ts): every field's type and range, named by its path
  const errors = experimentErrors(copy);
  if (errors.length) throw new ConfigError(errors[0]);
  // a run-wide guard, not part of any task's own config: taken out before the task parses the rest
  const divergenceLimit = num(copy, 'divergenceLimit', '', { default: DEFAULT_DIVERGENCE_LIMIT, exclusiveMin: 0 });
  const forTask = { ...copy };
  delete forTask.divergenceLimit;
  const cfg = task.parse(forTask);
  return { task, cfg, raw: copy, divergenceLimit };
}

/** What config.json records (and `--resume` compares): the task's parsed config and the run-wide guard. */
function recordedConfig(cfg: unknown, divergenceLimit: number): Record<string, unknown> {
  const c = cfg && typeof cfg === 'object' && 'source' in (cfg as object) ? { ...(cfg as object), source: undefined } : (cfg as object);
  return { ...c, divergenceLimit };
}

export async function runExperiment(raw: Record<string, unknown>, opts: RunOptions): Promise<RunOutcome> {
  const previous = opts.resume === undefined ? null : readResumedRun(opts.resume);
  // a resumed run keeps its seed unless --seed says otherwise (then the config check below fails)
  const {
    task,
    cfg,
    raw: resolvedRaw,
    divergenceLimit,
  } = prepareConfig(raw, previous && opts.seed === undefined ? { ...opts, seed: previous.run.seed as number } : opts);
  const seed = resolvedRaw.seed as number;
  const config = recordedConfig(cfg, divergenceLimit);
  if (previous) {
    // runs recorded before divergenceLimit existed ran with the default
    checkResumedConfig({ divergenceLimit: DEFAULT_DIVERGENCE_LIMIT, ...(previous.config as object) }, config, opts.resume!);
    if (previous.finished) {
      // nothing to do, and nothing is written: the caller says so (the CLI exits 0)
      const status = previous.finished.status as RunStatus;
      return { status, dir: opts.resume!, alreadyFinished: true, error: typeof previous.finished.error === 'string' ? previous.finished.error : undefined };
    }
  }
  // nothing is written before the output directory is known to be usable
  if (!previous) checkOutputDir(opts.runDir ?? opts.out ?? 'outputs', opts.runDir ? '--run-dir' : '--out');
  let backend: BackendInfo;
  try {
    backend = await initBackend({ requested: opts.backend });
  } catch (e) {
    // an unknown or uninstalled backend is the user's to fix: one line with the install hint
    throw new ConfigError((e as Error).message);
  }
  const dir = opts.resume ?? opts.runDir ?? claimRunDir(resolve(opts.out ?? 'outputs', String(resolvedRaw.name)), makeRunId(seed));
  const out = new RunDir(dir);
  const started = new Date();
  const commit = gitCommit();
  const record = {
    experiment: resolvedRaw.name,
    task: resolvedRaw.task,
    seed,
    backend: {
      name: backend.name,
      tfBackend: backend.tfBackend,
      forced: backend.forced,
      skipped: backend.skipped,
      tfjs: backend.tfjsVersion,
      kernels: backend.kernels,
      kernelsNote: backend.kernelsNote,
    },
    infobound: packageVersion(),
    gitCommit: commit,
    node: process.version,
    argv: process.argv.slice(2),
    pid: process.pid,
    startedAt: started.toISOString(),
    ...(previous
      ? {
          startedAt: previous.run.startedAt,
          resumes: [
            ...((previous.run.resumes as unknown[]) ?? []),
            { at: started.toISOString(), pid: process.pid, argv: process.argv.slice(2), gitCommit: commit, backend: backend.name },
          ],
        }
      : {}),
  };
  if (!previous) out.writeJson('config.json', config);
  out.writeJson('run.json', record);
  opts.progress.note(`run ${resolvedRaw.name} seed ${seed} on backend ${backend.name} → ${dir}`);
  const t0 = performance.now();
  const finish = (status: RunOutcome['status'], extra: Record<string, unknown>) =>
    out.writeJson('summary.json', { ...record, status, wallSeconds: (performance.now() - t0) / 1000, finishedAt: new Date().toISOString(), ...extra });
  try {
    const result = await task.run(cfg, {
      seed,
      out,
      backend,
      progress: opts.progress,
      shouldStop: opts.shouldStop ?? (() => false),
      resume: previous !== null,
      divergenceLimit,
    });
    const failures = result.failures ?? [];
    const status: RunStatus = failures.length ? 'completed-with-failures' : 'completed';
    finish(status, {
      metrics: result.metrics,
      rows: result.rows,
      files: result.files.map((f) => basename(f)),
      ...(failures.length ? { failures, error: failures.map(describeFailure).join('; ') } : {}),
    });
    return { status, dir, result, backend, ...(failures.length ? { failures, error: failures.map(describeFailure).join('; ') } : {}) };
  } catch (e) {
    const interrupted = e instanceof StopRequested;
    const expected = e instanceof DivergenceError || e instanceof AllDiverged || interrupted || e instanceof ConfigError;
    const msg = expected ? (e as Error).message : ((e as Error).stack ?? String(e));
    const failures = e instanceof AllDiverged ? e.failures : undefined;
    finish(interrupted ? 'interrupted' : 'failed', { error: msg, ...(failures ? { failures } : {}) });
    return { status: interrupted ? 'interrupted' : 'failed', dir, error: (e as Error).message, backend, ...(failures ? { failures } : {}) };
  }
}

/**
 * The record of a run to resume: its run.json and config.json, and its summary when its latest
 * attempt finished for good (completed, with or without diverged parts): such a run has nothing
 * left to resume. An interrupted or failed attempt is resumed from its checkpoint.
 */
function readResumedRun(dir: string): { run: Record<string, unknown>; config: unknown; finished: Record<string, unknown> | null } {
  const read = (f: string) => {
    const p = resolve(dir, f);
    if (!existsSync(p)) throw new ConfigError(`--resume ${dir}: no ${f} there (not a run directory?)`);
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`--resume ${dir}: ${f} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  };
  const run = read('run.json');
  // two processes must never write one run directory: refuse while the run's process is alive
  const resumes = (run.resumes as { at: string; pid?: number }[] | undefined) ?? [];
  const latest = resumes.length ? resumes[resumes.length - 1] : { at: run.startedAt as string, pid: run.pid as number | undefined };
  const summary = existsSync(resolve(dir, 'summary.json')) ? read('summary.json') : null;
  const finished = summary !== null && String(summary.finishedAt) >= latest.at;
  if (!finished && typeof latest.pid === 'number' && latest.pid !== process.pid && processAlive(latest.pid)) {
    throw new ConfigError(`--resume ${dir}: the run is still going (process ${latest.pid}); stop it first (Ctrl-C saves its state at the last finished epoch)`);
  }
  const done = finished && (summary.status === 'completed' || summary.status === 'completed-with-failures');
  return { run, config: read('config.json'), finished: done ? summary : null };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A resumed run must have the config it started with; the first differing field is named. */
function checkResumedConfig(saved: unknown, now: unknown, dir: string): void {
  const norm = (v: unknown) => JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x))) as unknown;
  const diff = (a: unknown, b: unknown, path: string): string | null => {
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return JSON.stringify(a) === JSON.stringify(b) ? null : path || '(root)';
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return null;
  };
  const d = diff(norm(saved), norm(now), '');
  if (d) throw new ConfigError(`--resume ${dir}: the config differs from the run's config.json at ${d}; resume with the same experiment file and flags`);
}
