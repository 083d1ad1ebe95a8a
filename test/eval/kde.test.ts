/** KDE against known densities: a Gaussian's log-density, entropy, and integration to 1. */
import { describe, expect, it } from 'vitest';
import { bandwidth, GaussianKde } from '../../src/eval/kde.js';
import { modeCoverage, pointCoverage } from '../../src/eval/modeCoverage.js';
import { gridCentres } from '../../src/data/gridGaussians.js';
import { Rng } from '../../src/util/rng.js';

const normals = (n: number, dim: number, seed: number) => new Rng(seed).fillNormal(new Float32Array(n * dim));

describe('Gaussian KDE', () => {
  it('Scott’s rule in 2-D: h = σ·n^(−1/6) (σ = 1 → 0.4642 at n = 100, to 2 %)', () => {
    const h = bandwidth(normals(100, 2, 1), 2, 'scott');
    expect(h[0]).toBeCloseTo(100 ** (-1 / 6), 1);
  });
  it('recovers log N(0; 0, I₂) = −log 2π = −1.8379 from 20k samples (the KDE is N(0, (1+h²)I): −1.8379 − log(1 + h²) exactly in expectation)', () => {
    const kde = new GaussianKde(normals(20000, 2, 2), 2, 0.1);
    const expected = -Math.log(2 * Math.PI * (1 + 0.01));
    expect(kde.logDensity([0, 0])).toBeCloseTo(expected, 1);
  });
  it('held-out mean log-likelihood of N(0, I₂) ≈ −H = −log(2πe) = −2.8379 (n = 5000, 1000 held out)', () => {
    const kde = new GaussianKde(normals(5000, 2, 3), 2, 'scott');
    expect(Math.abs(kde.meanLogLikelihood(normals(1000, 2, 4)) - -Math.log(2 * Math.PI * Math.E))).toBeLessThan(0.1);
  });
  it('integrates to 1 over a grid that covers the samples (Riemann sum, 1 %)', () => {
    const kde = new GaussianKde(normals(500, 2, 5), 2, 'silverman');
    const res = 120,
      grid = kde.densityGrid([-6, 6], [-6, 6], res);
    const cell = (12 / res) ** 2;
    expect(grid.reduce((a, v) => a + v, 0) * cell).toBeCloseTo(1, 2);
  });
  it('rejects NaN samples naming the index', () => {
    expect(() => new GaussianKde([0, 1, NaN, 2], 2)).toThrow('kde: sample value 2 is NaN');
  });
});

describe('mode coverage (VEEGAN/PacGAN protocol)', () => {
  const centres = gridCentres(5, 2),
    std = 0.05;
  it('counts exactly: 3 modes with 20 samples each at their centres, 10 far-off samples', () => {
    const pts: number[] = [];
    for (const k of [0, 7, 24]) for (let i = 0; i < 20; i++) pts.push(centres[2 * k] + 0.01, centres[2 * k + 1]);
    for (let i = 0; i < 10; i++) pts.push(1, 1); // between modes: 1.41 from the nearest centre
    const c = modeCoverage(pts, centres, std);
    expect(c.modes).toBe(3);
    expect(c.modesAnySample).toBe(3);
    expect(c.highQualityPercent).toBeCloseTo((60 / 70) * 100, 10);
    // three equally used modes out of 25: KL(p‖U) = log(25/3)
    expect(c.klToUniform).toBeCloseTo(Math.log(25 / 3), 10);
  });
  it('a mode with fewer than minCount samples is not captured', () => {
    const pts: number[] = [];
    for (let i = 0; i < 19; i++) pts.push(centres[0], centres[1]);
    expect(modeCoverage(pts, centres, std).modes).toBe(0);
    expect(modeCoverage(pts, centres, std).modesAnySample).toBe(1); // PacGAN's protocol: one sample suffices
    expect(modeCoverage(pts, centres, std, { minCount: 19 }).modes).toBe(1);
  });
  it('samples from the true mixture cover all 25 modes evenly (KL < 0.02)', () => {
    const r = new Rng(6),
      pts: number[] = [];
    for (let i = 0; i < 2500; i++) {
      const k = r.int(25);
      pts.push(centres[2 * k] + std * r.normal(), centres[2 * k + 1] + std * r.normal());
    }
    const c = modeCoverage(pts, centres, std);
    expect(c.modes).toBe(25);
    expect(c.highQualityPercent).toBeGreaterThan(98);
    expect(c.klToUniform).toBeLessThan(0.02);
  });
  it('point coverage: all real points covered by themselves, none by a far cloud', () => {
    const real = [0, 0, 1, 1];
    expect(pointCoverage(real, real, 0.01)).toBe(1);
    expect(pointCoverage(real, [5, 5], 0.5)).toBe(0);
  });
});
