/**
 * Stochastic encoders p(z | x) of the information-bottleneck experiments (Belghazi et al. 2018
 * §5.3 and Table 3; Alemi et al. 2017 §4.1), each an MLP 784-…-K with ReLU:
 * - `gaussian`:   z = μ(x) + softplus(s(x) − 5) ⊙ ε, ε ~ N(0, I_K); the MLP's last layer outputs
 *                 2K values, [μ, s] (Alemi et al. eq. 19, the VIB encoder; the −5 is their reference
 *                 code's: σ starts near 0.007, so early training is not drowned in noise);
 * - `additive`:   z = enc(x + σ ⊙ ε), ε ~ N(0, I_784) (noise on the input);
 * - `propagated`: z = enc([x, ε]), ε ~ N(0, I_noiseDim) (noise fed in beside the input and
 *                 propagated through the network).
 * ε is an explicit argument of a pure function (`encode(x, eps)`), so ε = 0 gives the
 * deterministic path and two ε give two samples of the same p(z | x).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.js';
import { Mlp } from './mlp.js';

export const ENCODER_KINDS = ['gaussian', 'additive', 'propagated'] as const;
export type EncoderKind = (typeof ENCODER_KINDS)[number];

export interface EncoderConfig {
  kind: EncoderKind;
  /** hidden widths, e.g. [1024, 1024]. */
  hidden: number[];
  /** K, the bottleneck width. */
  zDim: number;
  /** σ of the additive encoder's input noise (default 0.5). */
  noiseStd?: number;
  /** dimensions of the propagated encoder's noise input (default 128). */
  noiseDim?: number;
}

export const DEFAULT_NOISE_STD = 0.5;
/** σ = softplus(s + SIGMA_OFFSET), as in Alemi et al.'s VIB code (softplus(x − 5.0)). */
export const SIGMA_OFFSET = -5;
export const DEFAULT_NOISE_DIM = 128;

/**
 * The Gaussian head of an encoder network's output [n, 2K] = [μ, s]: μ and σ = softplus(s − 5),
 * each [n, K] (Alemi et al. eq. 19; the −5 is their reference code's). Shared by the IB's
 * `gaussian` encoder and ALI's learned-σ encoder.
 */
export function gaussianHead(params: tf.Tensor2D, zDim: number): { mu: tf.Tensor2D; sigma: tf.Tensor2D } {
  const [n, cols] = params.shape;
  if (cols !== 2 * zDim) throw new Error(`gaussian encoder head: expected ${2 * zDim} columns [μ, s], got ${cols}`);
  const mu = tf.slice(params, [0, 0], [n, zDim]) as tf.Tensor2D;
  const sigma = tf.softplus(tf.add(tf.slice(params, [0, zDim], [n, zDim]), SIGMA_OFFSET)) as tf.Tensor2D;
  return { mu, sigma };
}

/**
 * What `encode` needs from x before the noise: the Gaussian encoder's MLP output [μ, s] (so that
 * many samples of z cost one network pass), or x itself for the noise-input encoders.
 */
export interface EncoderPrepared {
  x: tf.Tensor2D;
  /** [n, 2K] for the Gaussian encoder: columns 0…K−1 are μ, K…2K−1 the pre-softplus std. */
  params?: tf.Tensor2D;
}

export class StochasticEncoder {
  readonly net: Mlp;
  readonly kind: EncoderKind;
  readonly zDim: number;
  readonly noiseStd: number;
  readonly noiseDim: number;

  constructor(
    cfg: EncoderConfig,
    readonly inputDim: number,
    rng: Rng,
  ) {
    this.kind = cfg.kind;
    this.zDim = cfg.zDim;
    this.noiseStd = cfg.noiseStd ?? DEFAULT_NOISE_STD;
    this.noiseDim = cfg.noiseDim ?? DEFAULT_NOISE_DIM;
    const inSize = cfg.kind === 'propagated' ? inputDim + this.noiseDim : inputDim;
    const outSize = cfg.kind === 'gaussian' ? 2 * cfg.zDim : cfg.zDim;
    this.net = new Mlp({ sizes: [inSize, ...cfg.hidden, outSize], activation: 'relu' }, rng, `encoder(${cfg.kind})`);
  }

  get variables(): tf.Variable[] {
    return this.net.variables;
  }

  /** Columns of ε for one row of x: K (gaussian), inputDim (additive), noiseDim (propagated). */
  get epsDim(): number {
    return this.kind === 'gaussian' ? this.zDim : this.kind === 'additive' ? this.inputDim : this.noiseDim;
  }

  /** ε ~ N(0, I) for n rows, from an explicit tfjs seed. */
  sampleNoise(n: number, seed: number): tf.Tensor2D {
    return tf.randomNormal([n, this.epsDim], 0, 1, 'float32', seed) as tf.Tensor2D;
  }

  prepare(x: tf.Tensor2D): EncoderPrepared {
    return this.kind === 'gaussian' ? { x, params: this.net.apply(x) } : { x };
  }

  /** μ and σ = softplus(s − 5) of the Gaussian encoder, each [n, K]. */
  gaussianParams(p: EncoderPrepared): { mu: tf.Tensor2D; sigma: tf.Tensor2D } {
    if (!p.params) throw new Error(`encoder(${this.kind}): only the gaussian encoder has μ and σ`);
    return gaussianHead(p.params, this.zDim);
  }

  /** z [n, K] for prepared x and noise ε [n, epsDim]. */
  sample(p: EncoderPrepared, eps: tf.Tensor2D): tf.Tensor2D {
    const n = p.x.shape[0];
    if (eps.rank !== 2 || eps.shape[0] !== n || eps.shape[1] !== this.epsDim) {
      throw new Error(`encoder(${this.kind}): ε must have shape [${n}, ${this.epsDim}], got [${eps.shape.join(', ')}]`);
    }
    switch (this.kind) {
      case 'gaussian': {
        const { mu, sigma } = this.gaussianParams(p);
        return tf.add(mu, tf.mul(sigma, eps)) as tf.Tensor2D;
      }
      case 'additive':
        return this.net.apply(tf.add(p.x, tf.mul(eps, this.noiseStd)) as tf.Tensor2D);
      case 'propagated':
        return this.net.apply(tf.concat([p.x, eps], 1) as tf.Tensor2D);
    }
  }

  /** z = f(x, ε): pure in (x, ε) given the weights. */
  encode(x: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor2D {
    return this.sample(this.prepare(x), eps);
  }

  /** The noise-free path: μ(x), enc(x), enc([x, 0]). */
  deterministic(x: tf.Tensor2D): tf.Tensor2D {
    switch (this.kind) {
      case 'gaussian':
        return this.gaussianParams(this.prepare(x)).mu;
      case 'additive':
        return this.net.apply(x);
      case 'propagated':
        return this.net.apply(tf.concat([x, tf.zeros([x.shape[0], this.noiseDim])], 1) as tf.Tensor2D);
    }
  }

  dispose(): void {
    this.net.dispose();
  }
}
