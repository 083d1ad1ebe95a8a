/** Evaluates a critic the way an estimator asks: shuffled marginal pairs or the full score matrix. */
import * as tf from '@tensorflow/tfjs';
import type { Critic } from '../nets/critics.js';
import type { CriticScores, Sampling } from '../mi/interface.js';
import { scoresFromMatrix } from '../mi/ops.js';

/**
 * x [n, dx], y [n, dy] are aligned samples of P_XY. For 'shuffle', marginal samples of P_X ⊗ P_Y are
 * (x_i, y_π(i)) with π a random permutation (MINE Algorithm 1); for 'matrix', all n(n−1) pairs i ≠ j.
 */
export function criticScores(critic: Critic, sampling: Sampling, x: tf.Tensor2D, y: tf.Tensor2D, perm: Int32Array): CriticScores {
  if (sampling === 'matrix') return scoresFromMatrix(critic.matrix(x, y));
  const n = x.shape[0];
  if (perm.length !== n) throw new Error(`permutation length ${perm.length} does not match batch size ${n}`);
  const yShuffled = tf.gather(y, tf.tensor1d(perm, 'int32')) as tf.Tensor2D;
  return { joint: critic.pairs(x, y), marginal: critic.pairs(x, yShuffled) };
}
