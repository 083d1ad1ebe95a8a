/**
 * One training step of an MI estimator (the MI benchmark, estimateMI): a critic update on one
 * batch, then (η-MINE) the estimator's own block — the same critic step as MIRegularizer's. Returns the batch's numbers. Everything runs inside tf.tidy; the only
 * tensors that outlive the step are variables and optimizer slots.
 */
import * as tf from '@tensorflow/tfjs';
import type { Critic } from '../nets/critics.js';
import type { MIEstimator } from './interface.js';
import { requireFinite, type PairBatch } from '../data/types.js';
import type { Rng } from '../util/rng.js';
import { estimatorTerm, trainCritic } from './miRegularizer.js';
import { namedNumbers } from '../train/stepNumbers.js';

export interface MiStepNumbers {
  estimate: number;
  mi: number;
  jointTerm: number;
  marginalTerm: number;
  logMeanExpMarginal: number;
  regularizer: number;
  loss: number;
}

const FIELDS = ['estimate', 'mi', 'jointTerm', 'marginalTerm', 'logMeanExpMarginal', 'regularizer', 'loss'] as const;

/** An estimator being trained: its critic, the estimator and the critic's optimizer. */
export interface MiLearner {
  critic: Critic;
  estimator: MIEstimator;
  optimizer: tf.Optimizer;
}

/** Rejects a batch whose shapes disagree or that holds NaN/∞, naming the field (cheap next to a step). */
export function checkPairBatch(batch: PairBatch): void {
  if (batch.x.length !== batch.n * batch.dx) throw new Error(`batch x has ${batch.x.length} values, expected n·dx = ${batch.n}·${batch.dx}`);
  if (batch.y.length !== batch.n * batch.dy) throw new Error(`batch y has ${batch.y.length} values, expected n·dy = ${batch.n}·${batch.dy}`);
  requireFinite(batch.x, 'batch x');
  requireFinite(batch.y, 'batch y');
}

export function miTrainStep(l: MiLearner, batch: PairBatch, rng: Rng): MiStepNumbers {
  checkPairBatch(batch);
  const perm = rng.permutation(batch.n);
  const stats = tf.tidy(() => {
    const x = tf.tensor2d(batch.x, [batch.n, batch.dx]);
    const y = tf.tensor2d(batch.y, [batch.n, batch.dy]);
    const c = trainCritic(estimatorTerm(l.critic, l.estimator), l.optimizer, x, y, perm);
    const out: Record<(typeof FIELDS)[number], tf.Scalar> = {
      estimate: c.estimate,
      mi: c.extras.bound,
      jointTerm: c.jointTerm,
      marginalTerm: c.marginalTerm,
      logMeanExpMarginal: c.extras.logMeanExpMarginal,
      regularizer: c.penalty,
      loss: c.loss,
    };
    return tf.stack(FIELDS.map((f) => out[f]));
  });
  return namedNumbers(FIELDS, stats);
}
