/**
 * The all-pairs first layer as one wasm kernel each way (src/backend/pairSumRelu.ts) against the
 * same quantity composed of tfjs ops on the stock cpu kernels: relu(a_i + c_j) for every pair, and
 * the gradients of a weighted sum of it with respect to a and c (native kernels; without the addon
 * the op declines and ConcatCritic.matrix runs tf ops). ConcatCritic.matrix must run it.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { PAIR_SUM_RELU, PAIR_SUM_RELU_GRAD, pairSumRelu } from '../../src/backend/pairSumRelu.js';
import { loadNativeBlas } from '../../src/backend/nativeBlas.js';
import { registerWasmKernelFixes } from '../../src/backend/wasmKernels.js';
import { ConcatCritic } from '../../src/nets/critics.js';
import { Rng } from '../../src/util/rng.js';
import { onCpu } from '../fixtures/onCpu.js';

const native = loadNativeBlas();
const use = (path: 'native' | 'portable') => registerWasmKernelFixes(path === 'native' ? native.blas : null);

const rand = (len: number, seed: number) => {
  const r = new Rng(seed);
  return Float32Array.from({ length: len }, () => r.normal());
};

/** relu(a_i + c_j) as tfjs ops: broadcast add of [n,1,h] and [1,m,h], then Relu. */
const composite = (a: tf.Tensor2D, c: tf.Tensor2D) => {
  const [n, h] = a.shape,
    m = c.shape[0];
  return tf.relu(tf.add(a.reshape([n, 1, h]), c.reshape([1, m, h]))).reshape([n * m, h]) as tf.Tensor2D;
};

function evaluate(n: number, m: number, h: number, seed: number, fused: boolean) {
  return tf.tidy(() => {
    const a = tf.tensor2d(rand(n * h, seed), [n, h]),
      c = tf.tensor2d(rand(m * h, seed + 1), [m, h]);
    const w = tf.tensor2d(rand(n * m * h, seed + 2), [n * m, h]);
    const f = (aa: tf.Tensor2D, cc: tf.Tensor2D) => {
      const o = fused ? pairSumRelu(aa, cc) : composite(aa, cc);
      if (!o) throw new Error('pairSumRelu declined');
      return o;
    };
    const value = Array.from(f(a, c).dataSync());
    const grads = tf
      .grads((aa: tf.Tensor, cc: tf.Tensor) => tf.sum(tf.mul(f(aa as tf.Tensor2D, cc as tf.Tensor2D), w)))([a, c])
      .map((g) => Array.from(g.dataSync()));
    return { value, grads };
  });
}

const maxAbsDiff = (a: number[], b: number[]) => a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i])), 0);

describe.skipIf(!native.blas)('pairSumRelu on wasm with the native addon', () => {
  for (const [n, m, h] of [
    [7, 5, 3],
    [64, 64, 16],
    [1, 9, 4],
  ]) {
    it(`[${n}·${m}, ${h}]: values bit-equal and gradients within 1e-5 of the tf-op composition on the cpu kernels`, async () => {
      const got = evaluate(n, m, h, n + m + h, true);
      const want = await onCpu(() => evaluate(n, m, h, n + m + h, false));
      expect(got.value).toEqual(want.value);
      expect(got.grads).toHaveLength(2);
      // gradient sums run in float64 here, float32 in tfjs: equal to rounding of ~m (or n) terms
      got.grads.forEach((g, i) => expect(maxAbsDiff(g, want.grads[i])).toBeLessThan(1e-5 * Math.max(n, m)));
    });
  }

  it('a NaN in the incoming gradient stays NaN where the unit is off (dy·step(x), as tfjs)', () => {
    const g = tf.tidy(() => {
      const a = tf.tensor2d([[-1, 1]]),
        c = tf.tensor2d([[0, 0]]);
      return Array.from(
        tf
          .grad((aa: tf.Tensor) => tf.sum(tf.mul(pairSumRelu(aa as tf.Tensor2D, c)!, tf.tensor2d([[Number.NaN, 2]]))))(a)
          .dataSync(),
      );
    });
    expect(Number.isNaN(g[0])).toBe(true);
    expect(g[1]).toBe(2);
  });

  it('returns only the gradient that is asked for, and keeps the tensor count flat', () => {
    const a = tf.tensor2d(rand(12, 1), [4, 3]),
      c = tf.tensor2d(rand(6, 2), [2, 3]);
    const before = tf.memory().numTensors;
    const ga = tf.tidy(() => tf.grad((aa: tf.Tensor) => tf.sum(pairSumRelu(aa as tf.Tensor2D, c)!))(a));
    const want = tf.tidy(() => tf.grad((aa: tf.Tensor) => tf.sum(composite(aa as tf.Tensor2D, c)))(a));
    expect(Array.from(ga.dataSync())).toEqual(Array.from(want.dataSync()));
    tf.dispose([ga, want]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, c]);
  });

  it('ConcatCritic.matrix runs the fused kernels (one forward, one backward) on a ReLU critic', () => {
    const critic = new ConcatCritic(3, 2, [8, 8], new Rng(1));
    const x = tf.tensor2d(rand(15, 3), [5, 3]),
      y = tf.tensor2d(rand(10, 4), [5, 2]);
    const kernels: string[] = [];
    const profile = tf.profile(() => tf.tidy(() => tf.variableGrads(() => tf.sum(critic.matrix(x, y)) as tf.Scalar).value));
    return profile.then((p) => {
      for (const k of p.kernels) kernels.push(k.name);
      expect(kernels.filter((k) => k === PAIR_SUM_RELU)).toHaveLength(1);
      expect(kernels.filter((k) => k === PAIR_SUM_RELU_GRAD)).toHaveLength(1);
      tf.dispose([x, y]);
      critic.dispose();
    });
  });

  it('declines without the addon: ConcatCritic.matrix then runs tf ops with the same scores', () => {
    const critic = new ConcatCritic(3, 2, [8, 8], new Rng(2));
    const x = tf.tensor2d(rand(12, 5), [4, 3]),
      y = tf.tensor2d(rand(8, 6), [4, 2]);
    const fused = tf.tidy(() => Array.from(critic.matrix(x, y).dataSync()));
    use('portable');
    try {
      expect(pairSumRelu(x, x)).toBeNull();
      const plain = tf.tidy(() => Array.from(critic.matrix(x, y).dataSync()));
      plain.forEach((v, i) => expect(Math.abs(v - fused[i])).toBeLessThan(1e-5));
    } finally {
      use('native');
      tf.dispose([x, y]);
      critic.dispose();
    }
  });

  it('declines on the cpu backend (the caller then uses tf ops)', async () => {
    const got = await onCpu(() => {
      const [a, c] = [tf.ones([2, 3]) as tf.Tensor2D, tf.ones([2, 3]) as tf.Tensor2D];
      const out = pairSumRelu(a, c);
      tf.dispose([a, c]);
      return out;
    });
    expect(got).toBeNull();
  });
});
