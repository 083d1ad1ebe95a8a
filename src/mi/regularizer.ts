/**
 * ReMINE's drift regulariser (Choi & Lee, eq. 9): λ·d(log E_Q[e^T], C). The DV bound is invariant
 * to adding a constant to T, so T's constant drifts during training and log E_Q[e^T] estimated from
 * a small batch becomes unstable; pinning it to C removes that freedom.
 */
import * as tf from '@tensorflow/tfjs';

export const DISTANCES = ['l2', 'l1'] as const;
export type Distance = (typeof DISTANCES)[number];

export interface RegularizerConfig {
  /** strength λ (ReMINE's default 0.1). */
  lambda: number;
  /** target C for log E_Q[e^T] (default 0). */
  target: number;
  /** d: squared distance (l2, the paper's choice) or absolute distance (l1). */
  distance: Distance;
}

export const DEFAULT_REGULARIZER: RegularizerConfig = { lambda: 0.1, target: 0, distance: 'l2' };

/** λ·d(logMeanExpMarginal, C) as a differentiable scalar. */
export function driftPenalty(logMeanExpMarginal: tf.Scalar, cfg: RegularizerConfig): tf.Scalar {
  const diff = tf.sub(logMeanExpMarginal, cfg.target);
  const d = cfg.distance === 'l2' ? tf.square(diff) : tf.abs(diff);
  return tf.mul(d, cfg.lambda) as tf.Scalar;
}
