import type { Rng } from '../util/rng.js';

/** A batch of n paired samples, row-major: x is n×dx, y is n×dy. */
export interface PairBatch {
  x: Float32Array;
  y: Float32Array;
  n: number;
  dx: number;
  dy: number;
}

/** A joint distribution P(X, Y) we can sample, with its true MI in nats when it is known. */
export interface PairSampler {
  readonly name: string;
  readonly dx: number;
  readonly dy: number;
  /** The closed-form I(X; Y) in nats at training step `step` (schedules change it over time). */
  trueMI(step: number): number | null;
  sample(n: number, rng: Rng, step: number): PairBatch;
}

/** A distribution of points in R^dim (real data for a generative model). */
export interface PointSampler {
  readonly name: string;
  readonly dim: number;
  sample(n: number, rng: Rng): Float32Array;
}

/** Throws unless `value` is a positive integer; the message names the field. */
export function requirePositiveInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new Error(`${field} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Throws if any entry is NaN or infinite; the message names the field and the first bad index. */
export function requireFinite(a: ArrayLike<number>, field: string): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new Error(`${field} contains ${a[i]} at index ${i}; expected finite numbers`);
  }
}
