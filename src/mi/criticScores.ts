/** Evaluates a critic the way an estimator asks: shuffled marginal pairs or the full score matrix. */
import * as tf from '@tensorflow/tfjs';
import type { Critic } from '../nets/critics.js';
import type { CriticScores, Sampling } from './interface.js';
import { scoresFromMatrix } from './ops.js';

/**
 * x [n, dx], y [n, dy] are aligned samples of P_XY. For 'shuffle', marginal samples of P_X ⊗ P_Y are
 * (x_i, y_π(i)) with π a random permutation (MINE Algorithm 1); for 'matrix', all n(n−1) pairs i ≠ j.
 *
 * 'shuffle' scores the joint and the marginal pairs in one critic pass, on the 2n rows
 * [x; x] and [y; y_π], split afterwards: half the kernel calls of two passes, each a fixed cost on
 * small networks. A critic's `pairs` scores each row on its own (T(x_i, y_i) depends on row i
 * only), so the scores are those of two passes (to an ulp where a matmul kernel blocks 2n rows
 * differently from n); the weight gradients sum over the 2n rows at once, a different float
 * summation order than the sum of two passes' gradients.
 */
export function criticScores(critic: Critic, sampling: Sampling, x: tf.Tensor2D, y: tf.Tensor2D, perm: Int32Array): CriticScores {
  if (sampling === 'matrix') return scoresFromMatrix(critic.matrix(x, y));
  const n = x.shape[0];
  if (perm.length !== n) throw new Error(`permutation length ${perm.length} does not match batch size ${n}`);
  // rows 0..n−1 of y, then y_π: one gather builds [y; y_π]
  const rows = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) rows[i] = i;
  rows.set(perm, n);
  const both = critic.pairs(tf.concat([x, x], 0) as tf.Tensor2D, tf.gather(y, tf.tensor1d(rows, 'int32')) as tf.Tensor2D);
  const [joint, marginal] = tf.split(both, [n, n]) as [tf.Tensor1D, tf.Tensor1D];
  return { joint, marginal };
}
