/** Small numerically careful ops shared by the bounds. */
import * as tf from '@tensorflow/tfjs';
import { detach, logMeanExp as fusedLogMeanExp } from '../backend/tailOps.js';

/**
 * log mean exp(v) = logsumexp(v) − log n, stable for large scores. On wasm one kernel each way
 * (src/backend/tailOps.ts, float64 sum); elsewhere, and inside nested gradients, tf.logSumExp.
 */
export function logMeanExp(v: tf.Tensor1D): tf.Scalar {
  return fusedLogMeanExp(v);
}

/**
 * Identity in the forward pass, no gradient in the backward pass (tfjs has no stop_gradient op;
 * used for MINE's moving average and "value of A, gradient of B"). The result shares x's buffer but
 * is not connected to x on the gradient tape, so backpropagation does not walk anything upstream
 * of it: a gradient taken only through stopGradient is absent (null), not zero.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return detach(x);
}

/** A tensor whose value is `value` and whose gradient is that of `gradientOf`. */
export function valueWithGradientOf(value: tf.Scalar, gradientOf: tf.Scalar): tf.Scalar {
  return tf.add(gradientOf, stopGradient(tf.sub(value, gradientOf))) as tf.Scalar;
}

/**
 * Scores from an n×n matrix: joint = diagonal, marginal = the n(n−1) off-diagonal entries.
 * Reshapes instead of gathers (no index tensors, cheap gradients): in the flattened matrix the
 * diagonal sits every n+1 entries, so padding to n(n+1) and reshaping to [n, n+1] puts it in
 * column 0; dropping the first entry and reshaping to [n−1, n+1] puts it in the last column.
 */
export function scoresFromMatrix(matrix: tf.Tensor2D): { joint: tf.Tensor1D; marginal: tf.Tensor1D; matrix: tf.Tensor2D } {
  const [n, m] = matrix.shape;
  if (n !== m) throw new Error(`score matrix must be square, got [${n}, ${m}]`);
  if (n < 2) throw new Error(`score matrix needs at least 2 rows to have off-diagonal pairs, got ${n}`);
  const flat = matrix.reshape([n * n]);
  const joint = tf
    .pad(flat, [[0, n]])
    .reshape([n, n + 1])
    .slice([0, 0], [n, 1])
    .reshape([n]) as tf.Tensor1D;
  const marginal = flat
    .slice(1, n * n - 1)
    .reshape([n - 1, n + 1])
    .slice([0, 0], [n - 1, n])
    .reshape([n * (n - 1)]) as tf.Tensor1D;
  return { joint, marginal, matrix };
}
