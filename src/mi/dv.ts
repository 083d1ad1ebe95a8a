/**
 * The Donsker–Varadhan family: MINE (moving-average gradient correction), biased MINE, ReMINE and
 * ReMINE-J. They differ only in the gradient correction, the regulariser and what is reported.
 */
import * as tf from '@tensorflow/tfjs';
import { BaseEstimator, type CoreOutput } from './baseEstimator.js';
import { donskerVaradhan } from './bounds.js';
import type { BoundParts, CriticScores } from './interface.js';
import { logMeanExp, stopGradient, valueWithGradientOf } from './ops.js';
import type { RegularizerConfig } from './regularizer.js';
import { ownedVariable } from '../nets/mlp.js';
import { mineTail } from '../backend/mineTail.js';

/**
 * One step of MINE's exponential moving average of E_Q[e^T], kept in log space:
 * log((1−r)·e^{prev} + r·e^{batch}). `prev` = NaN means no batch seen yet: start at the batch value.
 */
export function updateLogMovingAverage(prevLog: tf.Scalar, batchLog: tf.Scalar, rate: number): tf.Scalar {
  const mixed = tf.logSumExp(tf.stack([tf.add(prevLog, Math.log(1 - rate)), tf.add(batchLog, Math.log(rate))]));
  return tf.where(tf.isNaN(prevLog), batchLog, mixed) as tf.Scalar;
}

/**
 * The DV bound with MINE's bias-corrected gradient (Belghazi et al. §3.2, eq. 12): the gradient of
 * log E_Q[e^T] is ∇E_Q[e^T] / E_Q[e^T], whose minibatch estimate is biased; MINE replaces the
 * denominator by a moving average m̄. The surrogate E_P[T] − E_Q[e^T]/m̄ has exactly that
 * gradient; its value is replaced by the DV bound's so that it reads as an MI estimate.
 */
export function mineCorrectedBound(tJoint: tf.Tensor1D, tMarginal: tf.Tensor1D, logMovingAverage: tf.Scalar) {
  const parts = donskerVaradhan(tJoint, tMarginal);
  const surrogate = tf.sub(parts.jointTerm, tf.exp(tf.sub(logMeanExp(tMarginal), stopGradient(logMovingAverage)))) as tf.Scalar;
  return { parts, miForGradient: valueWithGradientOf(parts.mi, surrogate) };
}

export interface DvOptions {
  /** MINE's moving-average rate r (default 0.01); null for the plain (biased) DV gradient. */
  movingAverageRate: number | null;
  regularizer: RegularizerConfig | null;
  /** 'bound' reports the DV bound; 'joint' reports E_P[T] alone (ReMINE-J: valid when C = 0 is enforced). */
  report: 'bound' | 'joint';
}

export class DvEstimator extends BaseEstimator {
  /** log of MINE's moving average of E_Q[e^T]; NaN until the first batch. Not trainable. */
  readonly logMovingAverage: tf.Variable<tf.Rank.R0> | null;

  constructor(
    kind: string,
    readonly options: DvOptions,
    sampling: 'shuffle' | 'matrix' = 'shuffle',
  ) {
    super(kind, sampling, options.report === 'joint' ? 'joint' : 'dv', options.regularizer);
    const r = options.movingAverageRate;
    if (r !== null && !(r > 0 && r <= 1)) throw new Error(`estimator.movingAverageRate must be in (0, 1], got ${r}`);
    this.logMovingAverage = r === null ? null : ownedVariable(tf.scalar(NaN), false);
  }

  protected core(scores: CriticScores, updateState: boolean): CoreOutput {
    const { joint, marginal } = scores;
    let parts: BoundParts, miForGradient: tf.Scalar;
    if (this.logMovingAverage && this.options.movingAverageRate !== null) {
      const rate = this.options.movingAverageRate;
      // one kernel each way on wasm (src/backend/mineTail.ts); null elsewhere: the composite below
      const tail = mineTail(joint, marginal, this.logMovingAverage, rate);
      const next = tail ? tail.logMovingAverage : updateLogMovingAverage(this.logMovingAverage, stopGradient(logMeanExp(marginal)), rate);
      if (updateState) this.logMovingAverage.assign(next);
      if (tail) {
        parts = { mi: tail.mi, jointTerm: tail.jointTerm, marginalTerm: tail.marginalTerm };
        miForGradient = tail.miForGradient;
      } else {
        ({ parts, miForGradient } = mineCorrectedBound(joint, marginal, next));
      }
    } else {
      parts = donskerVaradhan(joint, marginal);
      miForGradient = parts.mi;
    }
    const estimate = this.options.report === 'joint' ? parts.jointTerm : parts.mi;
    // DV's marginal term is log mean exp of the marginal scores: the reported log E_Q[e^T] itself
    return { parts, miForGradient, estimate, logMeanExpMarginal: parts.marginalTerm };
  }

  override getState(): Record<string, number> {
    return this.logMovingAverage ? { logMovingAverage: this.logMovingAverage.dataSync()[0] } : {};
  }

  override setState(state: Record<string, number>): void {
    if (this.logMovingAverage && state.logMovingAverage !== undefined) {
      // in a tidy: the scalar assigned from is freed (assign copies it)
      tf.tidy(() => this.logMovingAverage!.assign(tf.scalar(state.logMovingAverage)));
    }
  }

  override dispose(): void {
    this.logMovingAverage?.dispose();
  }
}
