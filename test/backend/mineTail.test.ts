/**
 * MINE's objective tail as fused wasm kernels (src/backend/mineTail.ts) against the same quantities
 * composed of tfjs ops on the stock cpu kernels (the formulas of src/mi/dv.ts: DV bound, log moving
 * average, the bias-corrected surrogate): values and gradients on random scores, the first step
 * (moving average NaN), marginal sets larger than the joint one, and the fallbacks.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { MINE_TAIL, MINE_TAIL_GRAD, mineTail } from '../../src/backend/mineTail.js';
import { detach } from '../../src/backend/tailOps.js';
import { Rng } from '../../src/util/rng.js';
import { onCpu } from '../fixtures/onCpu.js';

const rand = (n: number, seed: number, scale = 1) => {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => scale * r.normal());
};

/** The tail composed of tf ops, as src/mi/dv.ts computes it (Belghazi et al. 2018, eqs. 10 and 12). */
function composite(j: tf.Tensor1D, m: tf.Tensor1D, prev: tf.Scalar, r: number) {
  const jointTerm = tf.mean(j) as tf.Scalar;
  const marginalTerm = tf.sub(tf.logSumExp(m), Math.log(m.shape[0])) as tf.Scalar;
  const mi = tf.sub(jointTerm, marginalTerm) as tf.Scalar;
  const batch = detach(marginalTerm);
  const mixed = tf.logSumExp(tf.stack([tf.add(prev, Math.log(1 - r)), tf.add(batch, Math.log(r))]));
  const logMovingAverage = tf.where(tf.isNaN(prev), batch, mixed) as tf.Scalar;
  const surrogate = tf.sub(jointTerm, tf.exp(tf.sub(marginalTerm, detach(logMovingAverage))));
  const miForGradient = tf.add(surrogate, detach(tf.sub(mi, surrogate))) as tf.Scalar;
  return { jointTerm, marginalTerm, mi, logMovingAverage, miForGradient };
}

type Case = { joint: Float32Array; marginal: Float32Array; prev: number; rate: number; weights: number[] };

/** The five outputs and the gradients of Σ_k w_k·output_k (w over jointTerm, marginalTerm, mi, miForGradient). */
function evaluate(c: Case, fused: boolean) {
  return tf.tidy(() => {
    const f = (j: tf.Tensor, m: tf.Tensor) => {
      const o = fused
        ? mineTail(j as tf.Tensor1D, m as tf.Tensor1D, tf.scalar(c.prev), c.rate)
        : composite(j as tf.Tensor1D, m as tf.Tensor1D, tf.scalar(c.prev), c.rate);
      if (!o) throw new Error('mineTail declined');
      return o;
    };
    const j = tf.tensor1d(c.joint),
      m = tf.tensor1d(c.marginal);
    const o = f(j, m);
    const values = [o.jointTerm, o.marginalTerm, o.mi, o.logMovingAverage, o.miForGradient].map((t) => t.dataSync()[0]);
    const [a, b, d, e] = c.weights;
    const grads = tf
      .grads((jj: tf.Tensor, mm: tf.Tensor) => {
        const p = f(jj, mm);
        return tf.addN([tf.mul(p.jointTerm, a), tf.mul(p.marginalTerm, b), tf.mul(p.mi, d), tf.mul(p.miForGradient, e)]) as tf.Scalar;
      })([j, m])
      .map((g) => Array.from(g.dataSync()));
    return { values, grads };
  });
}

const close = (a: number, b: number, tol: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));

describe('MINE tail on wasm', () => {
  const cases: Case[] = [
    { joint: rand(64, 1), marginal: rand(64, 2), prev: Number.NaN, rate: 0.01, weights: [0, 0, 0, 1] }, // first step, the MINE loss' gradient
    { joint: rand(64, 3), marginal: rand(64, 4), prev: 0.4, rate: 0.01, weights: [0, 0, 0, 1] },
    { joint: rand(256, 5, 3), marginal: rand(256, 6, 3), prev: 2.5, rate: 0.1, weights: [0.3, -1.2, 0.7, -1] }, // every output's gradient
    { joint: rand(64, 7), marginal: rand(64 * 63, 8, 2), prev: -1, rate: 1, weights: [1, 2, 3, 4] }, // all-pairs marginals
  ];

  it('values and gradients equal the tf-op composition on the cpu kernels (first step, later steps, every output, 4032 marginal scores)', async () => {
    for (const c of cases) {
      const got = evaluate(c, true);
      const ref = await onCpu(() => evaluate(c, false));
      got.values.forEach((v, k) => close(v, ref.values[k], 2e-6));
      got.grads.forEach((g, k) => g.forEach((v, i) => close(v, ref.grads[k][i], 1e-5)));
    }
  });

  it('is one kernel forward and one backward (the composition: ~40 and ~30)', async () => {
    const p = await tf.profile(() => void evaluate(cases[1], true));
    const names = p.kernels.map((k) => k.name);
    expect(names.filter((k) => k === MINE_TAIL).length).toBe(2); // the values pass and the gradient pass
    expect(names.filter((k) => k === MINE_TAIL_GRAD).length).toBe(1);
    expect(names.filter((k) => ['Max', 'Exp', 'Log', 'Select'].includes(k)).length).toBe(0);
  });

  it('declines (null) on other backends and inside nested gradients', async () => {
    let onCpuResult: unknown = 'unset';
    await onCpu(() => tf.tidy(() => void (onCpuResult = mineTail(tf.ones([4]) as tf.Tensor1D, tf.ones([4]) as tf.Tensor1D, tf.scalar(0), 0.01))));
    expect(onCpuResult).toBeNull();
    let nested: unknown = 'unset';
    tf.tidy(() => {
      // the inner gradient's forward pass runs at gradient depth 2
      const inner = (x: tf.Tensor) =>
        tf.grad((y: tf.Tensor) => ((nested = mineTail(y as tf.Tensor1D, y as tf.Tensor1D, tf.scalar(0), 0.01)), tf.sum(tf.square(y))))(x);
      tf.grad((x: tf.Tensor) => tf.add(tf.sum(x), tf.sum(detach(inner(x)))))(tf.ones([3]));
    });
    expect(nested).toBeNull();
    expect(() => mineTail(tf.ones([2]) as tf.Tensor1D, tf.ones([2]) as tf.Tensor1D, tf.scalar(0), 0)).toThrow(/rate must be in \(0, 1\]/);
  });

  it('leaves no tensor or wasm buffer behind', () => {
    const ids = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    evaluate(cases[2], true);
    const before = { ...tf.memory(), ids: ids() };
    for (let i = 0; i < 20; i++) evaluate(cases[2], true);
    expect({ ...tf.memory(), ids: ids() }).toEqual(before);
  });
});
