/** GAN/MINEGAN steps on tiny networks: no leaks, the clip is applied and logged, runs reproduce. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { gridGaussians } from '../../src/data/gridGaussians.js';
import { MIRegularizer } from '../../src/mi/miRegularizer.js';
import { bceWithLogits, disposeGan, ganTrainStep, type Gan } from '../../src/models/gan.js';
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
