/**
 * The rate term of the variational information bottleneck (Alemi et al. 2017, eq. 6 and §4.1):
 * I(X; Z) ≤ E_x KL(p(z|x) ‖ r(z)) with r = N(0, I_K) and p(z|x) = N(μ(x), diag σ(x)²), whose KL
 * has the closed form
 *   KL = ½ Σ_k (σ_k² + μ_k² − 1 − log σ_k²).
 */
import * as tf from '@tensorflow/tfjs';

/** Per-row KL(N(μ, diag σ²) ‖ N(0, I)): μ, σ [n, K] → [n] (nats). */
export function gaussianKlToStandardNormal(mu: tf.Tensor2D, sigma: tf.Tensor2D): tf.Tensor1D {
  const s2 = tf.square(sigma);
  // log σ² = 2 log σ; σ = softplus(·) > 0, but it can underflow to 0 in float32: floor it.
  const logS2 = tf.mul(2, tf.log(tf.maximum(sigma, 1e-20)));
  return tf.mul(0.5, tf.sum(tf.sub(tf.add(s2, tf.square(mu)), tf.add(1, logS2)), 1)) as tf.Tensor1D;
}

/** The VIB rate: the batch mean of the per-row KL. */
export function vibRate(mu: tf.Tensor2D, sigma: tf.Tensor2D): tf.Scalar {
  return tf.mean(gaussianKlToStandardNormal(mu, sigma)) as tf.Scalar;
}
