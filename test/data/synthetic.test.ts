import { describe, expect, it } from 'vitest';
import { correlatedGaussians, gaussianMI, gaussianStaircase, rhoForMI } from '../../src/data/correlatedGaussians.js';
import { gridCentres, gridGaussians } from '../../src/data/gridGaussians.js';
import { oneHotPairs } from '../../src/data/oneHot.js';
import { swissRoll } from '../../src/data/swissRoll.js';
import { Rng } from '../../src/util/rng.js';

describe('correlated Gaussians', () => {
  it('closed-form MI: d = 20, ρ = 0.5 gives −10·log(0.75) = 2.8768 nats (MINE §5.1)', () => {
    expect(gaussianMI(0.5, 20)).toBeCloseTo(2.876820724517809, 12);
  });
  it('rhoForMI inverts gaussianMI for the staircase levels 2…10 nats in 20-D', () => {
    for (const mi of [2, 4, 6, 8, 10]) expect(gaussianMI(rhoForMI(mi, 20), 20)).toBeCloseTo(mi, 10);
  });
  it('samples have unit variances and correlation ρ per coordinate (n = 50k, 4 standard errors)', () => {
    const b = correlatedGaussians({ dim: 2, rho: -0.7 }).sample(50_000, new Rng(1), 0);
    let sxy = 0,
      sxx = 0,
      syy = 0;
    for (let i = 0; i < b.x.length; i++) {
      sxy += b.x[i] * b.y[i];
      sxx += b.x[i] ** 2;
      syy += b.y[i] ** 2;
    }
    const n = b.x.length;
    expect(Math.abs(sxx / n - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    expect(Math.abs(syy / n - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    expect(Math.abs(sxy / Math.sqrt(sxx * syy) + 0.7)).toBeLessThan((4 * (1 - 0.49)) / Math.sqrt(n));
  });
  it('rejects ρ outside (−1, 1) naming the field', () => {
    expect(() => correlatedGaussians({ dim: 2, rho: 1 })).toThrow(/data\.rho must be in \(-1, 1\), got 1/);
  });
  it('rejects a non-positive dimension naming the field', () => {
    expect(() => correlatedGaussians({ dim: -3, rho: 0.1 })).toThrow(/data\.dim must be a positive integer, got -3/);
  });
});

describe('the staircase of Poole et al.', () => {
  const s = gaussianStaircase({ dim: 20, levels: [2, 4, 6, 8, 10], stepsPerLevel: 4000 });
  it('holds each level for stepsPerLevel steps and stays at the last one', () => {
    expect([0, 3999, 4000, 15999, 16000, 19999, 25000].map((t) => s.trueMI(t))).toEqual([2, 2, 4, 8, 10, 10, 10]);
  });
  it('samples at step t have the correlation of that level', () => {
    const b = s.sample(20_000, new Rng(2), 12_000); // level 8 nats
    let sxy = 0;
    for (let i = 0; i < b.x.length; i++) sxy += b.x[i] * b.y[i];
    expect(sxy / b.x.length).toBeCloseTo(rhoForMI(8, 20), 1);
  });
});

describe('one-hot pairs', () => {
  it('I = log N and y = x, one 1 per row', () => {
    const d = oneHotPairs({ categories: 16 });
    expect(d.trueMI(0)).toBeCloseTo(Math.log(16), 12);
    const b = d.sample(100, new Rng(3), 0);
    expect(Array.from(b.y)).toEqual(Array.from(b.x));
    for (let i = 0; i < 100; i++) expect(b.x.subarray(i * 16, (i + 1) * 16).reduce((a, v) => a + v, 0)).toBe(1);
  });
});

describe('25 Gaussians', () => {
  it('has centres {-4,-2,0,2,4}² (25 of them)', () => {
    const c = gridCentres(5, 2);
    const xs = new Set<number>(),
      ys = new Set<number>();
    for (let k = 0; k < 25; k++) {
      xs.add(c[2 * k]);
      ys.add(c[2 * k + 1]);
    }
    expect([...xs].sort((a, b) => a - b)).toEqual([-4, -2, 0, 2, 4]);
    expect([...ys].sort((a, b) => a - b)).toEqual([-4, -2, 0, 2, 4]);
  });
  it('puts every sample within 6σ of a centre and visits all 25 modes (n = 10k)', () => {
    const g = gridGaussians();
    const s = g.sample(10_000, new Rng(4));
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      let best = 0,
        bd = Infinity;
      for (let k = 0; k < 25; k++) {
        const d = Math.hypot(s[2 * i] - g.centres[2 * k], s[2 * i + 1] - g.centres[2 * k + 1]);
        if (d < bd) {
          bd = d;
          best = k;
        }
      }
      expect(bd).toBeLessThan(6 * 0.05);
      seen.add(best);
    }
    expect(seen.size).toBe(25);
  });
});

describe('swiss roll', () => {
  it('lies in [-2, 2]² at the default scale and noise 0', () => {
    const s = swissRoll({ noise: 0 }).sample(5000, new Rng(5));
    for (const v of s) expect(Math.abs(v)).toBeLessThanOrEqual((4.5 * Math.PI) / 7.5 + 1e-6);
  });
  it('is reproducible: the same seed gives the same points', () => {
    expect(Array.from(swissRoll().sample(10, new Rng(6)))).toEqual(Array.from(swissRoll().sample(10, new Rng(6))));
  });
});
