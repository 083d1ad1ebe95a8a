/**
 * η-MINE (Mroueh, Melnyk, Dognin, Ross & Sercu 2021): the η-DV bound with a scalar η trained
 * jointly by stochastic block-coordinate descent (their Algorithm 1): a gradient step on the critic
 * with η fixed, then a step on η with the critic fixed. The bound is linear in E_Q[e^T], so its
 * minibatch gradient is unbiased (no moving average needed); at the optimum η = log E_Q[e^T].
 *
 * η's block: 'sgd' (default, the paper's Algorithm 1) takes a gradient step of size
 * `etaLearningRate`, bounded to ±1 nat; 'exact' minimises it on the batch, η ← log E_Q[e^T] with the
 * updated critic. Known limit, measured on the 20-D staircase (batch 64): the critic's gradient
 * weights marginal samples by e^{T_i − η}/n, unbounded when η lags the critic, and both variants
 * diverge at high MI (sgd from 4 nats, exact from 2 nats) where MINE's moving average — which
 * includes the current batch and so bounds each weight — does not.
 */
import * as tf from '@tensorflow/tfjs';
import { BaseEstimator, type CoreOutput } from './baseEstimator.js';
import { donskerVaradhan, etaDonskerVaradhan } from './bounds.js';
import type { CriticScores } from './interface.js';
import { logMeanExp, stopGradient } from './ops.js';
import type { RegularizerConfig } from './regularizer.js';
import { ownedVariable } from '../nets/mlp.js';

export class EtaMine extends BaseEstimator {
  readonly eta: tf.Variable<tf.Rank.R0>;
  protected initialised = false;

  constructor(
    regularizer: RegularizerConfig | null = null,
    sampling: 'shuffle' | 'matrix' = 'shuffle',
    readonly etaUpdate: 'exact' | 'sgd' = 'sgd',
    readonly etaLearningRate = 0.05,
  ) {
    super('eta-mine', sampling, 'dv', regularizer);
    this.eta = ownedVariable(tf.scalar(0), false);
  }

  /** η's block after the critic's step, on the same batch's marginal scores (the updated critic). */
  updateOwnBlock(scores: CriticScores): void {
    this.warmStart(scores.marginal);
    const lme = logMeanExp(stopGradient(scores.marginal));
    if (this.etaUpdate === 'exact') {
      this.eta.assign(lme);
    } else {
      // ∂/∂η [e^{−η}E_Q e^T + η − 1] = 1 − e^{lme − η}; bounded step
      const grad = tf.sub(1, tf.exp(tf.sub(lme, this.eta)));
      this.eta.assign(tf.sub(this.eta, tf.clipByValue(tf.mul(grad, this.etaLearningRate), -1, 1)) as tf.Scalar);
    }
  }

  /** η starts at log E_Q[e^T] of the first batch, where the η-bound equals DV. */
  private warmStart(marginal: tf.Tensor1D): void {
    if (this.initialised) return;
    this.eta.assign(stopGradient(logMeanExp(marginal)));
    this.initialised = true;
  }

  protected core(scores: CriticScores): CoreOutput {
    this.warmStart(scores.marginal);
    // The critic's block treats η as a constant.
    const parts = etaDonskerVaradhan(scores.joint, scores.marginal, stopGradient(this.eta as tf.Scalar));
    return { parts, miForGradient: parts.mi, estimate: parts.mi };
  }

  /** η's block loss e^{−η}E_Q[e^T] + η − 1 (critic fixed), for a given η: minimised at η = log E_Q[e^T]. */
  etaLoss(scores: CriticScores, eta: tf.Scalar): tf.Scalar {
    return tf.neg(etaDonskerVaradhan(stopGradient(scores.joint), stopGradient(scores.marginal), eta).mi) as tf.Scalar;
  }

  /** The DV value at the current critic (η-DV at its optimal η), for comparisons. */
  dvValue(scores: CriticScores): tf.Scalar {
    return donskerVaradhan(scores.joint, scores.marginal).mi;
  }

  override getState(): Record<string, number> {
    return { eta: this.eta.dataSync()[0], etaInitialised: this.initialised ? 1 : 0 };
  }

  override setState(state: Record<string, number>): void {
    if (state.eta !== undefined) this.eta.assign(tf.scalar(state.eta));
    this.initialised = state.etaInitialised === 1;
  }

  override dispose(): void {
    this.eta.dispose();
  }
}
