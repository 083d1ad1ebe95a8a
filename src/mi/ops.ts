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

const offDiagonalCache = new Map<number, Int32Array>();

/** Flat indices of the off-diagonal entries of an n×n matrix (row-major). */
export function offDiagonalIndices(n: number): Int32Array {
  let idx = offDiagonalCache.get(n);
  if (!idx) {
    idx = new Int32Array(n * (n - 1));
    let k = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) idx[k++] = i * n + j;
    offDiagonalCache.set(n, idx);
  }
  return idx;
}

/** Scores from an n×n matrix: joint = diagonal, marginal = off-diagonal (n(n−1) product pairs). */
export function scoresFromMatrix(matrix: tf.Tensor2D): { joint: tf.Tensor1D; marginal: tf.Tensor1D; matrix: tf.Tensor2D } {
  const [n, m] = matrix.shape;
  if (n !== m) throw new Error(`score matrix must be square, got [${n}, ${m}]`);
  if (n < 2) throw new Error(`score matrix needs at least 2 rows to have off-diagonal pairs, got ${n}`);
  const flat = matrix.reshape([n * n]);
  const joint = tf.gather(flat, tf.tensor1d(Int32Array.from({ length: n }, (_, i) => i * (n + 1)), 'int32')) as tf.Tensor1D;
  const marginal = tf.gather(flat, tf.tensor1d(offDiagonalIndices(n), 'int32')) as tf.Tensor1D;
  return { joint, marginal, matrix };
}
