/**
 * The peers of MINE for comparison: NWJ / MINE-f, InfoNCE, JS (train with the JS f-GAN objective,
 * estimate with NWJ) and SMILE (train with JS, estimate with clipped DV). Each may carry ReMINE's
 * drift regulariser (the "regularised counterparts").
 */
import * as tf from '@tensorflow/tfjs';
import { BaseEstimator, type CoreOutput } from './baseEstimator.js';
import { infoNce, jensenShannon, nwj, smileDv } from './bounds.js';
import type { CriticScores, Sampling } from './interface.js';
import { valueWithGradientOf } from './ops.js';
import type { RegularizerConfig } from './regularizer.js';

/** NWJ (MINE-f): an unbiased minibatch gradient, no correction needed. */
export class NwjEstimator extends BaseEstimator {
  constructor(regularizer: RegularizerConfig | null = null, sampling: Sampling = 'shuffle') {
    super('nwj', sampling, 'linear', regularizer);
  }
  protected core(s: CriticScores): CoreOutput {
    const parts = nwj(s.joint, s.marginal);
    return { parts, miForGradient: parts.mi, estimate: parts.mi };
  }
}

/** InfoNCE on the full score matrix; the estimate is capped at log(batch size). */
export class InfoNceEstimator extends BaseEstimator {
  constructor(regularizer: RegularizerConfig | null = null) {
    super('infonce', 'matrix', 'none', regularizer);
  }
  protected core(s: CriticScores): CoreOutput {
    const parts = infoNce(s.matrix as tf.Tensor2D);
    return { parts, miForGradient: parts.mi, estimate: parts.mi };
  }
}

/**
 * JS (Poole et al. §2.4; Hjelm et al. 2019): the critic maximises the JS f-GAN objective, whose
 * optimum is T* = log p/q; NWJ evaluated at T + 1 then estimates MI (NWJ's optimum is 1 + log p/q).
 * Gradients follow JS, the value is NWJ (SMILE's reference code: js + stop_grad(nwj − js)).
 */
export class JsEstimator extends BaseEstimator {
  constructor(regularizer: RegularizerConfig | null = null, sampling: Sampling = 'shuffle') {
    super('js', sampling, 'linear', regularizer);
  }
  protected core(s: CriticScores): CoreOutput {
    const js = jensenShannon(s.joint, s.marginal);
    const parts = nwj(tf.add(s.joint, 1) as tf.Tensor1D, tf.add(s.marginal, 1) as tf.Tensor1D);
    return { parts, miForGradient: valueWithGradientOf(parts.mi, js.mi), estimate: parts.mi };
  }
}

/** SMILE (Song & Ermon 2020): train with JS, estimate with DV whose e^T is clipped to [e^{−τ}, e^{τ}]. */
export class SmileEstimator extends BaseEstimator {
  constructor(
    readonly tau: number,
    regularizer: RegularizerConfig | null = null,
    sampling: Sampling = 'matrix',
  ) {
    super('smile', sampling, 'none', regularizer);
    if (!(tau > 0)) throw new Error(`estimator.clip (SMILE's τ) must be positive, got ${tau}`);
  }
  protected core(s: CriticScores): CoreOutput {
    const js = jensenShannon(s.joint, s.marginal);
    const parts = smileDv(s.joint, s.marginal, this.tau);
    return { parts, miForGradient: valueWithGradientOf(parts.mi, js.mi), estimate: parts.mi };
  }
}
