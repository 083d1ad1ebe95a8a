/**
 * Runs one experiment end to end: read and validate the JSON, choose the backend, create the run
 * directory, record what describes the run (resolved config, seed, backend, git commit), run the
 * task, and write summary.json — also when the run fails or is interrupted, so a partial run
 * always leaves a readable record.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  const { task, cfg, raw: resolvedRaw } = prepareConfig(raw, opts);
  const seed = resolvedRaw.seed as number;
  const backend = await initBackend({ requested: opts.backend });
  const dir = opts.runDir ?? claimRunDir(resolve(opts.out ?? 'outputs', String(resolvedRaw.name)), makeRunId(seed));
  const out = new RunDir(dir);
  const started = new Date();
  const record = {
    experiment: resolvedRaw.name,
    task: resolvedRaw.task,
    seed,
    backend: { name: backend.name, tfBackend: backend.tfBackend, forced: backend.forced, skipped: backend.skipped, tfjs: backend.tfjsVersion },
    gitCommit: gitCommit(),
    node: process.version,
    argv: process.argv.slice(2),
    startedAt: started.toISOString(),
  };
  out.writeJson('config.json', cfg && typeof cfg === 'object' && 'source' in (cfg as object) ? { ...(cfg as object), source: undefined } : cfg);
  out.writeJson('run.json', record);
  opts.progress.note(`run ${resolvedRaw.name} seed ${seed} on backend ${backend.name} → ${dir}`);
  const t0 = performance.now();
  const finish = (status: RunOutcome['status'], extra: Record<string, unknown>) =>
    out.writeJson('summary.json', { ...record, status, wallSeconds: (performance.now() - t0) / 1000, finishedAt: new Date().toISOString(), ...extra });
  try {
    const result = await task.run(cfg, { seed, out, backend, progress: opts.progress, shouldStop: opts.shouldStop ?? (() => false) });
    finish('completed', { metrics: result.metrics, rows: result.rows, files: result.files.map((f) => basename(f)) });
    return { status: 'completed', dir, result, backend };
  } catch (e) {
    const interrupted = e instanceof StopRequested;
    const msg = e instanceof NonFiniteError || interrupted || e instanceof ConfigError ? (e as Error).message : ((e as Error).stack ?? String(e));
    finish(interrupted ? 'interrupted' : 'failed', { error: msg });
    return { status: interrupted ? 'interrupted' : 'failed', dir, error: (e as Error).message, backend };
  }
}
