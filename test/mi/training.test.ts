/**
 * Known answers after training: each estimator's critic, trained on data with closed-form MI, gives
 * an estimate near the truth. Small problems so the whole file runs in well under a minute:
 * 2-D Gaussians with ρ = 0.8 per coordinate (I = −log(1 − 0.64) = 1.0217 nats) and one-hot over
 * N = 8 (I = log 8 = 2.0794 nats).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { correlatedGaussians } from '../../src/data/correlatedGaussians.js';
import { oneHotPairs } from '../../src/data/oneHot.js';
import type { PairSampler } from '../../src/data/types.js';
import { createEstimator, parseEstimatorConfig } from '../../src/mi/registry.js';
import { createCritic, type CriticConfig } from '../../src/nets/critics.js';
import { miTrainStep } from '../../src/mi/miStep.js';
import { Rng } from '../../src/util/rng.js';

/** Trains and returns the mean estimate of the last `tail` steps; yields to the event loop every 200 steps (vitest's worker RPC must stay responsive). */
async function train(kind: unknown, data: PairSampler, opts: { steps: number; batch: number; critic: CriticConfig; lr: number; tail: number }) {
  const rng = new Rng(3);
  const critic = createCritic(opts.critic, data.dx, data.dy, rng.split());
  const estimator = createEstimator(parseEstimatorConfig(kind));
  const optimizer = tf.train.adam(opts.lr);
  let sum = 0;
  for (let i = 0; i < opts.steps; i++) {
    const r = miTrainStep({ critic, estimator, optimizer }, data.sample(opts.batch, rng, i), rng);
    if (i >= opts.steps - opts.tail) sum += r.estimate;
    if (i % 200 === 199) await new Promise((res) => setImmediate(res));
  }
  critic.dispose();
  estimator.dispose();
  optimizer.dispose();
  return sum / opts.tail;
}

const gauss = correlatedGaussians({ dim: 2, rho: 0.8 });
const I = gauss.trueMI(0) as number;
const concat: CriticConfig = { kind: 'concat', hidden: [64, 64] };

describe(`trained estimators on 2-D Gaussians, ρ = 0.8 (I = ${I.toFixed(4)} nats)`, () => {
  for (const kind of ['mine', 'mine-biased', 'nwj', 'eta-mine', 'remine', 'remine-j', 'js', { kind: 'smile', sampling: 'shuffle' }]) {
    it(`${JSON.stringify(kind)} lands within 0.15 nats of I (mean of the last 200 of 1500 steps, batch 128)`, async () => {
      const est = await train(kind, gauss, { steps: 1500, batch: 128, critic: concat, lr: 1e-3, tail: 200 });
      expect(Math.abs(est - I)).toBeLessThan(0.15);
    });
  }
  it('smile on the full score matrix with a separable critic lands within 0.15 nats of I', async () => {
    const est = await train('smile', gauss, { steps: 1500, batch: 128, critic: { kind: 'separable', hidden: [64], embedding: 16 }, lr: 1e-3, tail: 200 });
    expect(Math.abs(est - I)).toBeLessThan(0.15);
  });
  it('infonce with a separable critic lands within 0.15 nats of I (I ≪ log 128)', async () => {
    const est = await train('infonce', gauss, { steps: 1500, batch: 128, critic: { kind: 'separable', hidden: [64], embedding: 16 }, lr: 1e-3, tail: 200 });
    expect(Math.abs(est - I)).toBeLessThan(0.15);
  });
});

describe('trained estimators on one-hot data, N = 8 (I = log 8)', () => {
  const onehot = oneHotPairs({ categories: 8 });
  for (const kind of ['mine', 'remine', 'nwj']) {
    it(`${kind} lands within 0.15 nats of log 8 (batch 64, 2000 steps)`, async () => {
      const est = await train(kind, onehot, { steps: 2000, batch: 64, critic: { kind: 'concat', hidden: [32] }, lr: 3e-3, tail: 200 });
      expect(Math.abs(est - Math.log(8))).toBeLessThan(0.15);
    });
  }
});
