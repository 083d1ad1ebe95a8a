/**
 * The MI tail ops of src/backend/tailOps.ts on wasm: logMeanExp (one kernel each way) against the
 * tf.logSumExp composite on the stock cpu kernels and a float64 reference, its gradient, its
 * fallbacks; MINE's log moving average against its composite; detach as a stop-gradient that the
 * engine prunes.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { detach, LOG_MEAN_EXP, LOG_MEAN_EXP_GRAD, LOG_MOVING_AVERAGE, logMeanExp, logMovingAverage } from '../../src/backend/tailOps.js';
import { Rng } from '../../src/util/rng.js';
import { onCpu } from '../fixtures/onCpu.js';

const rand = (n: number, seed: number, scale = 1, shift = 0) => {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => shift + scale * r.normal());
};

/** value and gradient of Σ_k w_k · logMeanExp(v) for the op, or for the composite when `composite`. */
const valueAndGrad = (v: Float32Array, composite: boolean) =>
  tf.tidy(() => {
    const f = (x: tf.Tensor) => tf.mul(composite ? tf.sub(tf.logSumExp(x), Math.log(v.length)) : logMeanExp(x as tf.Tensor1D), 1.7);
    const { value, grad } = tf.valueAndGrad(f)(tf.tensor1d(v));
    return { value: value.dataSync()[0], grad: Array.from(grad.dataSync()) };
  });

describe('tail ops on wasm', () => {
  it('logMeanExp equals the float64 value log((1/n) Σ e^v) over scales from 1e-3 to 80 (where e^v overflows float32)', () => {
    for (const [seed, scale, shift] of [
      [1, 1e-3, 0],
      [2, 1, 0],
      [3, 10, -5],
      [4, 1, 80],
    ] as const) {
      const v = rand(64, seed, scale, shift);
      let m = -Infinity;
      v.forEach((x) => (m = Math.max(m, x)));
      const ref = m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0) / v.length);
      const got = tf.tidy(() => logMeanExp(tf.tensor1d(v)).dataSync()[0]);
      expect(Math.abs(got - ref)).toBeLessThanOrEqual(2e-7 * Math.max(1, Math.abs(ref)));
    }
  });

  it('value and gradient equal the tf.logSumExp composite on the cpu kernels (random vectors, n from 1 to 4096)', async () => {
    for (const [i, n] of [1, 2, 64, 4032, 4096].entries()) {
      const v = rand(n, 10 + i, 3);
      const got = valueAndGrad(v, false);
      const ref = await onCpu(() => valueAndGrad(v, true));
      expect(Math.abs(got.value - ref.value)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref.value)));
      got.grad.forEach((g, j) => expect(Math.abs(g - ref.grad[j])).toBeLessThanOrEqual(1e-6));
    }
  });

  it('is one kernel forward and one backward', async () => {
    const p = await tf.profile(() => tf.tidy(() => void tf.grad((x: tf.Tensor) => logMeanExp(x as tf.Tensor1D))(tf.tensor1d([1, 2, 3]))));
    expect(p.kernels.map((k) => k.name).filter((k) => k.startsWith('Infobound'))).toEqual([LOG_MEAN_EXP, LOG_MEAN_EXP_GRAD]);
    expect(p.kernels.length).toBeLessThanOrEqual(4); // + the tensor creation and the ones seed of the gradient
  });

  it('inside a nested gradient scope it runs the composite (its backward kernel has no gradient of its own)', () => {
    const kernel = tf.getKernel(LOG_MEAN_EXP, 'wasm') as { kernelFunc: tf.KernelFunc };
    const original = kernel.kernelFunc;
    let calls = 0;
    kernel.kernelFunc = ((args: Parameters<tf.KernelFunc>[0]) => (calls++, original(args))) as tf.KernelFunc;
    try {
      const g = tf.tidy(() => {
        const x = tf.tensor1d([0, 0]);
        // the inner gradient's forward pass runs at gradient depth 2; detach keeps the outer one first-order
        return tf
          .grad((v: tf.Tensor) => tf.add(tf.sum(v), tf.sum(detach(tf.grad((y: tf.Tensor) => logMeanExp(y as tf.Tensor1D))(v)))))(x)
          .dataSync();
      });
      expect(Array.from(g)).toEqual([1, 1]);
      expect(calls).toBe(0);
    } finally {
      kernel.kernelFunc = original;
    }
  });

  it('detach passes the value and stops the gradient: d/dx [x·detach(x)] at x = 3 is 3, with nothing backpropagated through the detached branch', async () => {
    const p = await tf.profile(() =>
      tf.tidy(() => {
        const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => tf.sum(tf.mul(x, detach(tf.exp(tf.log(x))))))(tf.scalar(3));
        expect(value.dataSync()[0]).toBeCloseTo(9, 4);
        expect(grad.dataSync()[0]).toBeCloseTo(3, 5);
      }),
    );
    // the backward pass has no Exp/Log gradients: the detached branch was pruned from the tape
    const names = p.kernels.map((k) => k.name);
    expect(names.filter((k) => k === 'Exp').length).toBe(1);
    expect(names.filter((k) => k === 'Log').length).toBe(1);
  });

  /** MINE's update as dv.ts wrote it in tf ops (the reference), and its gradient w.r.t. prev and batch. */
  const movingAverage = (p: number, b: number, r: number, composite: boolean) =>
    tf.tidy(() => {
      const f = (prev: tf.Tensor, batch: tf.Tensor) =>
        composite
          ? tf.where(tf.isNaN(prev), batch, tf.logSumExp(tf.stack([tf.add(prev, Math.log(1 - r)), tf.add(batch, Math.log(r))])))
          : logMovingAverage(prev as tf.Scalar, batch as tf.Scalar, r);
      const value = f(tf.scalar(p), tf.scalar(b)).dataSync()[0];
      const grads = tf
        .grads(f)([tf.scalar(p), tf.scalar(b)])
        .map((g) => g.dataSync()[0]);
      return { value, grads };
    });

  it('logMovingAverage equals log((1−r)e^prev + r·e^batch) of the composite on the cpu kernels, and batch while prev is NaN', async () => {
    const cases: [number, number, number][] = [
      [NaN, -0.7, 0.01],
      [0.3, 1.2, 0.01],
      [-3, 40, 0.01],
      [5, 5, 0.5],
      [2, -60, 0.2],
      [1, 2, 1],
    ];
    for (const [p, b, r] of cases) {
      const got = movingAverage(p, b, r, false);
      const ref = await onCpu(() => movingAverage(p, b, r, true));
      expect(Math.abs(got.value - ref.value)).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(ref.value)));
      // with prev NaN the composite's gradient is NaN (0·NaN through the unused branch); ours is (0, 1)
      if (!Number.isNaN(p)) got.grads.forEach((g, i) => expect(Math.abs(g - ref.grads[i])).toBeLessThanOrEqual(1e-6));
    }
    expect(movingAverage(NaN, -0.7, 0.01, false)).toEqual({ value: expect.closeTo(-0.7, 6), grads: [0, 1] });
    const p = await tf.profile(() => tf.tidy(() => void logMovingAverage(tf.scalar(0.3), tf.scalar(1.2), 0.01)));
    expect(p.kernels.map((k) => k.name).filter((k) => k !== 'Identity' && k !== 'Cast')).toEqual([LOG_MOVING_AVERAGE]);
    expect(() => logMovingAverage(tf.scalar(0), tf.scalar(0), 0)).toThrow(/rate must be in \(0, 1\]/);
  });

  it('leaves no tensor or wasm buffer behind', () => {
    const ids = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const v = rand(64, 5);
    valueAndGrad(v, false);
    const before = { ...tf.memory(), ids: ids() };
    for (let i = 0; i < 30; i++) {
      valueAndGrad(v, false);
      tf.tidy(() => void detach(tf.ones([3])));
    }
    expect({ ...tf.memory(), ids: ids() }).toEqual(before);
  });
});
