/**
 * One training step of an MI estimator: a critic update on one batch, then (η-MINE) the
 * estimator's own block. Returns the batch's numbers. Everything runs inside tf.tidy; the only
 * tensors that outlive the step are variables and optimizer slots.
 */
import * as tf from '@tensorflow/tfjs';
import type { Critic } from '../nets/critics.js';
import type { MIEstimator } from '../mi/interface.js';
import { requireFinite, type PairBatch } from '../data/types.js';
import type { Rng } from '../util/rng.js';
import { criticScores } from './criticScores.js';

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

/**
 * One update of a statistics network used as a regulariser inside a model's step (MINEGAN, IB,
 * ALI+MI): the critic's step on (x, y) with shuffled marginals, then the estimator's own block
 * (η-MINE's η). x and y are constants here: only the critic's variables move. Call inside tf.tidy;
 * the returned scalars (the batch's estimate and the critic's loss) belong to the caller's scope.
 */
export function criticUpdate(l: MiLearner, x: tf.Tensor2D, y: tf.Tensor2D, perm: Int32Array): { estimate: tf.Scalar; loss: tf.Scalar } {
  let kept: tf.Scalar | null = null;
  const loss = l.optimizer.minimize(
    () => {
      const o = l.estimator.objective(criticScores(l.critic, l.estimator.sampling, x, y, perm));
      kept = tf.keep(o.estimate);
      return o.loss;
    },
    true,
    l.critic.variables,
  ) as tf.Scalar;
  if (l.estimator.updateOwnBlock) l.estimator.updateOwnBlock(criticScores(l.critic, l.estimator.sampling, x, y, perm));
  // move the estimate out of minimize's scope into the caller's, so the caller's tidy disposes it
  const k = kept as unknown as tf.Scalar;
  const estimate = tf.clone(k);
  k.dispose();
  return { estimate, loss };
}

export function miTrainStep(l: MiLearner, batch: PairBatch, rng: Rng): MiStepNumbers {
  checkPairBatch(batch);
  const perm = rng.permutation(batch.n);
  let stats: tf.Tensor1D | null = null;
  tf.tidy(() => {
    const x = tf.tensor2d(batch.x, [batch.n, batch.dx]);
    const y = tf.tensor2d(batch.y, [batch.n, batch.dy]);
    l.optimizer.minimize(
      () => {
        const out = l.estimator.objective(criticScores(l.critic, l.estimator.sampling, x, y, perm));
        // keep the numbers past variableGrads' own tidy; disposed below after reading
        stats = tf.keep(tf.stack(FIELDS.map((f) => out[f])) as tf.Tensor1D);
        return out.loss;
      },
      false,
      l.critic.variables,
    );
    if (l.estimator.updateOwnBlock) l.estimator.updateOwnBlock(criticScores(l.critic, l.estimator.sampling, x, y, perm));
  });
  const s = stats as unknown as tf.Tensor1D;
  const v = s.dataSync();
  s.dispose();
  const out = {} as MiStepNumbers;
  FIELDS.forEach((f, i) => (out[f] = v[i]));
  return out;
}

/** The bound's numbers on a batch without training (no state update). */
export function miEvaluate(l: MiLearner, batch: PairBatch, rng: Rng): MiStepNumbers {
  const perm = rng.permutation(batch.n);
  const v = tf.tidy(() => {
    const x = tf.tensor2d(batch.x, [batch.n, batch.dx]);
    const y = tf.tensor2d(batch.y, [batch.n, batch.dy]);
    const out = l.estimator.objective(criticScores(l.critic, l.estimator.sampling, x, y, perm), { updateState: false });
    return tf.stack(FIELDS.map((f) => out[f]));
  });
  const a = v.dataSync();
  v.dispose();
  const out = {} as MiStepNumbers;
  FIELDS.forEach((f, i) => (out[f] = a[i]));
  return out;
}
