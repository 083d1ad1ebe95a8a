/**
 * Runs one experiment end to end: read and validate the JSON, choose the backend, create the run
 * directory, record what describes the run (resolved config, seed, backend, git commit), run the
 * task, and write summary.json — also when the run fails or is interrupted, so a partial run
 * always leaves a readable record.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { initBackend, type BackendInfo } from '../backend/backend.js';
import { ConfigError, expectObject } from '../config/validate.js';
import { claimRunDir, makeRunId, RunDir } from '../io/runDir.js';
import { NonFiniteError, StopRequested } from '../train/loop.js';
import type { Progress, TaskResult } from './context.js';
import { taskOf } from './tasks.js';

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

export interface RunOutcome {
  status: 'completed' | 'failed' | 'interrupted';
  dir: string;
  result?: TaskResult;
  error?: string;
  backend: BackendInfo;
}

export function readExperimentFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read experiment file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const o = expectObject(raw, file);
  if (o.name === undefined) o.name = basename(file).replace(/\.json$/, '');
  if (typeof o.name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(o.name)) {
    throw new ConfigError(`name must be letters, digits, '.', '_' or '-' (it names the output directory), got ${JSON.stringify(o.name)}`);
  }
  return o;
}

/** Validates the config with its overrides applied; returns the task and parsed config. */
export function prepareConfig(raw: Record<string, unknown>, opts: Pick<RunOptions, 'steps' | 'seed' | 'overrides'>) {
  const copy = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
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
  const cfg = task.parse(copy);
  return { task, cfg, raw: copy };
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return null;
  }
}

export async function runExperiment(raw: Record<string, unknown>, opts: RunOptions): Promise<RunOutcome> {
  const previous = opts.resume === undefined ? null : readResumedRun(opts.resume);
  // a resumed run keeps its seed unless --seed says otherwise (then the config check below fails)
  const { task, cfg, raw: resolvedRaw } = prepareConfig(raw, previous && opts.seed === undefined ? { ...opts, seed: previous.run.seed as number } : opts);
  const seed = resolvedRaw.seed as number;
  if (previous) checkResumedConfig(previous.config, cfg, opts.resume!);
  const backend = await initBackend({ requested: opts.backend });
  const dir = opts.resume ?? opts.runDir ?? claimRunDir(resolve(opts.out ?? 'outputs', String(resolvedRaw.name)), makeRunId(seed));
  const out = new RunDir(dir);
  const started = new Date();
  const record = {
    experiment: resolvedRaw.name,
    task: resolvedRaw.task,
    seed,
    backend: { name: backend.name, tfBackend: backend.tfBackend, forced: backend.forced, skipped: backend.skipped, tfjs: backend.tfjsVersion, kernels: backend.kernels, kernelsNote: backend.kernelsNote },
    gitCommit: gitCommit(),
    node: process.version,
    argv: process.argv.slice(2),
    pid: process.pid,
    startedAt: started.toISOString(),
    ...(previous ? { startedAt: previous.run.startedAt, resumes: [...((previous.run.resumes as unknown[]) ?? []), { at: started.toISOString(), pid: process.pid, argv: process.argv.slice(2), gitCommit: gitCommit(), backend: backend.name }] } : {}),
  };
  if (!previous) out.writeJson('config.json', cfg && typeof cfg === 'object' && 'source' in (cfg as object) ? { ...(cfg as object), source: undefined } : cfg);
  out.writeJson('run.json', record);
  opts.progress.note(`run ${resolvedRaw.name} seed ${seed} on backend ${backend.name} → ${dir}`);
  const t0 = performance.now();
  const finish = (status: RunOutcome['status'], extra: Record<string, unknown>) =>
    out.writeJson('summary.json', { ...record, status, wallSeconds: (performance.now() - t0) / 1000, finishedAt: new Date().toISOString(), ...extra });
  try {
    const result = await task.run(cfg, { seed, out, backend, progress: opts.progress, shouldStop: opts.shouldStop ?? (() => false), resume: previous !== null });
    finish('completed', { metrics: result.metrics, rows: result.rows, files: result.files.map((f) => basename(f)) });
    return { status: 'completed', dir, result, backend };
  } catch (e) {
    const interrupted = e instanceof StopRequested;
    const msg = e instanceof NonFiniteError || interrupted || e instanceof ConfigError ? (e as Error).message : ((e as Error).stack ?? String(e));
    finish(interrupted ? 'interrupted' : 'failed', { error: msg });
    return { status: interrupted ? 'interrupted' : 'failed', dir, error: (e as Error).message, backend };
  }
}

/** The record of a run to resume: its run.json and config.json. */
function readResumedRun(dir: string): { run: Record<string, unknown>; config: unknown } {
  const read = (f: string) => {
    const p = resolve(dir, f);
    if (!existsSync(p)) throw new ConfigError(`--resume ${dir}: no ${f} there (not a run directory?)`);
    return JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
  };
  const run = read('run.json');
  // two processes must never write one run directory: refuse while the run's process is alive
  const resumes = (run.resumes as { at: string; pid?: number }[] | undefined) ?? [];
  const latest = resumes.length ? resumes[resumes.length - 1] : { at: run.startedAt as string, pid: run.pid as number | undefined };
  const summaryPath = resolve(dir, 'summary.json');
  const finished = existsSync(summaryPath) && String((JSON.parse(readFileSync(summaryPath, 'utf8')) as { finishedAt?: string }).finishedAt) >= latest.at;
  if (!finished && typeof latest.pid === 'number' && latest.pid !== process.pid && processAlive(latest.pid)) {
    throw new ConfigError(`--resume ${dir}: the run is still going (process ${latest.pid}); stop it first (Ctrl-C saves its state at the last finished epoch)`);
  }
  return { run, config: read('config.json') };
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
