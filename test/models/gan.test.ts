/** GAN/MINEGAN steps on tiny networks: no leaks, the clip is applied and logged, runs reproduce. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { gridGaussians } from '../../src/data/gridGaussians.js';
import { MIRegularizer } from '../../src/mi/miRegularizer.js';
import { bceWithLogits, disposeGan, drawNoise, ganTrainStep, type Gan } from '../../src/models/gan.js';
import { Mlp } from '../../src/nets/mlp.js';
import { Rng } from '../../src/util/rng.js';

function tinyGan(beta: number, seed = 1, estimator = 'mine', clip = true): Gan {
  const r = new Rng(seed);
  return {
    generator: new Mlp({ sizes: [2, 16, 2] }, r),
    discriminator: new Mlp({ sizes: [2, 16, 1] }, r),
    noiseDim: 2,
    codeDim: 2,
    dataDim: 2,
    outputNoise: 0,
    gOptimizer: tf.train.adam(1e-3, 0.5),
    dOptimizer: tf.train.adam(1e-3, 0.5),
    mi:
      beta > 0
        ? new MIRegularizer({
            xDim: 2,
            yDim: 2,
            critic: { kind: 'concat', hidden: [16] },
            estimator: estimator as 'mine',
            beta,
            direction: 'maximize',
            clip: clip ? 'adaptive' : false,
            optimizer: tf.train.adam(1e-3),
            rng: r,
          })
        : null,
  };
}

const dispose = disposeGan;

const data = gridGaussians();

describe('GAN losses', () => {
  it('BCE with logits: logit 0 gives log 2 for either label; large correct logits give ~0', () => {
    tf.tidy(() => {
      expect(bceWithLogits(tf.tensor1d([0, 0]), 1).dataSync()[0]).toBeCloseTo(Math.log(2), 6);
      expect(bceWithLogits(tf.tensor1d([0]), 0).dataSync()[0]).toBeCloseTo(Math.log(2), 6);
      expect(bceWithLogits(tf.tensor1d([50]), 1).dataSync()[0]).toBeCloseTo(0, 6);
      expect(bceWithLogits(tf.tensor1d([-50]), 0).dataSync()[0]).toBeCloseTo(0, 6);
    });
  });
});

describe('MINEGAN step', () => {
  for (const est of ['mine', 'eta-mine', 'remine']) {
    it(`${est}: tensor count is flat over 50 steps after burn-in`, () => {
      const g = tinyGan(1, 1, est);
      const rng = new Rng(2);
      for (let i = 0; i < 2; i++) ganTrainStep(g, data.sample(32, rng), rng);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 50; i++) ganTrainStep(g, data.sample(32, rng), rng);
      expect(tf.memory().numTensors).toBe(before);
      dispose(g);
    });
  }
  it('plain GAN (β = 0): flat tensor count, no MI numbers', () => {
    const g = tinyGan(0);
    const rng = new Rng(2);
    for (let i = 0; i < 2; i++) ganTrainStep(g, data.sample(32, rng), rng);
    const before = tf.memory().numTensors;
    let r: ReturnType<typeof ganTrainStep> | undefined;
    for (let i = 0; i < 30; i++) r = ganTrainStep(g, data.sample(32, rng), rng);
    expect(tf.memory().numTensors).toBe(before);
    expect(r!.mi).toBeNaN();
    expect(r!.advGradNorm).toBeGreaterThan(0);
    dispose(g);
  });
  it('logs both gradient norms and a clip scale of min(1, ‖g_adv‖/‖g_MI‖)', () => {
    const g = tinyGan(100); // a large β makes the MI gradient the larger one
    const rng = new Rng(3);
    const r = ganTrainStep(g, data.sample(32, rng), rng);
    expect(r.clipScale).toBeCloseTo(Math.min(1, r.advGradNorm / r.miGradNorm), 4);
    expect(r.clipScale).toBeLessThan(1);
    dispose(g);
  });
  it('dSteps: D is updated that many times on as many real batches, G once; a flat tensor count', () => {
    const g = tinyGan(1);
    const rng = new Rng(2);
    const dBefore = g.discriminator.variables.map((v) => v.dataSync().slice());
    ganTrainStep(g, data.sample(3 * 32, rng), rng, { dSteps: 3 });
    expect(g.discriminator.variables.some((v, i) => v.dataSync().some((x, j) => x !== dBefore[i][j]))).toBe(true);
    expect((g.dOptimizer as unknown as { iterations: number }).iterations).toBe(3);
    expect((g.gOptimizer as unknown as { iterations: number }).iterations).toBe(1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) ganTrainStep(g, data.sample(3 * 32, rng), rng, { dSteps: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(() => ganTrainStep(g, data.sample(31, rng), rng, { dSteps: 2 })).toThrow(/not 2 batch\(es\)/);
    dispose(g);
  });
  it('withMi: false leaves T untrained and the MI fields NaN; with β = 0 G takes the same step either way', () => {
    const steps = (withMi: boolean) => {
      const g = tinyGan(1, 6);
      g.mi!.beta = 0;
      const rng = new Rng(7);
      const r = Array.from({ length: 3 }, () => ganTrainStep(g, data.sample(32, rng), rng, { withMi }));
      const tMoved = (g.mi!.optimizer as unknown as { iterations: number }).iterations > 0;
      const gw = g.generator.variables.map((v) => Array.from(v.dataSync()));
      dispose(g);
      return { r, tMoved, gw };
    };
    const on = steps(true),
      off = steps(false);
    expect([on.tMoved, off.tMoved]).toEqual([true, false]);
    expect(off.r[2].mi).toBeNaN();
    expect(off.gw).toEqual(on.gw);
    expect(off.r.map((x) => x.gLoss)).toEqual(on.r.map((x) => x.gLoss));
  });
  it('outputNoise reaches T only: D takes the same step with and without it, the MI estimate differs', () => {
    const step = (outputNoise: number) => {
      const g = { ...tinyGan(1, 8), outputNoise };
      const rng = new Rng(9);
      const r = ganTrainStep(g, data.sample(32, rng), rng);
      dispose(g);
      return r;
    };
    const clean = step(0),
      noisy = step(0.5);
    expect(noisy.dLoss).toBe(clean.dLoss);
    expect(noisy.mi).not.toBe(clean.mi);
  });
  it('drawNoise: uniform on [−√3, √3] (unit variance) or standard normal', () => {
    const g = tinyGan(0);
    for (const noise of ['uniform', 'gaussian'] as const) {
      const v = tf.tidy(() => drawNoise({ ...g, noise }, 5000, 11).dataSync() as Float32Array);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
      expect(Math.abs(mean)).toBeLessThan(0.05);
      expect(variance).toBeCloseTo(1, 1);
      const max = v.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
      if (noise === 'uniform') expect(max).toBeLessThanOrEqual(Math.sqrt(3));
      else expect(max).toBeGreaterThan(Math.sqrt(3));
    }
    dispose(g);
  });
  it('the same seed gives the same losses; another seed does not', () => {
    const run = (seed: number) => {
      const g = tinyGan(1, seed);
      const rng = new Rng(seed);
      const out = Array.from({ length: 5 }, () => ganTrainStep(g, data.sample(32, rng), rng).gLoss);
      dispose(g);
      return out;
    };
    expect(run(4)).toEqual(run(4));
    expect(run(4)).not.toEqual(run(5));
  });
});
