/**
 * The one training loop. Models differ by their `step`; the loop owns what every run needs:
 * logging every `logEvery` steps, progress, divergence detection (a NaN/∞, or a guarded number
 * beyond its limit: stop with a clear message, keep what was logged), a stop request (Ctrl-C), and
 * a tensor-count check that catches leaks early.
 *
 * The loop is async only to let the event loop breathe: steps are synchronous tfjs work, so without
 * a yield a SIGINT handler (which sets the stop flag) would never run until the loop ended. It
 * yields (setImmediate, which lets signal callbacks run first) when ≥ YIELD_MS passed since the last
 * yield: a few yields per second cost nothing next to a step.
 */
import * as tf from '@tensorflow/tfjs';

export type StepNumbers = Record<string, number>;

/** Time between yields to the event loop (signal handlers run then). */
export const YIELD_MS = 50;

/**
 * The default divergence limit, in nats: no MI estimate or mean critic output of a working run
 * comes near it (MI of the shipped experiments is ≤ ~10 nats; log N bounds InfoNCE), while a
 * diverging DV-family critic (MINE without the moving average, biased MINE at small batches) runs
 * off to ±1e17.
 */
export const DEFAULT_DIVERGENCE_LIMIT = 1e4;

/** A run that left the plausible range: `field` was `value` at `step` (non-finite, or beyond the limit). */
export class DivergenceError extends Error {
  constructor(
    readonly step: number,
    readonly field: string,
    readonly value: number,
    message: string,
  ) {
    super(message);
    this.name = 'DivergenceError';
  }
}

export class NonFiniteError extends DivergenceError {
  constructor(step: number, field: string, value: number) {
    super(step, field, value, `training produced ${value} in "${field}" at step ${step}; stopping (metrics up to the previous step are kept)`);
    this.name = 'NonFiniteError';
  }
}

export class LimitExceededError extends DivergenceError {
  constructor(
    step: number,
    field: string,
    value: number,
    readonly limit: number,
  ) {
    super(
      step,
      field,
      value,
      `"${field}" reached ${value.toPrecision(4)} at step ${step}, beyond the divergence limit ±${limit} (divergenceLimit); stopping (metrics up to the previous step are kept)`,
    );
    this.name = 'LimitExceededError';
  }
}

export class StopRequested extends Error {
  constructor(readonly step: number) {
    super(`stopped on request at step ${step}`);
    this.name = 'StopRequested';
  }
}

export interface LoopOptions {
  steps: number;
  /** first step (resume); default 0. */
  startStep?: number;
  logEvery: number;
  step(i: number): StepNumbers;
  /** called every logEvery steps and at the last step, with that step's numbers. */
  onLog?(i: number, numbers: StepNumbers): void;
  /** called after every step with (done, total) for progress display. */
  onProgress?(done: number, total: number): void;
  /** fields allowed to be non-finite (e.g. an estimate that is undefined early). */
  allowNonFinite?: string[];
  /** fields whose |value| must stay ≤ limit (MI estimates, critic outputs); beyond it the run diverged. */
  divergence?: { fields: readonly string[]; limit: number };
  /** polled after every step; true ends the loop normally there (a goal reached, e.g. all modes covered). */
  until?(): boolean;
  /** polled after every step; true stops the loop with StopRequested. */
  shouldStop?(): boolean;
  /** tensors allowed to appear over the whole loop (lazily created optimizer slots); default 64. */
  leakTolerance?: number;
}

export interface LoopResult {
  steps: number;
  /** tf.memory().numTensors after the first step and at the end. */
  tensorsAfterFirstStep: number;
  tensorsAtEnd: number;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function runLoop(o: LoopOptions): Promise<LoopResult> {
  const start = o.startStep ?? 0;
  let afterFirst = -1;
  const allowed = new Set(o.allowNonFinite ?? []);
  const guarded = o.divergence ? o.divergence.fields : [];
  const limit = o.divergence?.limit ?? Infinity;
  let lastYield = performance.now();
  let end = o.steps;
  for (let i = start; i < o.steps; i++) {
    const numbers = o.step(i);
    for (const [k, v] of Object.entries(numbers)) {
      if (!Number.isFinite(v) && !allowed.has(k)) throw new NonFiniteError(i, k, v);
    }
    for (const k of guarded) {
      const v = numbers[k];
      if (v !== undefined && Math.abs(v) > limit) throw new LimitExceededError(i, k, v, limit);
    }
    // Adam's slots appear on the first minimize; after the first two steps the count must stay flat.
    if (i === start + 1) afterFirst = tf.memory().numTensors;
    const reached = o.until?.() ?? false;
    if ((i + 1) % o.logEvery === 0 || i === o.steps - 1 || i === start || reached) o.onLog?.(i, numbers);
    o.onProgress?.(reached ? o.steps - start : i + 1 - start, o.steps - start);
    if (reached) {
      end = i + 1;
      break;
    }
    if (performance.now() - lastYield >= YIELD_MS) {
      await nextTurn();
      lastYield = performance.now();
    }
    if (o.shouldStop?.()) throw new StopRequested(i);
  }
  const tensors = tf.memory().numTensors;
  if (afterFirst >= 0 && tensors - afterFirst > (o.leakTolerance ?? 64)) {
    throw new Error(`tensor leak: ${tensors - afterFirst} tensors appeared between step ${start + 1} and step ${end} (${afterFirst} → ${tensors})`);
  }
  return { steps: end - start, tensorsAfterFirstStep: afterFirst, tensorsAtEnd: tensors };
}
