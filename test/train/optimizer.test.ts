/**
 * setLearningRate (src/train/optimizer.ts), the hook of learning-rate schedules: the optimizer's
 * next step uses the new rate, on the backend the tests run (for Adam the fused in-place kernel
 * where the native addon built, tfjs' stock optimizer otherwise).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createOptimizer, setLearningRate } from '../../src/train/optimizer.js';

/** One step on L(w) = Σ w_i·g_i from w = 0 with the rate set to `lr` after creation at `created`; returns w. */
function stepFrom(kind: 'adam' | 'sgd' | 'rmsprop', created: number, lr: number): Float32Array {
  const w = tf.variable(tf.zeros([4]), true, `lr-test-${kind}-${created}-${lr}-${Math.random()}`);
  const g = tf.tensor1d([0.5, -2, 3, -0.25]);
  const opt = createOptimizer({ kind, learningRate: created, beta1: 0.9, beta2: 0.999 });
  setLearningRate(opt, lr);
  opt.minimize(() => tf.sum(tf.mul(w, g)) as tf.Scalar, false, [w]);
  const out = w.dataSync().slice() as Float32Array;
  tf.dispose([w, g]);
  opt.dispose();
  return out;
}

describe('setLearningRate', () => {
  it("Adam's first step after setting the rate to 0.01 moves every weight by 0.01 against its gradient's sign (m̂/√v̂ = ±1 on step 1)", () => {
    const w = stepFrom('adam', 0.1, 0.01);
    const expected = [-0.01, 0.01, -0.01, 0.01];
    w.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it("SGD's step after setting the rate to 0.01 is −0.01·g", () => {
    const w = stepFrom('sgd', 0.5, 0.01);
    const expected = [-0.005, 0.02, -0.03, 0.0025];
    w.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('a step at a rate set later equals a step of an optimizer created with that rate (Adam, SGD, RMSProp)', () => {
    for (const kind of ['adam', 'sgd', 'rmsprop'] as const) expect(stepFrom(kind, 0.3, 0.02)).toEqual(stepFrom(kind, 0.02, 0.02));
  });

  it('rejects a rate that is not a positive finite number', () => {
    const opt = createOptimizer({ kind: 'adam', learningRate: 0.1 });
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => setLearningRate(opt, bad)).toThrow(/learning rate must be a positive number/);
    opt.dispose();
  });
});
