/**
 * The fused Adam kernels (src/backend/fusedAdam.ts with native/blas.c: in place, one call per step,
 * or per variable into new buffers when a buffer is shared) against tfjs' stock Adam on the cpu
 * backend (the reference), and a short training run that gives the same loss curve with
 * the native kernels as with the portable ones. Skipped, with a note, where the addon did not build.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { ADAM_IN_PLACE_KERNEL, ADAM_KERNEL } from '../../src/backend/blasKernels.js';
import { fusedAdamInstalled } from '../../src/backend/fusedAdam.js';
import { loadNativeBlas } from '../../src/backend/nativeBlas.js';
import { registerWasmKernelFixes } from '../../src/backend/wasmKernels.js';
import { correlatedGaussians } from '../../src/data/correlatedGaussians.js';
import { createEstimator, parseEstimatorConfig } from '../../src/mi/registry.js';
import { createCritic } from '../../src/nets/critics.js';
import { Mlp } from '../../src/nets/mlp.js';
import { miTrainStep } from '../../src/mi/miStep.js';
import { Rng } from '../../src/util/rng.js';

const native = loadNativeBlas();
if (!native.blas) console.warn(`fused Adam not tested: ${native.reason}`);

/** Trains an MLP 12-32-3 for `steps` Adam steps on a fixed batch; returns weights, moments and losses. */
function trainMlp(steps: number, opts: { beta1: number; lr: number }) {
  const rng = new Rng(5);
  const net = new Mlp({ sizes: [12, 32, 3] }, rng, 'adam-test');
  const x = tf.tensor2d(
    Float32Array.from({ length: 40 * 12 }, () => rng.normal()),
    [40, 12],
  );
  const y = tf.tensor2d(
    Float32Array.from({ length: 40 * 3 }, () => rng.normal()),
    [40, 3],
  );
  const opt = tf.train.adam(opts.lr, opts.beta1, 0.999, 1e-8);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const l = opt.minimize(() => tf.mean(tf.square(tf.sub(net.apply(x), y))) as tf.Scalar, true, net.variables) as tf.Scalar;
    losses.push(l.dataSync()[0]);
    l.dispose();
  }
  const weights = net.variables.map((v) => v.dataSync().slice());
  const st = opt as unknown as {
    accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
    accumulatedSecondMoment: { variable: tf.Variable }[];
    iterations: number;
  };
  const moments = [...st.accumulatedFirstMoment, ...st.accumulatedSecondMoment].map((m) => m.variable.dataSync().slice());
  // moment variables named "<variable>/m" in variable order, as the stock optimizer names them (getWeights)
  const names = st.accumulatedFirstMoment.map((m, i) => m.originalName === `${net.variables[i].name}/m`);
  const out = { weights, moments, losses, names, iterations: st.iterations };
  net.dispose();
  opt.dispose();
  tf.dispose([x, y]);
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number) {
  expect(actual.length).toBe(expected.length);
  let scale = 0,
    worst = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThanOrEqual(rel * Math.max(scale, 1e-30));
}

describe.skipIf(!native.blas)('fused Adam and the native kernels in training', () => {
  afterAll(() => registerWasmKernelFixes(native.blas));

  it('10 Adam steps (β1 = 0.5, lr 1e-2) give the weights, moments and losses of stock Adam on the cpu backend', async () => {
    registerWasmKernelFixes(native.blas);
    expect(fusedAdamInstalled()).toBe(true);
    const fused = trainMlp(10, { beta1: 0.5, lr: 1e-2 });
    await tf.setBackend('cpu');
    let stock: ReturnType<typeof trainMlp>;
    try {
      stock = trainMlp(10, { beta1: 0.5, lr: 1e-2 }); // no fused kernel on cpu: the stock method runs
    } finally {
      await tf.setBackend('wasm');
    }
    expect(fused.iterations).toBe(10);
    expect(fused.names).toEqual([true, true, true, true]);
    expect(stock.names).toEqual(fused.names);
    fused.weights.forEach((w, i) => expectClose(w, stock.weights[i], 1e-5));
    fused.moments.forEach((m, i) => expectClose(m, stock.moments[i], 1e-4));
    expectClose(fused.losses, stock.losses, 1e-5);
  });

  it("one in-place kernel call per optimizer step updates every variable; a tensor sharing a variable's buffer keeps its values (that step writes new buffers instead)", async () => {
    registerWasmKernelFixes(native.blas);
    const net = new Mlp({ sizes: [4, 8, 1] }, new Rng(2), 'adam-inplace');
    const x = tf.ones([6, 4]) as tf.Tensor2D;
    const opt = tf.train.adam(1e-2);
    const step = () => tf.tidy(() => void opt.minimize(() => tf.sum(net.apply(x)) as tf.Scalar, false, net.variables));
    step(); // creates the moments
    const prof = await tf.profile(step);
    expect(prof.kernels.filter((k) => k.name === ADAM_IN_PLACE_KERNEL).length).toBe(1);
    expect(prof.kernels.filter((k) => k.name === ADAM_KERNEL).length).toBe(0);
    const w0 = net.weights[0];
    const snapshot = tf.clone(w0); // on wasm a clone shares the buffer (reference count 2)
    const before = snapshot.dataSync().slice();
    const prof2 = await tf.profile(step);
    expect(prof2.kernels.filter((k) => k.name === ADAM_KERNEL).length).toBe(4); // per variable, new buffers
    expect(Array.from(snapshot.dataSync())).toEqual(Array.from(before));
    expect(Array.from(w0.dataSync())).not.toEqual(Array.from(before));
    snapshot.dispose();
    net.dispose();
    opt.dispose();
    x.dispose();
  });

  it('Adam leaves no tensor behind per step (moments replaced, never accumulated)', () => {
    const rng = new Rng(1);
    const net = new Mlp({ sizes: [4, 8, 1] }, rng, 'adam-leak');
    const x = tf.ones([6, 4]);
    const opt = tf.train.adam(1e-3);
    const step = () => tf.tidy(() => void opt.minimize(() => tf.sum(net.apply(x as tf.Tensor2D)) as tf.Scalar, false, net.variables));
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
    opt.dispose();
    x.dispose();
  });

  it('20 MINE steps on 20-D Gaussians (ρ = 0.5): the loss curve with native kernels equals the portable one', () => {
    const run = () => {
      const data = correlatedGaussians({ dim: 20, rho: 0.5 });
      const rng = new Rng(3);
      const learner = {
        critic: createCritic({ kind: 'concat', hidden: [64, 64] }, 20, 20, rng.split()),
        estimator: createEstimator(parseEstimatorConfig('mine')),
        optimizer: tf.train.adam(5e-4),
      };
      const before = tf.memory().numTensors;
      const losses: number[] = [];
      for (let i = 0; i < 20; i++) {
        losses.push(miTrainStep(learner, data.sample(64, rng, i), rng).loss);
        if (i === 1) expect(tf.memory().numTensors).toBeGreaterThan(before); // moments exist now
      }
      const afterTwo = tf.memory().numTensors;
      learner.critic.dispose();
      learner.estimator.dispose();
      learner.optimizer.dispose();
      return { losses, afterTwo };
    };
    registerWasmKernelFixes(native.blas);
    const withNative = run();
    registerWasmKernelFixes(null);
    const portable = run();
    registerWasmKernelFixes(native.blas);
    // float32 sums in another order: differences of ~1e-6 relative, growing slowly over steps
    withNative.losses.forEach((l, i) => expect(Math.abs(l - portable.losses[i])).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(portable.losses[i]))));
    expect(withNative.losses[19]).not.toBe(withNative.losses[0]); // it trained
  });
});
