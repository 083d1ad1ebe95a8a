/**
 * No leaks: after a burn-in step, tf.memory().numTensors is the same after many more training
 * steps, for every estimator (the mnist-acgan test of tfjs-examples does the same).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { correlatedGaussians } from '../../src/data/correlatedGaussians.js';
import { createEstimator, ESTIMATOR_KINDS, parseEstimatorConfig } from '../../src/mi/registry.js';
import { createCritic } from '../../src/nets/critics.js';
import { miTrainStep } from '../../src/mi/miStep.js';
import { Rng } from '../../src/util/rng.js';

describe('tensor count stays flat over training', () => {
  for (const kind of ESTIMATOR_KINDS) {
    it(`${kind}: 200 steps after two burn-in steps add no tensor`, () => {
      const data = correlatedGaussians({ dim: 3, rho: 0.5 });
      const rng = new Rng(0);
      const critic = createCritic({ kind: 'concat', hidden: [16] }, 3, 3, rng.split());
      const estimator = createEstimator(parseEstimatorConfig(kind));
      const learner = { critic, estimator, optimizer: tf.train.adam(1e-3) };
      for (let i = 0; i < 2; i++) miTrainStep(learner, data.sample(16, rng, i), rng);
      const before = tf.memory().numTensors;
      for (let i = 2; i < 202; i++) miTrainStep(learner, data.sample(16, rng, i), rng);
      expect(tf.memory().numTensors).toBe(before);
      critic.dispose();
      estimator.dispose();
      learner.optimizer.dispose();
    });
  }
});
