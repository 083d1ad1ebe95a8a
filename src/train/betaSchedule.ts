/**
 * A schedule for the MI term's weight β over training steps, applied by setting the regularizer's
 * β before each step (MIRegularizer.beta is settable). MINEGAN's trade-off (MINE §5.1): a strong
 * MI term spreads the generator over every mode early, but I(G(z); z) keeps rewarding spread —
 * points between the modes — so annealing β late lets the adversarial loss sharpen the modes.
 *
 * From `start` to `end` β moves from the config's β to `to`:
 *   linear: β + (to − β)·f,  cosine: β + (to − β)·(1 − cos πf)/2,  f = (step − start)/(end − start);
 *   step:   β before `start`, `to` from `start` on (`end` unused).
 * Before `start` it is β, after `end` it is `to`.
 */
import { ConfigError, expectKeys, expectObject, num, str } from '../config/validate.js';

export const BETA_SCHEDULE_KINDS = ['linear', 'cosine', 'step'] as const;

export interface BetaSchedule {
  kind: (typeof BETA_SCHEDULE_KINDS)[number];
  /** β at `end` (and after). */
  to: number;
  /** first step of the change (0-based, default 0). */
  start: number;
  /** step at which β reaches `to` (default: the run's last step). */
  end: number;
}

/** Parses `path` (e.g. "mi.betaSchedule") of a run of `steps` steps; every error names the field. */
export function parseBetaSchedule(v: unknown, path: string, steps: number): BetaSchedule {
  const o = expectObject(v, path);
  expectKeys(o, ['kind', 'to', 'start', 'end'], path);
  const kind = str(o, 'kind', path, BETA_SCHEDULE_KINDS);
  const to = num(o, 'to', path, { min: 0 });
  const start = num(o, 'start', path, { default: 0, integer: true, min: 0 });
  const end = num(o, 'end', path, { default: steps, integer: true, min: 0 });
  if (kind === 'step' && o.end !== undefined) throw new ConfigError(`${path}.end: a "step" schedule switches at ${path}.start; end is for linear and cosine`);
  if (kind !== 'step' && end <= start) throw new ConfigError(`${path}.end must be > ${path}.start = ${start}, got ${end}`);
  return { kind, to, start, end };
}

/** β at 0-based `step` for a run whose configured β is `beta`. */
export function betaAt(s: BetaSchedule, beta: number, step: number): number {
  if (s.kind === 'step') return step < s.start ? beta : s.to;
  const f = Math.min(1, Math.max(0, (step - s.start) / (s.end - s.start)));
  const w = s.kind === 'linear' ? f : (1 - Math.cos(Math.PI * f)) / 2;
  // a convex combination of two numbers ≥ 0; max() only guards the last bit of rounding
  return Math.max(0, beta + (s.to - beta) * w);
}
