/** The training curves a task keeps for its figures, logged and traced in one place. */
import type { RunDir } from '../io/runDir.js';
import type { StepNumbers } from '../train/loop.js';

export interface TrainTrace {
  steps: number[];
  curves: Record<string, number[]>;
}

/**
 * One logged training step: a `train` line in metrics.jsonl (non-finite numbers as null, e.g. the MI
 * fields of a setting without a regulariser) and the step's numbers appended to the trace's curves.
 */
export function logTrainStep(out: RunDir, trace: TrainTrace, setting: string, step: number, numbers: StepNumbers): void {
  out.appendMetrics({ type: 'train', setting, step, ...Object.fromEntries(Object.entries(numbers).map(([k, v]) => [k, Number.isFinite(v) ? v : null])) });
  trace.steps.push(step);
  for (const [k, v] of Object.entries(numbers)) (trace.curves[k] ??= []).push(v);
}
