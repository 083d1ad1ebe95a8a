/** What a task receives to run: its resolved config, seed, output directory and reporters. */
import type { RunDir } from '../io/runDir.js';
import type { BackendInfo } from '../backend/backend.js';

export interface Progress {
  /** starts a named phase of `total` steps (one cell of a benchmark, one epoch, …). */
  start(label: string, total: number): void;
  tick(done: number, total: number): void;
  done(): void;
  /** a line of text that stays (results as they come). */
  note(line: string): void;
}

export interface RunContext {
  seed: number;
  out: RunDir;
  backend: BackendInfo;
  progress: Progress;
  /** polled between steps: true when the user asked to stop (SIGINT). */
  shouldStop(): boolean;
  /** true when `--resume` reuses this run directory: the task continues from its checkpoint. */
  resume?: boolean;
  /**
   * |MI estimate| or |mean critic output| beyond this many nats means the run diverged (the
   * experiment's `divergenceLimit`, default DEFAULT_DIVERGENCE_LIMIT in src/train/loop.ts).
   */
  divergenceLimit?: number;
}

export interface TaskResult {
  /** final figures, flat name → number (what sweeps compare). */
  metrics: Record<string, number>;
  /** benchmark rows (MI tasks: estimator, trueMI, mean, bias, variance, mse). */
  rows?: Record<string, unknown>[];
  /** files written into the run directory (PNGs, tables). */
  files: string[];
  /** settings or estimators that diverged and were stopped while the others ran to the end. */
  failures?: RunFailure[];
}

/** One diverged part of a multi-setting or multi-estimator run (src/experiments/failures.ts). */
export interface RunFailure {
  setting: string;
  /** the estimator, in an MI benchmark. */
  estimator?: string;
  /** the step at which it diverged, the number that did, and its value. */
  step: number;
  quantity: string;
  value: number;
  error: string;
}

export const silentProgress: Progress = { start() {}, tick() {}, done() {}, note() {} };
