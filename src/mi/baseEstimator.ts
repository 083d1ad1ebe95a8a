/**
 * What every estimator shares: the optional drift regulariser, the reported log E_Q[e^T], and the
 * loss −(bound for gradients) + regulariser. Subclasses supply only their bound (`core`).
 */
import * as tf from '@tensorflow/tfjs';
import type { BoundParts, CriticScores, EstimatorOutput, MIEstimator, Sampling } from './interface.js';
import { logMeanExp } from './ops.js';
import { driftPenalty, type RegularizerConfig } from './regularizer.js';

/** How batch results pool into a micro-averaged estimate over a window (see window.ts). */
export type Pooling = 'dv' | 'joint' | 'linear' | 'none';

export interface CoreOutput {
  parts: BoundParts;
  miForGradient: tf.Scalar;
  estimate: tf.Scalar;
  /**
   * log E_Q[e^T] on this batch when the bound already computed it (the DV bound's marginal term),
   * so that it is not computed twice; absent: objective computes it from the marginal scores.
   */
  logMeanExpMarginal?: tf.Scalar;
}

export abstract class BaseEstimator implements MIEstimator {
  constructor(
    readonly kind: string,
    readonly sampling: Sampling,
    readonly pooling: Pooling,
    readonly regularizerConfig: RegularizerConfig | null,
  ) {}

  get microAverageValid(): boolean {
    return this.pooling !== 'none';
  }

  protected abstract core(scores: CriticScores, updateState: boolean): CoreOutput;

  objective(scores: CriticScores, opts: { updateState?: boolean } = {}): EstimatorOutput {
    if (this.sampling === 'matrix' && !scores.matrix) {
      throw new Error(`estimator "${this.kind}" needs the full score matrix (sampling "matrix")`);
    }
    const core = this.core(scores, opts.updateState ?? true);
    const { parts, miForGradient, estimate } = core;
    const logMeanExpMarginal = core.logMeanExpMarginal ?? logMeanExp(scores.marginal);
    const regularizer = this.regularizerConfig ? driftPenalty(logMeanExpMarginal, this.regularizerConfig) : tf.scalar(0);
    const loss = tf.add(tf.neg(miForGradient), regularizer) as tf.Scalar;
    return { ...parts, miForGradient, estimate, logMeanExpMarginal, regularizer, loss };
  }

  getState(): Record<string, number> {
    return {};
  }

  setState(_state: Record<string, number>): void {}

  dispose(): void {}
}
