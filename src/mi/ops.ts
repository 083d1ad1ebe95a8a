/** Small numerically careful ops shared by the bounds. */
import * as tf from '@tensorflow/tfjs';

/** log mean exp(v) = logsumexp(v) − log n, stable for large scores. */
export function logMeanExp(v: tf.Tensor1D): tf.Scalar {
  return tf.sub(tf.logSumExp(v), Math.log(v.shape[0])) as tf.Scalar;
}

/**
 * Identity in the forward pass, zero gradient in the backward pass. tfjs has no stop_gradient op;
 * a custom gradient gives one (used for MINE's moving average and "value of A, gradient of B").
 */
const stopGradientImpl = tf.customGrad((...inputs) => ({
  value: (inputs[0] as tf.Tensor).clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stopGradientImpl(x) as T;
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
