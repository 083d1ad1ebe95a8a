/**
 * The three stochastic encoders of MINE §5.3 really inject their noise: two ε give two different
 * z for the same x, ε = 0 gives the deterministic path, and the Gaussian encoder's z is exactly
 * μ + softplus(s − 5) ⊙ ε (checked against a float64 reference built from the network's own outputs).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ENCODER_KINDS, StochasticEncoder } from '../../src/nets/encoders.js';
import { Rng } from '../../src/util/rng.js';

const D = 12,
  K = 5,
  N = 7;
const xData = Float32Array.from({ length: N * D }, (_, i) => ((i * 37) % 101) / 101);

/** Runs f in tf.tidy and reads its tensors back (typed arrays leave tidy slowly: read outside). */
function run(f: () => tf.Tensor[]): Float32Array[] {
  const ts = tf.tidy(f);
  const out = ts.map((t) => t.dataSync().slice() as Float32Array);
  tf.dispose(ts);
  return out;
}

describe('stochastic encoders', () => {
  for (const kind of ENCODER_KINDS) {
    it(`${kind}: two draws of ε give different z; ε = 0 gives the deterministic path`, () => {
      const enc = new StochasticEncoder({ kind, hidden: [16], zDim: K, noiseStd: 0.5, noiseDim: 3 }, D, new Rng(1));
      const [z1, z2, z0, det] = run(() => {
        const x = tf.tensor2d(xData, [N, D]);
        const zero = tf.zeros([N, enc.epsDim]) as tf.Tensor2D;
        return [enc.encode(x, enc.sampleNoise(N, 11)), enc.encode(x, enc.sampleNoise(N, 12)), enc.encode(x, zero), enc.deterministic(x)];
      });
      expect(z1.length).toBe(N * K);
      const maxDiff = Math.max(...z1.map((v, i) => Math.abs(v - z2[i])));
      expect(maxDiff).toBeGreaterThan(1e-3);
      // ε = 0: the same computation as the noise-free path, to the last bit
      expect(Array.from(z0)).toEqual(Array.from(det));
      enc.dispose();
    });
  }

  it("gaussian: z = μ + softplus(s − 5) ⊙ ε (Alemi et al.'s offset) against a float64 reference from the raw outputs [μ, s]", () => {
    const enc = new StochasticEncoder({ kind: 'gaussian', hidden: [16], zDim: K }, D, new Rng(2));
    const [params, eps, z] = run(() => {
      const x = tf.tensor2d(xData, [N, D]);
      const e = enc.sampleNoise(N, 5);
      return [enc.net.apply(x), e, enc.encode(x, e)];
    });
    let worst = 0;
    for (let i = 0; i < N; i++) {
      for (let k = 0; k < K; k++) {
        const mu = params[i * 2 * K + k],
          s = params[i * 2 * K + K + k];
        const ref = mu + Math.log1p(Math.exp(s - 5)) * eps[i * K + k];
        worst = Math.max(worst, Math.abs(ref - z[i * K + k]));
      }
    }
    expect(worst).toBeLessThan(1e-5);
    enc.dispose();
  });

  it('additive: z = enc(x + σ ε), so ε and σ enter only through x + σ ε', () => {
    const enc = new StochasticEncoder({ kind: 'additive', hidden: [16], zDim: K, noiseStd: 0.25 }, D, new Rng(3));
    const [a, b] = run(() => {
      const x = tf.tensor2d(xData, [N, D]);
      const e = enc.sampleNoise(N, 9);
      return [enc.encode(x, e), enc.deterministic(tf.add(x, tf.mul(e, 0.25)) as tf.Tensor2D)];
    });
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-6);
    enc.dispose();
  });

  it('a mis-shaped ε is an error naming the expected shape', () => {
    const enc = new StochasticEncoder({ kind: 'propagated', hidden: [4], zDim: K, noiseDim: 3 }, D, new Rng(4));
    expect(() => run(() => [enc.encode(tf.tensor2d(xData, [N, D]), tf.zeros([N, 4]) as tf.Tensor2D)])).toThrow(/ε must have shape \[7, 3\], got \[7, 4\]/);
    enc.dispose();
  });
});
