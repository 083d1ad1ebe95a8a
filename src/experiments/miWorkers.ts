/**
 * An MI benchmark's estimators trained at once in child processes (`"workers": N`): tfjs runs one
 * op at a time per process, and on small batches one OpenBLAS thread per process uses a core
 * better than two threads share one matmul (mi-matrix64: 22.9 ms a step on one thread, 15.6 ms on
 * two — 1.47×, against 2× for two processes). Each child trains one estimator (trainEstimator, the
 * same function as in-process runs) and sends back its metrics lines, progress and result over
 * the IPC channel (structured clone: typed arrays and NaN survive); the parent appends the lines
 * and collects the results in estimator order, so the run directory holds what an in-process run
 * at the same thread count writes.
 *
 * Stopping: a stop request (Ctrl-C reaches the children too; the parent also sends 'stop') ends
 * each running estimator after its current step and the run as interrupted (StopRequested), with
 * the metrics lines written so far, as in-process; the estimators not started yet never run. A child that dies without a result fails the run after the others
 * have finished and their metrics are written.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendName } from '../backend/backend.js';
import { localBlasThreads } from '../backend/blasThreads.js';
import { StopRequested } from '../train/loop.js';
import type { EstimatorRun, EstimatorRunContext } from './estimatorTraining.js';
import type { MiBenchmarkConfig, MiSetting } from './miBenchmarkConfig.js';

/** What the parent sends a child: one estimator of one setting to train. */
export interface MiWorkerJob {
  type: 'job';
  cfg: MiBenchmarkConfig;
  settingIndex: number;
  estimatorIndex: number;
  seed: number;
  backend: BackendName;
  divergenceLimit?: number;
}

/** What a child sends back. */
export type MiWorkerMessage =
  | { type: 'metrics'; record: Record<string, unknown> }
  | { type: 'tick'; done: number; total: number }
  | { type: 'note'; line: string }
  | { type: 'result'; run: EstimatorRun }
  /** stopped on request at this step (StopRequested in the child) */
  | { type: 'stopped'; step: number }
  | { type: 'error'; message: string };

/** The child's entry module, next to this one (.ts under tsx or vitest, .js once compiled). */
function workerEntry(): { path: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const path = fileURLToPath(new URL(`./miWorkerMain${ext}`, import.meta.url));
  // the sources need tsx's loader in the child, whoever started this process (the CLI, vitest)
  const execArgv = ext === '.ts' && !process.execArgv.some((a) => a.includes('tsx')) ? [...process.execArgv, '--import', 'tsx'] : process.execArgv;
  return { path, execArgv };
}

/**
 * Trains every estimator of `setting` (the `settingIndex`-th of settingsOf(cfg)) in up to `cfg.workers` child processes at once;
 * the runs in estimator order (those never started, after a stop, left out) and the children's
 * OpenBLAS thread count (the run record's is the parent's).
 */
export async function trainInWorkers(
  cfg: MiBenchmarkConfig,
  settingIndex: number,
  setting: MiSetting,
  ctx: EstimatorRunContext,
  backend: BackendName,
): Promise<{ runs: EstimatorRun[]; threads: string }> {
  const n = cfg.estimators.length;
  const workers = Math.min(cfg.workers, n);
  const threads = localBlasThreads(workers);
  const entry = workerEntry();
  const runs: (EstimatorRun | null)[] = Array(n).fill(null);
  const lines: Record<string, unknown>[][] = Array.from({ length: n }, () => []);
  const done = new Array<number>(n).fill(0);
  const errors: string[] = [];
  let stoppedAt = -1;
  const children = new Set<ChildProcess>();
  // a setting's own steps (`vary` may set them), not the file's
  const steps = setting.steps;
  let next = 0;
  ctx.progress.note(`${n} estimators, ${workers} at a time in child processes (OPENBLAS_NUM_THREADS=${threads} each)`);
  ctx.progress.start(`${n} estimators, ${workers} at a time`, n * steps);
  // the stop flag is polled here and passed on: children only see a signal from a terminal
  const poll = setInterval(() => {
    if (!ctx.shouldStop()) return;
    for (const c of children) if (c.connected) c.send({ type: 'stop' });
  }, 200);

  const runOne = (ei: number) =>
    new Promise<void>((resolve) => {
      let stderr = '';
      const child = fork(entry.path, [], {
        execArgv: entry.execArgv,
        env: { ...process.env, OPENBLAS_NUM_THREADS: threads },
        serialization: 'advanced',
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      children.add(child);
      child.stderr?.on('data', (d) => (stderr = (stderr + d.toString()).slice(-4000)));
      child.on('message', (m: MiWorkerMessage) => {
        if (m.type === 'metrics') lines[ei].push(m.record);
        else if (m.type === 'tick') {
          done[ei] = m.done;
          ctx.progress.tick(
            done.reduce((a, b) => a + b, 0),
            n * steps,
          );
        } else if (m.type === 'note') ctx.progress.note(m.line);
        else if (m.type === 'result') runs[ei] = m.run;
        else if (m.type === 'stopped') stoppedAt = Math.max(stoppedAt, m.step);
        else if (m.type === 'error') errors.push(`estimator ${ei + 1} of ${n}: ${m.message}`);
      });
      const job: MiWorkerJob = {
        type: 'job',
        cfg,
        settingIndex,
        estimatorIndex: ei,
        seed: ctx.seed,
        backend,
        ...(ctx.divergenceLimit !== undefined ? { divergenceLimit: ctx.divergenceLimit } : {}),
      };
      child.send(job);
      child.on('error', (e) => errors.push(`estimator ${ei + 1} of ${n}: could not start a worker: ${e.message}`));
      child.on('close', (code, signal) => {
        children.delete(child);
        if (runs[ei] === null && stoppedAt < 0 && !errors.some((e) => e.startsWith(`estimator ${ei + 1} of`))) {
          const tail = stderr.trim().split('\n').slice(-3).join(' | ');
          errors.push(`estimator ${ei + 1} of ${n}: its worker exited (${signal ?? `code ${code}`}) without a result${tail ? `: ${tail}` : ''}`);
        }
        resolve();
      });
    });

  const lane = async () => {
    while (next < n && !ctx.shouldStop()) await runOne(next++);
  };
  try {
    await Promise.all(Array.from({ length: workers }, lane));
  } finally {
    clearInterval(poll);
    ctx.progress.done();
  }
  for (let ei = 0; ei < n; ei++) for (const r of lines[ei]) ctx.appendMetrics(r);
  if (errors.length > 0) throw new Error(errors.join('; '));
  // as in-process: a stop ends the run as interrupted, with the metrics written so far
  if (stoppedAt >= 0) throw new StopRequested(stoppedAt);
  return { runs: runs.filter((r): r is EstimatorRun => r !== null), threads };
}
