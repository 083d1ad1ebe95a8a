/**
 * GAN and MINEGAN (Belghazi et al. 2018 §5.1): the generator maximises
 *   E[log D(G(z))] + β·I(G(z); c),  z = [c, ε]
 * (the non-saturating GAN loss plus an MI term estimated by a statistics network T on
 * [G(z), c]; c = z when `codeDim` = noiseDim). One step updates D once (or `dSteps` times), T once (with the estimator's own
 * block, e.g. η), then G with its adversarial gradient plus the MI gradient, adaptively clipped to the adversarial norm.
 * β = 0 is a plain GAN: T is neither built nor trained.
 */
import * as tf from '@tensorflow/tfjs';
import { type MIRegularizer, regularizedUpdate } from '../mi/miRegularizer.js';
import type { Mlp } from '../nets/mlp.js';
import type { Rng } from '../util/rng.js';
import { namedNumbers } from '../train/stepNumbers.js';

export interface Gan {
  generator: Mlp;
  discriminator: Mlp;
  noiseDim: number;
  /** the prior of z: standard normal (the default), or uniform on [−√3, √3] per coordinate (also unit variance). */
  noise?: GanNoise;
  /**
   * The MI term is I(G(z); c) with c = the first `codeDim` coordinates of z (MINE §5.1, after
   * InfoGAN: G([ε, c])). With codeDim = noiseDim it is I(G(z); z), infinite for a deterministic G.
   */
  codeDim: number;
  dataDim: number;
  /** std of Gaussian noise added to the generator's output where T sees it (0: none); D sees G(z) itself. */
  outputNoise: number;
  gOptimizer: tf.Optimizer;
  dOptimizer: tf.Optimizer;
  /** I(G(z); c), maximised (direction 'maximize'); null for a plain GAN (β = 0). */
  mi: MIRegularizer | null;
}

/** Disposes every network and optimizer of the model. */
export function disposeGan(m: Gan): void {
  m.generator.dispose();
  m.discriminator.dispose();
  m.gOptimizer.dispose();
  m.dOptimizer.dispose();
  m.mi?.dispose();
}

/** −E[log σ(l)] for label 1, −E[log(1 − σ(l))] for label 0, stably via softplus. */
export function bceWithLogits(logits: tf.Tensor, label: 0 | 1): tf.Scalar {
  return tf.mean(tf.softplus(label === 1 ? tf.neg(logits) : logits)) as tf.Scalar;
}

export const GAN_NOISE_KINDS = ['gaussian', 'uniform'] as const;
export type GanNoise = (typeof GAN_NOISE_KINDS)[number];

/** n draws of z from the generator's prior, from a tfjs seed. */
export function drawNoise(m: Gan, n: number, seed: number): tf.Tensor2D {
  if (m.noise === 'uniform') return tf.randomUniform([n, m.noiseDim], -Math.sqrt(3), Math.sqrt(3), 'float32', seed) as tf.Tensor2D;
  return tf.randomNormal([n, m.noiseDim], 0, 1, 'float32', seed) as tf.Tensor2D;
}

/** n generated points (no noise on the output) as a Float32Array, n × dataDim. */
export function sampleGenerator(m: Gan, n: number, rng: Rng): Float32Array {
  const t = tf.tidy(() => m.generator.apply(drawNoise(m, n, rng.tfSeed())));
  const out = t.dataSync() as Float32Array;
  t.dispose();
  return out;
}

export const GAN_FIELDS = ['dLoss', 'gLoss', 'mi', 'miLoss', 'jointTerm', 'marginalTerm', 'penalty', 'advGradNorm', 'miGradNorm', 'clipScale'] as const;
export type GanStepNumbers = Record<(typeof GAN_FIELDS)[number], number>;
/** Fields that are NaN without an MI term (the training loop must not stop on them). */
export const GAN_MI_FIELDS = ['mi', 'miLoss', 'jointTerm', 'marginalTerm', 'penalty', 'clipScale'];

/** Options of one GAN step. */
export interface GanStepOptions {
  /** D updates before G's one (default 1); `real` then holds that many batches, one per update. */
  dSteps?: number;
  /**
   * false: G's update leaves the MI term out and T is not trained (β = 0 for the rest of the run,
   * where T's estimate no longer reaches G); the MI fields are NaN. Default: true.
   */
  withMi?: boolean;
}

export function ganTrainStep(m: Gan, real: Float32Array, rng: Rng, opts: GanStepOptions = {}): GanStepNumbers {
  const dSteps = opts.dSteps ?? 1;
  if (!Number.isInteger(dSteps) || dSteps < 1) throw new Error(`GAN step: dSteps must be an integer ≥ 1, got ${dSteps}`);
  const n = real.length / m.dataDim / dSteps;
  if (!Number.isInteger(n) || n < 2)
    throw new Error(`GAN step: real batch has ${real.length} values, not ${dSteps} batch(es) of n ≥ 2 points of data dim ${m.dataDim}`);
  const perm = rng.permutation(n);
  const noiseSeed = rng.tfSeed();
  // the earlier D updates' noise (the last D update shares G's noise z, as with one D step)
  const earlierSeeds = Array.from({ length: dSteps - 1 }, () => rng.tfSeed());
  const outputNoiseSeed = m.outputNoise > 0 ? rng.tfSeed() : null;
  const out = tf.tidy(() => {
    const batch = (k: number) => tf.tensor2d(real.subarray(k * n * m.dataDim, (k + 1) * n * m.dataDim), [n, m.dataDim]);
    // 1. discriminator: real → 1, fake → 0 (G's variables are not in the list: no G update)
    const dStep = (x: tf.Tensor2D, fake: tf.Tensor2D) =>
      m.dOptimizer.minimize(
        () => tf.add(bceWithLogits(m.discriminator.apply(x), 1), bceWithLogits(m.discriminator.apply(fake), 0)) as tf.Scalar,
        true,
        m.discriminator.variables,
      ) as tf.Scalar;
    earlierSeeds.forEach((seed, k) => {
      tf.tidy(() => {
        dStep(batch(k), m.generator.apply(drawNoise(m, n, seed)));
      });
    });
    const z = drawNoise(m, n, noiseSeed);
    const fake = m.generator.apply(z);
    // T sees G(z) + ε (outputNoise), the same ε in its own update and in G's MI gradient; D sees G(z)
    const eps = outputNoiseSeed === null ? null : tf.randomNormal([n, m.dataDim], 0, m.outputNoise, 'float32', outputNoiseSeed);
    const seen = (x: tf.Tensor2D) => (eps ? (tf.add(x, eps) as tf.Tensor2D) : x);
    const code = m.codeDim === m.noiseDim ? z : (tf.slice(z, [0, 0], [n, m.codeDim]) as tf.Tensor2D);
    const dLoss = dStep(batch(dSteps - 1), fake);
    // 2–3. T on (G(z) + ε, c) with marginals by shuffling c (MINE Algorithm 1), then G: non-saturating
    //      adversarial gradient + β·(clipped) MI gradient — the MI regularizer's one step
    const advLoss = () => bceWithLogits(m.discriminator.apply(m.generator.apply(z)), 1);
    const mi = opts.withMi === false ? null : m.mi;
    const g = regularizedUpdate(mi, m.gOptimizer, advLoss, () => [seen(m.generator.apply(z)), code], m.generator.variables, {
      criticPair: [seen(fake), code],
      perm,
    });
    return tf.stack([dLoss, g.taskLoss, g.mi, g.criticLoss, g.jointTerm, g.marginalTerm, g.penalty, g.taskGradNorm, g.miGradNorm, g.clipScale]);
  });
  return namedNumbers(GAN_FIELDS, out);
}
