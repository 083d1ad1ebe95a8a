/**
 * The one training loop. Models differ by their `step`; the loop owns what every run needs:
 * logging every `logEvery` steps, progress, NaN detection (stop with a clear message, keep what was
 * logged), a stop request (Ctrl-C), and a tensor-count check that catches leaks early.
 */
import * as tf from '@tensorflow/tfjs';

export type StepNumbers = Record<string, number>;

export class NonFiniteError extends Error {
  constructor(readonly step: number, readonly field: string, readonly value: number) {
    super(`training produced ${value} in "${field}" at step ${step}; stopping (metrics up to the previous step are kept)`);
    this.name = 'NonFiniteError';
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

export function runLoop(o: LoopOptions): LoopResult {
  const start = o.startStep ?? 0;
  let afterFirst = -1;
  const allowed = new Set(o.allowNonFinite ?? []);
  for (let i = start; i < o.steps; i++) {
    const numbers = o.step(i);
    for (const [k, v] of Object.entries(numbers)) {
      if (!Number.isFinite(v) && !allowed.has(k)) throw new NonFiniteError(i, k, v);
    }
    // Adam's slots appear on the first minimize; after the first two steps the count must stay flat.
    if (i === start + 1) afterFirst = tf.memory().numTensors;
    if ((i + 1) % o.logEvery === 0 || i === o.steps - 1 || i === start) o.onLog?.(i, numbers);
    o.onProgress?.(i + 1 - start, o.steps - start);
    if (o.shouldStop?.()) throw new StopRequested(i);
  }
  const end = tf.memory().numTensors;
  if (afterFirst >= 0 && end - afterFirst > (o.leakTolerance ?? 64)) {
    throw new Error(`tensor leak: ${end - afterFirst} tensors appeared between step ${start + 1} and step ${o.steps} (${afterFirst} → ${end})`);
  }
  return { steps: o.steps - start, tensorsAfterFirstStep: afterFirst, tensorsAtEnd: end };
}
