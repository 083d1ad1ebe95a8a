/**
 * The MI code on the fused tail kernels of src/backend (issue 17): src/mi/ops.ts' logMeanExp and
 * stopGradient, MINE's tail in DvEstimator (mineTail) and the reported log E_Q[e^T] reused from
 * the DV bound — each against the tf-op composite it replaced (on the stock cpu kernels), with the
 * kernel counts that would change if the wiring broke.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { MINE_TAIL, MINE_TAIL_GRAD } from '../../src/backend/mineTail.js';
import { LOG_MEAN_EXP, LOG_MEAN_EXP_GRAD } from '../../src/backend/tailOps.js';
import { donskerVaradhan } from '../../src/mi/bounds.js';
import { type DvEstimator, mineCorrectedBound, updateLogMovingAverage } from '../../src/mi/dv.js';
import { logMeanExp, stopGradient, valueWithGradientOf } from '../../src/mi/ops.js';
import { createEstimator, parseEstimatorConfig } from '../../src/mi/registry.js';
import { Rng } from '../../src/util/rng.js';
import { onCpu } from '../fixtures/onCpu.js';

const rand = (n: number, seed: number, scale = 1, shift = 0) => {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => shift + scale * r.normal());
};

async function kernelNames(f: () => void): Promise<string[]> {
  const p = await tf.profile(() => tf.tidy(f));
  return p.kernels.map((k) => k.name);
}
const count = (names: string[], name: string) => names.filter((k) => k === name).length;

describe('src/mi/ops.ts on the fused kernels', () => {
  it('logMeanExp is one kernel each way on wasm and equals the tf.logSumExp composite (cpu) in value and gradient', async () => {
    const names = await kernelNames(() => void tf.grad((x: tf.Tensor) => logMeanExp(x as tf.Tensor1D))(tf.tensor1d([1, 2, 3])));
    expect(names.filter((k) => k.startsWith('Infobound'))).toEqual([LOG_MEAN_EXP, LOG_MEAN_EXP_GRAD]);
    for (const [i, n] of [2, 64, 4032].entries()) {
      const v = rand(n, 20 + i, 3);
      const run = () =>
        tf.tidy(() => {
          const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => tf.mul(logMeanExp(x as tf.Tensor1D), 1.3))(tf.tensor1d(v));
          return { value: value.dataSync()[0], grad: Array.from(grad.dataSync()) };
        });
      const got = run(),
        ref = await onCpu(run); // no fused kernel on cpu: the composite
      expect(Math.abs(got.value - ref.value)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref.value)));
      got.grad.forEach((g, j) => expect(Math.abs(g - ref.grad[j])).toBeLessThanOrEqual(1e-6));
    }
  });

  it('stopGradient: the same value, and no gradient — backprop does not reach what is upstream of it', async () => {
    const x = tf.tensor1d([0.5, -1, 2]);
    tf.tidy(() => void expect(Array.from(stopGradient(tf.mul(x, 2)).dataSync())).toEqual([1, -2, 4]));
    // d/dx [x·3 + stop(x²)] = 3: the stopped branch contributes nothing
    const g = tf.tidy(() =>
      Array.from(
        tf
          .grad((v: tf.Tensor) => tf.sum(tf.add(tf.mul(v, 3), stopGradient(tf.square(v)))))(x)
          .dataSync(),
      ),
    );
    expect(g).toEqual([3, 3, 3]);
    // a function of x only through stopGradient has no gradient at all (not a zero one)
    expect(() => tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(stopGradient(tf.exp(v))))(x))).toThrow(/Cannot compute gradient/);
    // pruned: the stopped branch is not walked backward (Sin's gradient would run Cos)
    const names = await kernelNames(() => void tf.grad((v: tf.Tensor) => tf.sum(tf.add(v, stopGradient(tf.sin(v)))))(x));
    expect(count(names, 'Sin')).toBe(1);
    expect(count(names, 'Cos')).toBe(0);
    x.dispose();
  });

  it('valueWithGradientOf: the value of the first, the gradient of the second', () => {
    const x = tf.tensor1d([0.3, 1.2]);
    const { value, grad } = tf.tidy(() => {
      const r = tf.valueAndGrad((v: tf.Tensor) => valueWithGradientOf(tf.sum(tf.exp(v)) as tf.Scalar, tf.sum(tf.square(v)) as tf.Scalar))(x);
      return { value: r.value.dataSync()[0], grad: Array.from(r.grad.dataSync()) };
    });
    expect(value).toBeCloseTo(Math.exp(0.3) + Math.exp(1.2), 5);
    expect(grad[0]).toBeCloseTo(0.6, 6);
    expect(grad[1]).toBeCloseTo(2.4, 6);
    x.dispose();
  });
});

/** One MINE objective on fixed scores: its numbers, the scores' gradients of the loss, the state before/after. */
function mineStep(est: DvEstimator, joint: Float32Array, marginal: Float32Array, updateState: boolean) {
  return tf.tidy(() => {
    const j = tf.tensor1d(joint),
      m = tf.tensor1d(marginal);
    let out: number[] = [];
    const grads = tf.grads((jj: tf.Tensor, mm: tf.Tensor) => {
      const o = est.objective({ joint: jj as tf.Tensor1D, marginal: mm as tf.Tensor1D }, { updateState });
      out = [o.mi, o.jointTerm, o.marginalTerm, o.estimate, o.miForGradient, o.logMeanExpMarginal, o.loss].map((t) => t.dataSync()[0]);
      return o.loss;
    })([j, m]);
    return { out, dj: Array.from(grads[0].dataSync()), dm: Array.from(grads[1].dataSync()), state: est.getState().logMovingAverage };
  });
}

/** The same step composed of tf ops as dv.ts did before mineTail (the fallback it keeps). */
function compositeStep(prev: number, joint: Float32Array, marginal: Float32Array, rate: number) {
  return tf.tidy(() => {
    const j = tf.tensor1d(joint),
      m = tf.tensor1d(marginal);
    let out: number[] = [];
    let next = NaN;
    const grads = tf.grads((jj: tf.Tensor, mm: tf.Tensor) => {
      const lma = updateLogMovingAverage(tf.scalar(prev), stopGradient(logMeanExp(mm as tf.Tensor1D)), rate);
      next = lma.dataSync()[0];
      const { parts, miForGradient } = mineCorrectedBound(jj as tf.Tensor1D, mm as tf.Tensor1D, lma);
      const loss = tf.neg(miForGradient) as tf.Scalar;
      out = [parts.mi, parts.jointTerm, parts.marginalTerm, parts.mi, miForGradient, parts.marginalTerm, loss].map((t) => t.dataSync()[0]);
      return loss;
    })([j, m]);
    return { out, dj: Array.from(grads[0].dataSync()), dm: Array.from(grads[1].dataSync()), state: next };
  });
}

describe('MINE (DvEstimator) on the fused tail', () => {
  it('one MineTail kernel each way per objective, no LogMeanExp besides', async () => {
    const est = createEstimator(parseEstimatorConfig('mine'));
    const names = await kernelNames(
      () =>
        void tf.grads((j: tf.Tensor, m: tf.Tensor) => est.objective({ joint: j as tf.Tensor1D, marginal: m as tf.Tensor1D }).loss)([
          tf.tensor1d(rand(16, 1)),
          tf.tensor1d(rand(16, 2)),
        ]),
    );
    expect(count(names, MINE_TAIL)).toBe(1);
    expect(count(names, MINE_TAIL_GRAD)).toBe(1);
    expect(count(names, LOG_MEAN_EXP)).toBe(0);
    est.dispose();
  });

  it('numbers, gradients and the moving average equal the composite over 5 steps (first step included); updateState false leaves the state', async () => {
    const rate = 0.3; // large, so that the moving average differs from the batch value visibly
    const fused = createEstimator(parseEstimatorConfig({ kind: 'mine', movingAverageRate: rate })) as DvEstimator;
    let prev = NaN;
    for (let step = 0; step < 5; step++) {
      const joint = rand(32, 100 + step, 1, 0.5),
        marginal = rand(48, 200 + step, 2);
      // a look without a state update first: the state stays
      const peek = mineStep(fused, joint, marginal, false);
      expect(peek.state).toEqual(prev);
      const got = mineStep(fused, joint, marginal, true);
      const ref = await onCpu(() => compositeStep(prev, joint, marginal, rate));
      got.out.forEach((v, k) => expect(Math.abs(v - ref.out[k])).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(ref.out[k]))));
      got.dj.forEach((v, k) => expect(Math.abs(v - ref.dj[k])).toBeLessThanOrEqual(1e-7));
      got.dm.forEach((v, k) => expect(Math.abs(v - ref.dm[k])).toBeLessThanOrEqual(1e-6));
      peek.dm.forEach((v, k) => expect(Math.abs(v - ref.dm[k])).toBeLessThanOrEqual(1e-6));
      expect(Math.abs(got.state - ref.state)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(ref.state)));
      prev = got.state;
    }
    fused.dispose();
  });

  it('inside a nested gradient it falls back to the composite: the same value and gradient as on the tape at depth 1', () => {
    const est = createEstimator(parseEstimatorConfig('mine'));
    tf.tidy(() => void est.objective({ joint: tf.tensor1d(rand(8, 9)), marginal: tf.tensor1d(rand(8, 10)) })); // a moving average to start from
    const j = rand(8, 3),
      m = rand(8, 4);
    const inner = (mm: tf.Tensor) => est.objective({ joint: tf.tensor1d(j), marginal: mm as tf.Tensor1D }, { updateState: false }).loss;
    const kernel = tf.getKernel(MINE_TAIL, 'wasm') as { kernelFunc: tf.KernelFunc };
    const original = kernel.kernelFunc;
    let calls = 0;
    kernel.kernelFunc = ((args: Parameters<tf.KernelFunc>[0]) => (calls++, original(args))) as tf.KernelFunc;
    const flat = tf.tidy(() => Array.from(tf.grad(inner)(tf.tensor1d(m)).dataSync()));
    expect(calls).toBe(1);
    let nested: number[] = [];
    tf.tidy(() => {
      // the outer gradient makes the objective run at gradient depth 2; it only differentiates s·c
      tf.grad((s: tf.Tensor) => {
        const g = tf.grad(inner)(tf.mul(tf.tensor1d(m), s));
        nested = Array.from(g.dataSync());
        return tf.mul(s, stopGradient(tf.sum(g)));
      })(tf.scalar(1));
    });
    kernel.kernelFunc = original;
    expect(calls).toBe(1); // none at depth 2
    nested.forEach((v, k) => expect(Math.abs(v - flat[k])).toBeLessThanOrEqual(1e-6));
    est.dispose();
  });
});

describe('the reported log E_Q[e^T]', () => {
  it('DV estimators report their marginal term (one LogMeanExp kernel per objective, not two), others compute it', async () => {
    const j = rand(16, 5),
      m = rand(16, 6);
    for (const kind of ['mine-biased', 'remine', 'remine-j', 'nwj', 'eta-mine', 'smile', 'js'] as const) {
      const est = createEstimator(parseEstimatorConfig({ kind, sampling: 'shuffle' }));
      tf.tidy(() => {
        const o = est.objective({ joint: tf.tensor1d(j), marginal: tf.tensor1d(m) });
        const ref = donskerVaradhan(tf.tensor1d(j), tf.tensor1d(m)).marginalTerm.dataSync()[0];
        expect(o.logMeanExpMarginal.dataSync()[0]).toBe(ref);
        if (kind === 'mine-biased' || kind.startsWith('remine')) expect(o.logMeanExpMarginal).toBe(o.marginalTerm);
      });
      est.dispose();
    }
    const remine = createEstimator(parseEstimatorConfig('remine'));
    const names = await kernelNames(
      () =>
        void tf.grads((jj: tf.Tensor, mm: tf.Tensor) => remine.objective({ joint: jj as tf.Tensor1D, marginal: mm as tf.Tensor1D }).loss)([
          tf.tensor1d(j),
          tf.tensor1d(m),
        ]),
    );
    expect(count(names, LOG_MEAN_EXP)).toBe(1);
    remine.dispose();
  });

  it("ReMINE's drift penalty still differentiates through the reused term: its gradient is 2λ(lme − C)·softmax(T_Q)", () => {
    const est = createEstimator(parseEstimatorConfig({ kind: 'remine', lambda: 0.5, target: 0.2 }));
    const j = rand(10, 7),
      m = rand(10, 8, 0.7);
    const mx = Math.max(...m);
    const lme = mx + Math.log(m.reduce((s, v) => s + Math.exp(v - mx), 0) / 10);
    const dm = tf.tidy(() =>
      Array.from(
        tf
          .grad((mm: tf.Tensor) => est.objective({ joint: tf.tensor1d(j), marginal: mm as tf.Tensor1D }).regularizer)(tf.tensor1d(m))
          .dataSync(),
      ),
    );
    const z = m.reduce((s, v) => s + Math.exp(v - mx), 0);
    dm.forEach((g, i) => expect(g).toBeCloseTo((2 * 0.5 * (lme - 0.2) * Math.exp(m[i] - mx)) / z, 5));
    est.dispose();
  });
});
