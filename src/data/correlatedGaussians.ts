/**
 * Componentwise-correlated Gaussians: X ~ N(0, I_d), Y = ρX + sqrt(1-ρ²)ε, ε ~ N(0, I_d).
 * Each of the d coordinate pairs is a bivariate normal with correlation ρ, so
 * I(X; Y) = -(d/2) log(1 - ρ²) nats (MINE §5.1; Poole et al. 2019 §4).
 */
import type { Rng } from '../util/rng.js';
import { requirePositiveInt, type PairBatch, type PairSampler } from './types.js';

/** Closed-form MI in nats of d componentwise pairs with correlation ρ. */
export function gaussianMI(rho: number, dim: number): number {
  return -0.5 * dim * Math.log(1 - rho * rho);
}

/** The correlation ρ that gives `mi` nats over `dim` componentwise pairs (inverse of gaussianMI). */
export function rhoForMI(mi: number, dim: number): number {
  return Math.sqrt(1 - Math.exp((-2 * mi) / dim));
}

function checkRho(rho: number, field: string): void {
  if (!(rho > -1 && rho < 1)) throw new Error(`${field} must be in (-1, 1), got ${rho}`);
}

function sampleCorrelated(n: number, dim: number, rho: number, rng: Rng): PairBatch {
  const x = new Float32Array(n * dim);
  const y = new Float32Array(n * dim);
  const s = Math.sqrt(1 - rho * rho);
  for (let i = 0; i < n * dim; i++) {
    const xi = rng.normal();
    x[i] = xi;
    y[i] = rho * xi + s * rng.normal();
  }
  return { x, y, n, dx: dim, dy: dim };
}

/** Fixed ρ: I = -(d/2) log(1 - ρ²). */
export function correlatedGaussians(opts: { dim: number; rho: number }): PairSampler {
  const dim = requirePositiveInt(opts.dim, 'data.dim');
  checkRho(opts.rho, 'data.rho');
  return {
    name: `gaussian-${dim}d-rho${opts.rho}`,
    dx: dim,
    dy: dim,
    trueMI: () => gaussianMI(opts.rho, dim),
    sample: (n, rng) => sampleCorrelated(n, dim, opts.rho, rng),
  };
}

/**
 * The staircase of Poole et al. (2019, Fig. 2), used by SMILE and ReMINE (Table 1): the true MI is
 * held at each level for `stepsPerLevel` steps, then raised to the next (e.g. 2, 4, 6, 8, 10 nats).
 * With `cubic`, Y is replaced by Y³ — an invertible map, so MI is unchanged but the critic's job is harder.
 */
export function gaussianStaircase(opts: { dim: number; levels: number[]; stepsPerLevel: number; cubic?: boolean }): PairSampler {
  const dim = requirePositiveInt(opts.dim, 'data.dim');
  const per = requirePositiveInt(opts.stepsPerLevel, 'data.stepsPerLevel');
  if (!Array.isArray(opts.levels) || opts.levels.length === 0 || opts.levels.some((v) => !(v > 0))) {
    throw new Error(`data.levels must be a non-empty list of positive MI values in nats, got ${JSON.stringify(opts.levels)}`);
  }
  const level = (step: number) => opts.levels[Math.min(opts.levels.length - 1, Math.floor(step / per))];
  return {
    name: `staircase-${dim}d${opts.cubic ? '-cubic' : ''}`,
    dx: dim,
    dy: dim,
    trueMI: (step) => level(step),
    sample: (n, rng, step) => {
      const b = sampleCorrelated(n, dim, rhoForMI(level(step), dim), rng);
      if (opts.cubic) for (let i = 0; i < b.y.length; i++) b.y[i] = b.y[i] ** 3;
      return b;
    },
  };
}
