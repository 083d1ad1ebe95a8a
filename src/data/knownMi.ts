/**
 * Distributions with closed-form mutual information, for testing MI estimators on finite data in
 * the manner of the `bmi` benchmark (Czyż, Grabowski, Vogt, Beerenwinkel & Marx, "Beyond normal:
 * on the evaluation of mutual information estimators", NeurIPS 2023):
 *
 * - `gaussian-dense`: X ∈ ℝ^dx, Y ∈ ℝ^dy jointly Gaussian, every pair of distinct coordinates with
 *   correlation ρ (bmi's "multinormal-uniform", ρ = 0.5).
 * - `gaussian-sparse`: only (X_i, Y_i), i < `pairs`, correlated (`signal`, 0.8), plus `noise`
 *   (0.1) correlation within X and within Y (bmi's "multinormal-sparse", 2 pairs).
 * - `gaussian-random`: a random mean and a random SPD covariance Σ = AAᵀ/D + ridge·I, A ∈ ℝ^{D×D}
 *   with N(0, 1) entries, D = dx + dy, drawn from `distributionSeed`.
 * - `student-t`: multivariate Student-t with `df` degrees of freedom and a dense, sparse or
 *   identity dispersion matrix (bmi's "student-*").
 * - `transformed`: a base task through an invertible map — `half-cube` x·|x|^{1/2}, `asinh`,
 *   `normal-cdf` Φ(x) (uniform margins), each on every coordinate of X and Y, or `spiral`
 *   x ↦ R(speed·‖x‖²)x on X (a rotation of its first two coordinates by an angle growing with
 *   ‖x‖², bmi's Spiral). Invertible maps leave MI unchanged.
 * - `independent`: X ⊥ Y standard normal, I = 0.
 * - `onehot`: X uniform over N categories as one-hot vectors, Y = X, I = log N.
 *
 * Gaussians: I(X; Y) = ½(log det Σ_XX + log det Σ_YY − log det Σ) (Cover & Thomas eq. 8.56).
 * Student-t with dispersion Σ (Arellano-Valle, Contreras-Reyes & Genton 2013, as corrected in
 * bmi's split_student_t.py): I = I_Gauss(Σ) + h(dx) + h(dy) − h(dx + dy), with h(k) the entropy
 * terms of a standard k-dimensional t that depend on k (the ½k·log(νπ) parts cancel):
 *   h(k) = −log Γ((ν+k)/2) + log Γ(ν/2) + ((ν+k)/2)(ψ((ν+k)/2) − ψ(ν/2)).
 *
 * Samples are float64, row-major (x[i·dx + c] is coordinate c of sample i).
 */
import { z } from 'zod';
import { computedDefault, int, nonNeg, nonNegInt, obj, parseWith, positive, posInt } from '../config/schemaTools.js';
import { ConfigError } from '../config/validate.js';
import { cholesky, logDetSpd, principalBlock } from '../util/linalg.js';
import { Rng } from '../util/rng.js';
import { digamma, logGamma, normalCdf } from '../util/special.js';

export const KNOWN_MI_KINDS = ['gaussian-dense', 'gaussian-sparse', 'gaussian-random', 'student-t', 'transformed', 'independent', 'onehot'] as const;
export type KnownMiKind = (typeof KNOWN_MI_KINDS)[number];
export const INVERTIBLE_MAPS = ['half-cube', 'asinh', 'normal-cdf', 'spiral'] as const;
export type InvertibleMap = (typeof INVERTIBLE_MAPS)[number];
export const DISPERSIONS = ['dense', 'sparse', 'identity'] as const;

interface Dims {
  dimX: number;
  dimY: number;
}
export type KnownMiConfig =
  | ({ kind: 'gaussian-dense'; correlation: number } & Dims)
  | ({ kind: 'gaussian-sparse'; pairs: number; signal: number; noise: number } & Dims)
  | ({ kind: 'gaussian-random'; ridge: number; meanScale: number; distributionSeed: number } & Dims)
  | ({ kind: 'student-t'; df: number; dispersion: (typeof DISPERSIONS)[number]; correlation: number; pairs: number; signal: number; noise: number } & Dims)
  | { kind: 'transformed'; map: InvertibleMap; speed: number; base: KnownMiConfig }
  | ({ kind: 'independent' } & Dims)
  | { kind: 'onehot'; categories: number };

/** One draw of n samples with the distribution's true MI. */
export interface KnownMiSample {
  x: Float64Array;
  y: Float64Array;
  n: number;
  dx: number;
  dy: number;
  /** I(X; Y) of the distribution (not of the sample), nats. */
  trueMI: number;
}

export interface KnownMiTask {
  /** a short readable name, e.g. "student-t df=1 2×2". */
  readonly name: string;
  readonly dx: number;
  readonly dy: number;
  readonly trueMI: number;
  sample(n: number, rng: Rng): KnownMiSample;
}

/** I(X; Y) of a Gaussian with covariance Σ (D×D, X = the first dx coordinates): ½(log det Σ_XX + log det Σ_YY − log det Σ). */
export function gaussianMiFromCovariance(cov: ArrayLike<number>, dx: number, dy: number): number {
  const D = dx + dy;
  const full = logDetSpd(cov, D, 'covariance');
  return 0.5 * (logDetSpd(principalBlock(cov, D, 0, dx), dx, 'covariance[X, X]') + logDetSpd(principalBlock(cov, D, dx, D), dy, 'covariance[Y, Y]') - full);
}

/** The dimension-dependent part of a standard k-dimensional Student-t's entropy (the ½k·log(νπ) term dropped; it cancels in MI). */
function studentEntropyTerm(k: number, df: number): number {
  const h = 0.5 * (df + k);
  return -logGamma(h) + logGamma(0.5 * df) + h * (digamma(h) - digamma(0.5 * df));
}

/** The Student-t MI correction I_t − I_Gauss(dispersion) = h(dx) + h(dy) − h(dx + dy); depends only on ν, dx, dy. */
export function studentTMiCorrection(df: number, dx: number, dy: number): number {
  return studentEntropyTerm(dx, df) + studentEntropyTerm(dy, df) - studentEntropyTerm(dx + dy, df);
}

/** A D×D correlation matrix: 1 on the diagonal, `within` inside the X block and the Y block, `across` between them. */
function blockCorrelation(dx: number, dy: number, within: number, across: (i: number, j: number) => number): Float64Array {
  const D = dx + dy;
  const c = new Float64Array(D * D);
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < D; j++) {
      if (i === j) c[i * D + j] = 1;
      else if (i < dx === j < dx) c[i * D + j] = within;
      else c[i * D + j] = i < dx ? across(i, j - dx) : across(j, i - dx);
    }
  }
  return c;
}

/** bmi's parametrised_correlation_matrix: X_i–Y_i correlated (`signal`) for i < pairs, `noise` within X and within Y. */
export function sparseCorrelation(dx: number, dy: number, pairs: number, signal: number, noise: number): Float64Array {
  return blockCorrelation(dx, dy, noise, (i, j) => (i === j && i < pairs ? signal : 0));
}

/** Every distinct pair of coordinates correlated by ρ. */
export function denseCorrelation(dx: number, dy: number, rho: number): Float64Array {
  return blockCorrelation(dx, dy, rho, () => rho);
}

/** A random SPD covariance AAᵀ/D + ridge·I and a random N(0, meanScale²) mean, from `rng`. */
export function randomCovariance(D: number, ridge: number, meanScale: number, rng: Rng): { cov: Float64Array; mean: Float64Array } {
  const A = new Float64Array(D * D);
  for (let i = 0; i < A.length; i++) A[i] = rng.normal();
  const cov = new Float64Array(D * D);
  for (let i = 0; i < D; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < D; k++) s += A[i * D + k] * A[j * D + k];
      cov[i * D + j] = cov[j * D + i] = s / D + (i === j ? ridge : 0);
    }
  }
  const mean = new Float64Array(D);
  for (let i = 0; i < D; i++) mean[i] = meanScale * rng.normal();
  return { cov, mean };
}

/**
 * n draws of mean + L·z / √(W/ν) with z ~ N(0, I_D) and W ~ χ²_ν (W/ν ≡ 1 for a Gaussian, df = ∞),
 * split into X (the first dx coordinates) and Y.
 */
function sampleElliptical(
  n: number,
  dx: number,
  dy: number,
  L: Float64Array,
  mean: Float64Array | null,
  df: number,
  rng: Rng,
): { x: Float64Array; y: Float64Array } {
  const D = dx + dy;
  const x = new Float64Array(n * dx);
  const y = new Float64Array(n * dy);
  const z = new Float64Array(D);
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < D; i++) z[i] = rng.normal();
    let scale = 1;
    if (Number.isFinite(df)) {
      let w = 0;
      for (let k = 0; k < df; k++) w += rng.normal() ** 2;
      scale = 1 / Math.sqrt(w / df);
    }
    for (let i = 0; i < D; i++) {
      let v = 0;
      for (let k = 0; k <= i; k++) v += L[i * D + k] * z[k];
      v = v * scale + (mean ? mean[i] : 0);
      if (i < dx) x[s * dx + i] = v;
      else y[s * dy + i - dx] = v;
    }
  }
  return { x, y };
}

const dimsName = (c: Dims) => `${c.dimX}×${c.dimY}`;

function ellipticalTask(name: string, dx: number, dy: number, cov: Float64Array, mean: Float64Array | null, df: number, trueMI: number): KnownMiTask {
  const L = cholesky(cov, dx + dy, `${name}: covariance`);
  return {
    name,
    dx,
    dy,
    trueMI,
    sample: (n, rng) => ({ ...sampleElliptical(n, dx, dy, L, mean, df, rng), n, dx, dy, trueMI }),
  };
}

/** Applies an invertible map in place. */
function applyMap(map: InvertibleMap, speed: number, s: KnownMiSample): void {
  const each = (a: Float64Array, f: (v: number) => number) => {
    for (let i = 0; i < a.length; i++) a[i] = f(a[i]);
  };
  switch (map) {
    case 'half-cube':
      each(s.x, (v) => v * Math.sqrt(Math.abs(v)));
      each(s.y, (v) => v * Math.sqrt(Math.abs(v)));
      return;
    case 'asinh':
      each(s.x, Math.asinh);
      each(s.y, Math.asinh);
      return;
    case 'normal-cdf':
      each(s.x, normalCdf);
      each(s.y, normalCdf);
      return;
    case 'spiral': {
      // x ↦ R(θ)x with θ = speed·‖x‖², R a rotation of coordinates 0 and 1 (bmi's Spiral with the
      // so(n) generator E_01): ‖R(θ)x‖ = ‖x‖, so the inverse is the rotation by −speed·‖y‖².
      const d = s.dx;
      for (let i = 0; i < s.n; i++) {
        let r2 = 0;
        for (let c = 0; c < d; c++) r2 += s.x[i * d + c] ** 2;
        const th = speed * r2,
          co = Math.cos(th),
          si = Math.sin(th);
        const a = s.x[i * d],
          b = s.x[i * d + 1];
        s.x[i * d] = co * a - si * b;
        s.x[i * d + 1] = si * a + co * b;
      }
      return;
    }
  }
}

/** Builds the sampler a config describes (the covariance of `gaussian-random` is drawn here, from its distributionSeed). */
export function knownMiTask(cfg: KnownMiConfig): KnownMiTask {
  switch (cfg.kind) {
    case 'gaussian-dense': {
      const cov = denseCorrelation(cfg.dimX, cfg.dimY, cfg.correlation);
      return ellipticalTask(`gauss-dense ${dimsName(cfg)}`, cfg.dimX, cfg.dimY, cov, null, Infinity, gaussianMiFromCovariance(cov, cfg.dimX, cfg.dimY));
    }
    case 'gaussian-sparse': {
      const cov = sparseCorrelation(cfg.dimX, cfg.dimY, cfg.pairs, cfg.signal, cfg.noise);
      return ellipticalTask(`gauss-sparse ${dimsName(cfg)}`, cfg.dimX, cfg.dimY, cov, null, Infinity, gaussianMiFromCovariance(cov, cfg.dimX, cfg.dimY));
    }
    case 'gaussian-random': {
      const { cov, mean } = randomCovariance(cfg.dimX + cfg.dimY, cfg.ridge, cfg.meanScale, new Rng(cfg.distributionSeed));
      return ellipticalTask(`gauss-random ${dimsName(cfg)}`, cfg.dimX, cfg.dimY, cov, mean, Infinity, gaussianMiFromCovariance(cov, cfg.dimX, cfg.dimY));
    }
    case 'student-t': {
      const cov =
        cfg.dispersion === 'identity'
          ? denseCorrelation(cfg.dimX, cfg.dimY, 0)
          : cfg.dispersion === 'dense'
            ? denseCorrelation(cfg.dimX, cfg.dimY, cfg.correlation)
            : sparseCorrelation(cfg.dimX, cfg.dimY, cfg.pairs, cfg.signal, cfg.noise);
      const mi = gaussianMiFromCovariance(cov, cfg.dimX, cfg.dimY) + studentTMiCorrection(cfg.df, cfg.dimX, cfg.dimY);
      return ellipticalTask(`student-t df=${cfg.df} ${cfg.dispersion} ${dimsName(cfg)}`, cfg.dimX, cfg.dimY, cov, null, cfg.df, mi);
    }
    case 'transformed': {
      const base = knownMiTask(cfg.base);
      if (cfg.map === 'spiral' && base.dx < 2) throw new ConfigError(`spiral needs X of dimension ≥ 2 (it rotates X's first two coordinates), got ${base.dx}`);
      return {
        name: `${cfg.map}(${base.name})`,
        dx: base.dx,
        dy: base.dy,
        trueMI: base.trueMI,
        sample: (n, rng) => {
          const s = base.sample(n, rng);
          applyMap(cfg.map, cfg.speed, s);
          return s;
        },
      };
    }
    case 'independent': {
      const { dimX: dx, dimY: dy } = cfg;
      return {
        name: `independent ${dimsName(cfg)}`,
        dx,
        dy,
        trueMI: 0,
        sample: (n, rng) => {
          const x = new Float64Array(n * dx),
            y = new Float64Array(n * dy);
          for (let i = 0; i < x.length; i++) x[i] = rng.normal();
          for (let i = 0; i < y.length; i++) y[i] = rng.normal();
          return { x, y, n, dx, dy, trueMI: 0 };
        },
      };
    }
    case 'onehot': {
      const N = cfg.categories;
      return {
        name: `onehot ${N}`,
        dx: N,
        dy: N,
        trueMI: Math.log(N),
        sample: (n, rng) => {
          const x = new Float64Array(n * N);
          for (let i = 0; i < n; i++) x[i * N + rng.int(N)] = 1;
          return { x, y: x.slice(), n, dx: N, dy: N, trueMI: Math.log(N) };
        },
      };
    }
  }
}

/**
 * A known-MI task as JSON (the experiment schema's `tasks` entries, src/experiments/schema.ts):
 * `dim` is shorthand for dimX = dimY; `label`, `n` and `testFraction` are the suite's keys,
 * accepted here and left to it.
 */
const corr = (def: number, text: string) => z.number().min(-0.999999).max(0.999999).default(def).describe(text);
const dims = {
  dim: posInt().optional().describe('dimension of X and of Y (or give dimX and dimY).'),
  dimX: posInt().optional().describe('dimension of X.'),
  dimY: posInt().optional().describe('dimension of Y.'),
};
const taskKeys = {
  label: z.string().min(1).optional().describe("the task's name in the table. Default: its kind and sizes."),
  n: int().min(4).optional().describe("samples of this task (default: the suite's n)."),
  testFraction: positive().max(0.999).optional().describe("held-out share of this task (default: the suite's)."),
};
const pairs = computedDefault(posInt().optional().describe('correlated coordinate pairs.'), 'min(2, dimX, dimY)');
/** A known-MI task as JSON, validated (the schema's recursion keeps the fields untyped). */
type KnownMiJson = { kind: KnownMiKind } & Record<string, unknown>;
// recursive (`transformed` wraps another task): a lazy reference to one union built once
const noSeed = { distributionSeed: 'a seed or "per-seed" applies to gaussian-random tasks only' };
export const knownMiSchema: z.ZodType<KnownMiJson> = z.lazy(() => knownMiUnion);
const knownMiUnion: z.ZodType<KnownMiJson> = z
  .discriminatedUnion('kind', [
    obj(
      {
        kind: z.literal('gaussian-dense').describe('every coordinate pair correlated by `correlation`.'),
        ...taskKeys,
        ...dims,
        correlation: corr(0.5, 'the correlation.'),
      },
      noSeed,
    ),
    obj(
      {
        kind: z.literal('gaussian-sparse').describe("bmi's sparse Gaussian: X_i–Y_i correlated for i < pairs."),
        ...taskKeys,
        ...dims,
        pairs,
        signal: corr(0.8, 'correlation of the paired coordinates.'),
        noise: corr(0.1, 'correlation within X and within Y.'),
      },
      noSeed,
    ),
    obj({
      kind: z.literal('gaussian-random').describe('a random SPD covariance AAᵀ/D + ridge·I and a random mean.'),
      ...taskKeys,
      ...dims,
      ridge: positive().default(0.1).describe('added to the diagonal.'),
      meanScale: nonNeg().default(1).describe('the mean is N(0, meanScale²).'),
      distributionSeed: z
        .union([nonNegInt(), z.literal('per-seed')])
        .default(0)
        .describe('seed of the random covariance; "per-seed": a new one for every seed of the suite.'),
    }),
    obj(
      {
        kind: z.literal('student-t').describe('a multivariate Student-t (MI = Gaussian part + a correction that depends on df).'),
        ...taskKeys,
        ...dims,
        df: int().min(1).max(1000).describe('degrees of freedom ν.'),
        dispersion: z.enum(DISPERSIONS).default('dense').describe('the dispersion matrix: dense, sparse or identity.'),
        correlation: corr(0.5, 'dense dispersion: the correlation.'),
        pairs,
        signal: corr(0.8, 'sparse dispersion: correlation of the paired coordinates.'),
        noise: corr(0.1, 'sparse dispersion: correlation within X and within Y.'),
      },
      noSeed,
    ),
    obj(
      {
        kind: z.literal('transformed').describe('an invertible map applied to another task (MI unchanged).'),
        ...taskKeys,
        map: z.enum(INVERTIBLE_MAPS).describe('the invertible map.'),
        speed: z
          .number()
          .default(1 / 3)
          .describe("the spiral's speed."),
        base: knownMiSchema.describe('the task transformed.'),
      },
      noSeed,
    ),
    obj({ kind: z.literal('independent').describe('independent X and Y (I = 0).'), ...taskKeys, ...dims }, noSeed),
    obj(
      { kind: z.literal('onehot').describe('X = Y one-hot (I = log categories).'), ...taskKeys, categories: int().min(2).describe('number of categories.') },
      noSeed,
    ),
  ])
  .describe('a distribution of known MI (src/data/knownMi.ts).')
  .meta({ id: 'knownMiTask' });

/** dimX, dimY from `dim` or from both `dimX` and `dimY`. */
function dimsOf(o: Record<string, unknown>, path: string): Dims {
  const { dim, dimX, dimY } = o as { dim?: number; dimX?: number; dimY?: number };
  if (dim !== undefined) {
    if (dimX !== undefined || dimY !== undefined) throw new ConfigError(`${path}: give either dim or dimX/dimY, not both`);
    return { dimX: dim, dimY: dim };
  }
  if (dimX === undefined || dimY === undefined)
    throw new ConfigError(`${path}.${dimX === undefined ? 'dimX' : 'dimY'} is required (a positive integer; or give dim for both)`);
  return { dimX, dimY };
}

/**
 * A known-MI task config from JSON: the schema's validated, defaulted object (knownMiSchema), then
 * what it cannot say: the dimensions, the pairs that fit them, and a covariance that is positive
 * definite (each named under `path`).
 */
export function parseKnownMiConfig(v: unknown, path: string): KnownMiConfig {
  const o = parseWith(knownMiSchema, v, path);
  const checkSpd = (cfg: KnownMiConfig) => {
    try {
      knownMiTask(cfg);
    } catch (e) {
      throw new ConfigError(`${path}: ${(e as Error).message} — choose other correlations`);
    }
    return cfg;
  };
  const n = (k: string) => o[k] as number;
  const pairsOf = (d: Dims) => {
    const most = Math.min(d.dimX, d.dimY);
    const p = (o.pairs as number | undefined) ?? Math.min(2, most);
    if (p > most) throw new ConfigError(`${path}.pairs must be ≤ ${most} (min(dimX, dimY)), got ${p}`);
    return p;
  };
  switch (o.kind) {
    case 'gaussian-dense':
      return checkSpd({ kind: o.kind, ...dimsOf(o, path), correlation: n('correlation') });
    case 'gaussian-sparse': {
      const dims = dimsOf(o, path);
      return checkSpd({ kind: o.kind, ...dims, pairs: pairsOf(dims), signal: n('signal'), noise: n('noise') });
    }
    case 'gaussian-random':
      // "per-seed" is a suite's marker (estimatorSuite.ts replaces it by each seed's index)
      if (typeof o.distributionSeed !== 'number')
        throw new ConfigError(`${path}.distributionSeed must be a seed (a non-negative integer) here, got ${JSON.stringify(o.distributionSeed)}`);
      return { kind: o.kind, ...dimsOf(o, path), ridge: n('ridge'), meanScale: n('meanScale'), distributionSeed: o.distributionSeed };
    case 'student-t': {
      const dims = dimsOf(o, path);
      return checkSpd({
        kind: o.kind,
        ...dims,
        df: n('df'),
        dispersion: o.dispersion as (typeof DISPERSIONS)[number],
        correlation: n('correlation'),
        pairs: pairsOf(dims),
        signal: n('signal'),
        noise: n('noise'),
      });
    }
    case 'transformed': {
      const base = parseKnownMiConfig(o.base, `${path}.base`);
      const cfg: KnownMiConfig = { kind: o.kind, map: o.map as InvertibleMap, speed: n('speed'), base };
      if (cfg.map === 'spiral') checkSpd(cfg);
      return cfg;
    }
    case 'independent':
      return { kind: o.kind, ...dimsOf(o, path) };
    case 'onehot':
      return { kind: o.kind, categories: n('categories') };
  }
}
