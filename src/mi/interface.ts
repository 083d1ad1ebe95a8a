/**
 * The MI-estimator interface. This module imports nothing else from the project, so every
 * estimator, trainer and model can depend on it without cycles.
 */
import type * as tf from '@tensorflow/tfjs';

/**
 * Critic outputs for one batch. `joint` are T(x_i, y_i) on samples of P_XY; `marginal` are T on
 * samples of P_X ⊗ P_Y (shuffled pairs, or the off-diagonal of the score matrix); `matrix` is the
 * full score matrix S_ij = T(x_i, y_j), present when the estimator asked for `sampling: 'matrix'`.
 */
export interface CriticScores {
  joint: tf.Tensor1D;
  marginal: tf.Tensor1D;
  matrix?: tf.Tensor2D;
}

/** A lower bound's value and its two terms, as scalars (for logging the drift ReMINE describes). */
export interface BoundParts {
  /** the bound's value on this batch (nats). */
  mi: tf.Scalar;
  /** E_P[T] (mean of joint scores). */
  jointTerm: tf.Scalar;
  /** the bound's second term: log E_Q[e^T] for DV, E_Q[e^{T-1}] for NWJ, … */
  marginalTerm: tf.Scalar;
}

export interface EstimatorOutput extends BoundParts {
  /** what the critic minimises: −(bound, with the method's gradient correction) + regulariser. */
  loss: tf.Scalar;
  /**
   * A scalar whose gradient w.r.t. anything upstream (critic, generator, encoder) is the method's
   * gradient of the MI bound (e.g. MINE's moving-average-corrected gradient). Models that maximise
   * or minimise MI (MINEGAN, IB) differentiate this, never `mi`.
   */
  miForGradient: tf.Scalar;
  /** the number reported as the MI estimate for this batch (the bound, or e.g. NWJ for JS training). */
  estimate: tf.Scalar;
  /** log E_Q[e^T] over this batch's marginal scores, reported for every estimator (drift, ReMINE). */
  logMeanExpMarginal: tf.Scalar;
  /** the regulariser's value λ·d(log E_Q[e^T], C), 0 when off. */
  regularizer: tf.Scalar;
}

export type Sampling = 'shuffle' | 'matrix';

export interface MIEstimator {
  readonly kind: string;
  /** how the critic is evaluated: shuffled marginal pairs, or the full n×n score matrix. */
  readonly sampling: Sampling;
  /** true when pooling batches (micro-averaging) gives a valid DV-type estimate. */
  readonly microAverageValid: boolean;
  /**
   * The training objective and the bound's parts on one batch. Call inside tf.tidy or
   * tf.variableGrads. With `updateState` (default true) stateful estimators advance their state
   * (MINE's moving average) from this batch.
   */
  objective(scores: CriticScores, opts?: { updateState?: boolean }): EstimatorOutput;
  /** A block update the estimator does itself after the critic's step (η-MINE's η), on fresh scores. */
  updateOwnBlock?(scores: CriticScores): void;
  /**
   * A fit after training, for estimators that have one (convex η-MINE, Mroueh et al. 2021 §4).
   * Call it once when training has ended, with the trained critic and the training pairs
   * (x [n, dx], y [n, dy], rows in random order), before the held-out evaluation; report that
   * evaluation. It may rewrite the critic's variables (convex η-MINE replaces the output layer by
   * the fitted linear witness) and the estimator's state (η). Returns the fit's diagnostics
   * (numbers, e.g. the train bound before and after). `critic` is a src/nets/critics.ts Critic;
   * typed structurally here so that this module imports nothing from the project.
   */
  finalize?(critic: { readonly kind: string; readonly variables: tf.Variable[] }, x: tf.Tensor2D, y: tf.Tensor2D): Record<string, number>;
  /** Serializable state (moving averages, η) for checkpoints. */
  getState(): Record<string, number>;
  setState(state: Record<string, number>): void;
  dispose(): void;
}
