/**
 * The true-MI formulas of the known-MI tasks, in float64, against independent references: closed
 * forms where they exist, and otherwise a Monte-Carlo average of log p(x, y) − log p(x) − log p(y)
 * over the task's own samples with the densities written out (so sampler and formula are checked
 * together), within 4 standard errors.
 */
import { describe, expect, it } from 'vitest';
import {
  denseCorrelation,
  gaussianMiFromCovariance,
  knownMiTask,
  parseKnownMiConfig,
  sparseCorrelation,
  studentTMiCorrection,
  type KnownMiConfig,
} from '../../src/data/knownMi.js';
import { cholesky, principalBlock } from '../../src/util/linalg.js';
import { logGamma, normalCdf } from '../../src/util/special.js';
import { Rng } from '../../src/util/rng.js';

/** log density of a D-dim Student-t (df finite) or Gaussian (df = ∞) with dispersion Σ and mean 0 at v. */
function logDensity(v: Float64Array, sigma: Float64Array, D: number, df: number): number {
  const L = cholesky(sigma, D);
  // solve L z = v: the Mahalanobis norm is ‖z‖²
  const z = new Float64Array(D);
  let logDet = 0;
  for (let i = 0; i < D; i++) {
    let s = v[i];
    for (let k = 0; k < i; k++) s -= L[i * D + k] * z[k];
    z[i] = s / L[i * D + i];
    logDet += 2 * Math.log(L[i * D + i]);
  }
  const m = z.reduce((a, b) => a + b * b, 0);
  if (!Number.isFinite(df)) return -0.5 * (D * Math.log(2 * Math.PI) + logDet + m);
  return logGamma((df + D) / 2) - logGamma(df / 2) - (D / 2) * Math.log(df * Math.PI) - 0.5 * logDet - ((df + D) / 2) * Math.log1p(m / df);
}

/** Monte-Carlo I = E[log p(x,y) − log p(x) − log p(y)] with its standard error. */
function monteCarloMi(cfg: KnownMiConfig & { dimX: number; dimY: number }, sigma: Float64Array, df: number, n: number) {
  const task = knownMiTask(cfg);
  const s = task.sample(n, new Rng(7));
  const { dimX: dx, dimY: dy } = cfg,
    D = dx + dy;
  const sx = principalBlock(sigma, D, 0, dx),
    sy = principalBlock(sigma, D, dx, D);
  let sum = 0,
    sum2 = 0;
  for (let i = 0; i < n; i++) {
    const xi = s.x.subarray(i * dx, (i + 1) * dx),
      yi = s.y.subarray(i * dy, (i + 1) * dy);
    const v = new Float64Array(D);
    v.set(xi);
    v.set(yi, dx);
    const r = logDensity(v, sigma, D, df) - logDensity(Float64Array.from(xi), sx, dx, df) - logDensity(Float64Array.from(yi), sy, dy, df);
    sum += r;
    sum2 += r * r;
  }
  const mean = sum / n;
  return { mean, se: Math.sqrt((sum2 / n - mean * mean) / n), trueMI: task.trueMI };
}

describe('known-MI formulas (float64)', () => {
  it('a 1×1 Gaussian with correlation ρ has I = −½ log(1 − ρ²) (0.41334 at ρ = 0.75)', () => {
    expect(gaussianMiFromCovariance(denseCorrelation(1, 1, 0.75), 1, 1)).toBeCloseTo(-0.5 * Math.log(1 - 0.75 ** 2), 12);
  });

  it('the dense Gaussian matches the eigenvalue closed form det = (1−ρ)^{m−1}(1+(m−1)ρ) of an m×m equicorrelation matrix', () => {
    const logDetEq = (m: number, r: number) => (m - 1) * Math.log(1 - r) + Math.log(1 + (m - 1) * r);
    for (const [d, r] of [
      [2, 0.5],
      [5, 0.5],
      [25, 0.5],
      [3, -0.1],
    ] as const) {
      const expected = 0.5 * (2 * logDetEq(d, r) - logDetEq(2 * d, r));
      expect(gaussianMiFromCovariance(denseCorrelation(d, d, r), d, d)).toBeCloseTo(expected, 10);
    }
  });

  it('the sparse Gaussian without within-block noise is the sum of its pairs: 2 · (−½ log(1 − 0.8²))', () => {
    expect(gaussianMiFromCovariance(sparseCorrelation(5, 5, 2, 0.8, 0), 5, 5)).toBeCloseTo(-Math.log(1 - 0.64), 12);
  });

  it('the bivariate Cauchy (Student-t, ν = 1, identity dispersion) has I = log(8π) − 3', () => {
    // h(1) = log Γ(½) + 2 log 2, h(2) = −log Γ(3/2) + log Γ(½) + 3, I = 2h(1) − h(2)
    expect(studentTMiCorrection(1, 1, 1)).toBeCloseTo(Math.log(8 * Math.PI) - 3, 12);
  });

  it('the Student-t correction vanishes as ν → ∞ (the Gaussian limit)', () => {
    expect(Math.abs(studentTMiCorrection(1e6, 3, 4))).toBeLessThan(1e-5);
  });

  it('log Γ matches Γ at integers and half-integers: Γ(5) = 24, Γ(½) = √π, Γ(7.5) = 1871.254…', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(logGamma(7.5)).toBeCloseTo(Math.log(1871.254305797788), 12);
  });

  it('Φ(0) = ½, Φ(1.96) = 0.975002, Φ(−1) = 0.158655 (to 1e-7)', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 7);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 7);
  });

  for (const cfg of [
    { kind: 'gaussian-sparse', dim: 3 },
    { kind: 'gaussian-dense', dimX: 2, dimY: 3, correlation: 0.5 },
  ] as const) {
    it(`${cfg.kind}: the Monte-Carlo E[log p(x,y)/(p(x)p(y))] over its own samples agrees with the log-det formula`, () => {
      const c = parseKnownMiConfig(cfg, 't') as KnownMiConfig & { dimX: number; dimY: number };
      const sigma = c.kind === 'gaussian-sparse' ? sparseCorrelation(c.dimX, c.dimY, 2, 0.8, 0.1) : denseCorrelation(c.dimX, c.dimY, 0.5);
      const r = monteCarloMi(c, sigma, Infinity, 40_000);
      expect(Math.abs(r.mean - r.trueMI)).toBeLessThan(4 * r.se);
    });
  }

  for (const [df, dispersion, dim] of [
    [1, 'identity', 1],
    [1, 'identity', 2],
    [2, 'dense', 2],
    [3, 'sparse', 3],
  ] as const) {
    it(`student-t ν=${df} ${dispersion} ${dim}×${dim}: the Monte-Carlo average of the log-density ratio agrees with the closed form`, () => {
      const c = parseKnownMiConfig({ kind: 'student-t', dim, df, dispersion }, 't') as KnownMiConfig & { dimX: number; dimY: number };
      const sigma =
        dispersion === 'identity'
          ? denseCorrelation(dim, dim, 0)
          : dispersion === 'dense'
            ? denseCorrelation(dim, dim, 0.5)
            : sparseCorrelation(dim, dim, 2, 0.8, 0.1);
      const r = monteCarloMi(c, sigma, df, 40_000);
      expect(Math.abs(r.mean - r.trueMI)).toBeLessThan(4 * r.se);
    });
  }

  it('gaussian-random: a random SPD covariance, its MI from log-determinants, fixed by distributionSeed', () => {
    const a = knownMiTask(parseKnownMiConfig({ kind: 'gaussian-random', dim: 4, distributionSeed: 3 }, 't'));
    const b = knownMiTask(parseKnownMiConfig({ kind: 'gaussian-random', dim: 4, distributionSeed: 3 }, 't'));
    const c = knownMiTask(parseKnownMiConfig({ kind: 'gaussian-random', dim: 4, distributionSeed: 4 }, 't'));
    expect(a.trueMI).toBe(b.trueMI);
    expect(a.trueMI).not.toBe(c.trueMI);
    expect(a.trueMI).toBeGreaterThan(0);
  });

  it('independent pairs have I = 0 and one-hot pairs I = log N', () => {
    expect(knownMiTask({ kind: 'independent', dimX: 3, dimY: 2 }).trueMI).toBe(0);
    expect(knownMiTask({ kind: 'onehot', categories: 16 }).trueMI).toBeCloseTo(Math.log(16), 15);
  });
});

describe('invertible maps', () => {
  const base = parseKnownMiConfig({ kind: 'gaussian-sparse', dim: 3 }, 't');
  const draw = (map: 'half-cube' | 'asinh' | 'normal-cdf' | 'spiral') => {
    const t = knownMiTask({ kind: 'transformed', map, speed: 1 / 3, base });
    return { t, s: t.sample(2000, new Rng(5)), b: knownMiTask(base).sample(2000, new Rng(5)) };
  };

  it('leave the true MI unchanged', () => {
    for (const map of ['half-cube', 'asinh', 'normal-cdf', 'spiral'] as const) expect(draw(map).t.trueMI).toBe(knownMiTask(base).trueMI);
  });

  it('are inverted exactly: x = sign(u)·|u|^{2/3}, sinh(u), and the spiral rotated back by −speed·‖u‖²', () => {
    const hc = draw('half-cube'),
      as = draw('asinh'),
      sp = draw('spiral');
    for (let i = 0; i < 50; i++) {
      expect(Math.sign(hc.s.x[i]) * Math.abs(hc.s.x[i]) ** (2 / 3)).toBeCloseTo(hc.b.x[i], 10);
      expect(Math.sinh(as.s.y[i])).toBeCloseTo(as.b.y[i], 10);
    }
    for (let i = 0; i < 50; i++) {
      const u = sp.s.x.subarray(i * 3, i * 3 + 3);
      const th = -(1 / 3) * (u[0] ** 2 + u[1] ** 2 + u[2] ** 2);
      expect(Math.cos(th) * u[0] - Math.sin(th) * u[1]).toBeCloseTo(sp.b.x[i * 3], 10);
      expect(Math.sin(th) * u[0] + Math.cos(th) * u[1]).toBeCloseTo(sp.b.x[i * 3 + 1], 10);
      expect(u[2]).toBe(sp.b.x[i * 3 + 2]);
    }
  });

  it('normal-cdf gives uniform margins: mean ½ and variance 1/12 within sampling error', () => {
    const { s } = draw('normal-cdf');
    const m = s.x.reduce((a, b) => a + b, 0) / s.x.length;
    const v = s.x.reduce((a, b) => a + (b - m) ** 2, 0) / s.x.length;
    expect(Math.abs(m - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(v - 1 / 12)).toBeLessThan(0.005);
  });
});

describe('task configs', () => {
  it('name the field that is wrong', () => {
    expect(() => parseKnownMiConfig({ kind: 'gaussian-dense', dim: 2, correlation: 1.5 }, 'tasks[0]')).toThrow(/tasks\[0\]\.correlation must be ≤ 0.999999/);
    expect(() => parseKnownMiConfig({ kind: 'student-t', dim: 2 }, 'tasks[1]')).toThrow(/tasks\[1\]\.df is required/);
    expect(() => parseKnownMiConfig({ kind: 'transformed', map: 'spiral', base: { kind: 'gaussian-dense', dim: 1 } }, 'tasks[2]')).toThrow(
      /spiral needs X of dimension ≥ 2/,
    );
    expect(() => parseKnownMiConfig({ kind: 'gaussian-dense', dim: 4, correlation: -0.5 }, 'tasks[3]')).toThrow(
      /tasks\[3\]: covariance is not positive definite/,
    );
  });
});
