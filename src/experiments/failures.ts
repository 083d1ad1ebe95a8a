/**
 * Failure isolation in runs of several settings or estimators: one that diverges (a NaN/∞ or a
 * guarded number beyond divergenceLimit, src/train/loop.ts) is stopped and recorded — setting,
 * estimator, step, quantity, value — and the run goes on with the others; the run's status is then
 * `completed-with-failures`. Any other error (a bug, a missing file, Ctrl-C) still ends the run.
 */
import { readFileSync } from 'node:fs';
import type { RunDir } from '../io/runDir.js';
import { DEFAULT_DIVERGENCE_LIMIT, DivergenceError } from '../train/loop.js';
import type { Progress, RunContext, RunFailure } from './context.js';

/**
 * The divergence guard of a model's MI term for runLoop: its estimate (`mi`) or its critic's mean
 * output on joint samples (`jointTerm`, E_P[T]) beyond the run's divergenceLimit.
 */
export function divergenceGuard(ctx: RunContext, fields: readonly string[] = ['mi', 'jointTerm']): { fields: readonly string[]; limit: number } {
  return { fields, limit: ctx.divergenceLimit ?? DEFAULT_DIVERGENCE_LIMIT };
}

/**
 * Records `e` in `failures` when it is a divergence and returns true (the caller skips to the next
 * setting); returns false for any other error, which the caller rethrows.
 */
export function recordDivergence(e: unknown, where: { setting: string; estimator?: string }, failures: RunFailure[], progress: Progress): boolean {
  if (!(e instanceof DivergenceError)) return false;
  const f: RunFailure = {
    setting: where.setting,
    ...(where.estimator !== undefined ? { estimator: where.estimator } : {}),
    step: e.step,
    quantity: e.field,
    value: e.value,
    error: e.message,
  };
  failures.push(f);
  progress.note(`${describeFailure(f)} — stopped; the other ${where.estimator !== undefined ? 'estimators' : 'settings'} go on`);
  return true;
}

/** "setting rho=0.5, estimator mine: diverged at step 812 (estimate = -1.1e+17)". */
export function describeFailure(f: RunFailure): string {
  const where = [f.setting !== 'default' ? `setting ${f.setting}` : '', f.estimator !== undefined ? `estimator ${f.estimator}` : ''].filter(Boolean).join(', ');
  const v = Number.isFinite(f.value) ? f.value.toPrecision(4) : String(f.value);
  return `${where || 'the run'}: diverged at step ${f.step} (${f.quantity} = ${v})`;
}

/** Every setting (or estimator) of the run diverged: nothing is left to report but the failures. */
export class AllDiverged extends Error {
  constructor(readonly failures: RunFailure[]) {
    super(failures.length === 1 ? failures[0].error : `every part of the run diverged: ${failures.map(describeFailure).join('; ')}`);
    this.name = 'AllDiverged';
  }
}

/** Rows for summary.json's `rows`: one per diverged setting, marked. */
export function failureRows(failures: RunFailure[]): Record<string, unknown>[] {
  return failures.map((f) => ({
    setting: f.setting,
    ...(f.estimator !== undefined ? { estimator: f.estimator } : {}),
    diverged: { step: f.step, quantity: f.quantity, value: f.value },
  }));
}

/** Appends a "Diverged" section to a markdown table the task wrote (rewritten atomically). */
export function appendFailures(out: RunDir, name: string, failures: RunFailure[]): void {
  if (failures.length === 0 || !out.exists(name)) return;
  const text = readFileSync(out.path(name), 'utf8');
  out.write(
    name,
    `${text.trimEnd()}\n\n**Diverged and stopped** (the other settings ran to the end):\n\n${failures.map((f) => `- ${describeFailure(f)}`).join('\n')}\n`,
  );
}
