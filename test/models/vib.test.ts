/**
 * VIB's rate term (Alemi et al. 2017 eq. 6): KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σ (σ² + μ² − 1 − log σ²),
 * checked against a float64 reference, at its zero (μ = 0, σ = 1), and for a non-zero gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { gaussianKlToStandardNormal, vibRate } from '../../src/models/vib.js';
import { Rng } from '../../src/util/rng.js';

describe('VIB KL to N(0, I)', () => {
  it('matches the closed form computed in float64, row by row', () => {
    const rng = new Rng(7);
    const n = 6,
      k = 9;
    const mu = Array.from({ length: n * k }, () => 2 * rng.normal());
    const sigma = Array.from({ length: n * k }, () => Math.exp(rng.normal()));
    const got = tf.tidy(() =>
      gaussianKlToStandardNormal(tf.tensor2d(mu, [n, k]), tf.tensor2d(sigma, [n, k]))
        .dataSync()
        .slice(),
    );
    for (let i = 0; i < n; i++) {
      let ref = 0;
      for (let j = 0; j < k; j++) {
        const m = mu[i * k + j],
          s = sigma[i * k + j];
        ref += 0.5 * (s * s + m * m - 1 - Math.log(s * s));
      }
      expect(got[i]).toBeCloseTo(ref, 3);
      expect(Math.abs(got[i] - ref) / ref).toBeLessThan(1e-5);
    }
  });

  it('is 0 for p(z|x) = N(0, I) and the batch mean of the rows otherwise', () => {
    expect(tf.tidy(() => vibRate(tf.zeros([3, 4]) as tf.Tensor2D, tf.ones([3, 4]) as tf.Tensor2D).dataSync()[0])).toBe(0);
    // one row μ = 1 (KL = ½·4·1 = 2 over 4 dims), one row at the prior (0): mean 1
    const v = tf.tidy(() => vibRate(tf.tensor2d([1, 1, 1, 1, 0, 0, 0, 0], [2, 4]), tf.ones([2, 4]) as tf.Tensor2D).dataSync()[0]);
    expect(v).toBeCloseTo(1, 6);
  });

  it('has the analytic gradient: ∂KL/∂μ = μ, ∂KL/∂σ = σ − 1/σ', () => {
    const [gm, gs] = tf.tidy(() => {
      const g = tf.grads((m: tf.Tensor, s: tf.Tensor) => tf.sum(gaussianKlToStandardNormal(m as tf.Tensor2D, s as tf.Tensor2D)));
      return g([tf.tensor2d([[0.5, -2]]), tf.tensor2d([[2, 0.5]])]).map((t) => t.dataSync().slice());
    });
    expect(Array.from(gm)).toEqual([0.5, -2]);
    expect(gs[0]).toBeCloseTo(2 - 0.5, 5);
    expect(gs[1]).toBeCloseTo(0.5 - 2, 5);
  });
});
