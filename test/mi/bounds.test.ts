/**
 * The bounds as pure functions: values against float64 references, the orderings theory gives,
 * and known answers with the optimal critic (no training): for correlated Gaussians the optimal DV
 * critic is the log density ratio, log N(y; ρx, 1−ρ²) − log N(y; 0, 1), and every bound evaluated
 * at its optimal critic on many samples lands on the closed-form MI −½·log(1−ρ²).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { donskerVaradhan, etaDonskerVaradhan, infoNce, jensenShannon, nwj, smileDv } from '../../src/mi/bounds.js';
import { Rng } from '../../src/util/rng.js';

const scalar = (t: tf.Tensor) => t.dataSync()[0];
// tfjs takes float32 arrays; the references stay in float64
const f32 = (a: Float64Array) => tf.tensor1d(Float32Array.from(a));

function randomScores(n: number, seed: number, scale = 1, shift = 0): Float64Array {
  const r = new Rng(seed);
  return Float64Array.from({ length: n }, () => shift + scale * r.normal());
}

function dv64(j: Float64Array, m: Float64Array): number {
  const mean = j.reduce((a, b) => a + b, 0) / j.length;
  const mx = Math.max(...m);
  const lme = mx + Math.log(m.reduce((a, b) => a + Math.exp(b - mx), 0) / m.length);
  return mean - lme;
}

/** x, y ~ 1-D Gaussians with correlation ρ; T* = log p(y|x)/p(y) on aligned and on shuffled pairs. */
function optimalGaussianScores(n: number, rho: number, seed: number) {
  const r = new Rng(seed);
  const x = new Float64Array(n),
    y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = r.normal();
    y[i] = rho * x[i] + Math.sqrt(1 - rho * rho) * r.normal();
  }
  const s2 = 1 - rho * rho;
  const t = (a: number, b: number) => -0.5 * Math.log(s2) - (b - rho * a) ** 2 / (2 * s2) + (b * b) / 2;
  const perm = r.permutation(n);
  const joint = Float64Array.from({ length: n }, (_, i) => t(x[i], y[i]));
  const marginal = Float64Array.from({ length: n }, (_, i) => t(x[i], y[perm[i]]));
  const matrix = (k: number) => {
    const m = new Float32Array(k * k);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) m[i * k + j] = t(x[i], y[j]);
    return m;
  };
  return { joint, marginal, matrix, trueMI: -0.5 * Math.log(s2) };
}

describe('bounds on fixed scores', () => {
  it('DV equals mean(T_P) − log mean(e^{T_Q}) computed in float64', () => {
    const j = randomScores(500, 1, 1, 0.5),
      m = randomScores(500, 2, 2);
    tf.tidy(() => {
      const b = donskerVaradhan(f32(j), f32(m));
      expect(scalar(b.mi)).toBeCloseTo(dv64(j, m), 4);
      expect(scalar(b.mi)).toBeCloseTo(scalar(b.jointTerm) - scalar(b.marginalTerm), 5);
    });
  });

  it('DV is stable for large scores (log-sum-exp): T_Q = 1000 gives mean(T_P) − 1000', () => {
    tf.tidy(() => {
      const b = donskerVaradhan(tf.tensor1d([1001, 1003]), tf.tensor1d([1000, 1000]));
      expect(scalar(b.mi)).toBeCloseTo(2, 3);
    });
  });

  it('NWJ equals mean(T_P) − mean(e^{T_Q − 1}) in float64', () => {
    const j = randomScores(300, 3),
      m = randomScores(300, 4);
    const ref = j.reduce((a, b) => a + b, 0) / 300 - m.reduce((a, b) => a + Math.exp(b - 1), 0) / 300;
    tf.tidy(() => void expect(scalar(nwj(f32(j), f32(m)).mi)).toBeCloseTo(ref, 4));
  });

  it('DV ≥ NWJ for the same critic (log u ≤ u/e), on 20 random critics', () => {
    for (let s = 0; s < 20; s++) {
      const j = randomScores(64, 10 + s, 1 + s / 5, s / 4 - 2),
        m = randomScores(64, 100 + s, 1 + s / 10, s / 3 - 3);
      tf.tidy(() => {
        const jt = f32(j),
          mt = f32(m);
        expect(scalar(donskerVaradhan(jt, mt).mi)).toBeGreaterThanOrEqual(scalar(nwj(jt, mt).mi) - 1e-6);
      });
    }
  });

  it('η-DV ≤ DV for every η, with equality at η = log E_Q[e^T] (Mroueh et al. eq. 5)', () => {
    const j = randomScores(200, 5),
      m = randomScores(200, 6, 1.5, 0.3);
    tf.tidy(() => {
      const jt = f32(j),
        mt = f32(m);
      const dv = scalar(donskerVaradhan(jt, mt).mi);
      const etaStar = scalar(donskerVaradhan(jt, mt).marginalTerm);
      for (const eta of [-2, -0.5, 0, 0.5, 1, 3]) expect(scalar(etaDonskerVaradhan(jt, mt, tf.scalar(eta)).mi)).toBeLessThanOrEqual(dv + 1e-6);
      expect(scalar(etaDonskerVaradhan(jt, mt, tf.scalar(etaStar)).mi)).toBeCloseTo(dv, 5);
    });
  });

  it('InfoNCE never exceeds log n, even with a perfect critic (n = 8, diagonal 100)', () => {
    tf.tidy(() => {
      const m = tf.add(tf.mul(tf.eye(8), 100), tf.zeros([8, 8])) as tf.Tensor2D;
      const v = scalar(infoNce(m).mi);
      expect(v).toBeLessThanOrEqual(Math.log(8) + 1e-5);
      expect(v).toBeCloseTo(Math.log(8), 4);
    });
  });

  it('a NaN score makes every bound NaN (no silent masking)', () => {
    tf.tidy(() => {
      const j = tf.tensor1d([0.1, NaN, 0.3]),
        m = tf.tensor1d([0.2, 0.1, 0.0]);
      expect(scalar(donskerVaradhan(j, m).mi)).toBeNaN();
      expect(scalar(nwj(j, m).mi)).toBeNaN();
      expect(scalar(jensenShannon(j, m).mi)).toBeNaN();
      expect(scalar(donskerVaradhan(m, j).mi)).toBeNaN();
    });
  });

  it('rejects empty or non-1-D scores with a message naming the argument', () => {
    tf.tidy(() => {
      expect(() => donskerVaradhan(tf.tensor1d([]), tf.tensor1d([1]))).toThrow(/tJoint/);
      expect(() => nwj(tf.tensor1d([1]), tf.tensor2d([[1]]) as unknown as tf.Tensor1D)).toThrow(/tMarginal/);
      expect(() => infoNce(tf.zeros([2, 3]) as tf.Tensor2D)).toThrow(/square/);
    });
  });
});

describe('bounds at the optimal critic land on the closed-form MI (ρ = 0.8, I = 0.5108 nats, n = 20000)', () => {
  const { joint, marginal, matrix, trueMI } = optimalGaussianScores(20000, 0.8, 11);
  it('DV(T*) ≈ I within 0.03', () => {
    tf.tidy(() => void expect(Math.abs(scalar(donskerVaradhan(f32(joint), f32(marginal)).mi) - trueMI)).toBeLessThan(0.03));
  });
  it('NWJ(T* + 1) ≈ I within 0.03 (NWJ’s optimal critic is 1 + log p/q)', () => {
    tf.tidy(() => {
      const j = tf.add(f32(joint), 1) as tf.Tensor1D,
        m = tf.add(f32(marginal), 1) as tf.Tensor1D;
      expect(Math.abs(scalar(nwj(j, m).mi) - trueMI)).toBeLessThan(0.03);
    });
  });
  it('SMILE with τ = 5 at T* ≈ I within 0.03 (clipping is inactive where e^{T*} < e^5)', () => {
    tf.tidy(() => void expect(Math.abs(scalar(smileDv(f32(joint), f32(marginal), 5).mi) - trueMI)).toBeLessThan(0.03));
  });
  it('InfoNCE(T*) on a 512×512 score matrix ≈ I within 0.05 (I ≪ log 512)', () => {
    tf.tidy(() => void expect(Math.abs(scalar(infoNce(tf.tensor2d(matrix(512), [512, 512])).mi) - trueMI)).toBeLessThan(0.05));
  });
});
