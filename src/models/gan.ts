/**
 * GAN and MINEGAN (Belghazi et al. 2018 §5.1): the generator maximises
 *   E[log D(G(z))] + β·I(G(z); c),  z = [c, ε]
 * (the non-saturating GAN loss plus an MI term estimated by a statistics network T on
 * [G(z), c]; c = z when `codeDim` = noiseDim). One step updates D once, T once (with the estimator's own block, e.g. η), then G with
 * its adversarial gradient plus the MI gradient, adaptively clipped to the adversarial norm.
 * β = 0 is a plain GAN: T is neither built nor trained.
 */
import * as tf from '@tensorflow/tfjs';
import { type MIRegularizer, regularizedUpdate } from '../mi/miRegularizer.js';
import type { Mlp } from '../nets/mlp.js';
import type { Rng } from '../util/rng.js';

export interface Gan {
  generator: Mlp;
  discriminator: Mlp;
  noiseDim: number;
  /**
   * The MI term is I(G(z); c) with c = the first `codeDim` coordinates of z (MINE §5.1, after
   * InfoGAN: G([ε, c])). With codeDim = noiseDim it is I(G(z); z), infinite for a deterministic G.
   */
  codeDim: number;
  dataDim: number;
  /** std of Gaussian noise added to the generator's output (0: none). */
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

function generate(m: Gan, z: tf.Tensor2D, rng: Rng | null): tf.Tensor2D {
  const x = m.generator.apply(z);
  if (m.outputNoise > 0 && rng) return tf.add(x, tf.randomNormal(x.shape, 0, m.outputNoise, 'float32', rng.tfSeed())) as tf.Tensor2D;
  return x;
}

/** n generated points (no noise on the output) as a Float32Array, n × dataDim. */
export function sampleGenerator(m: Gan, n: number, rng: Rng): Float32Array {
  const t = tf.tidy(() => m.generator.apply(tf.randomNormal([n, m.noiseDim], 0, 1, 'float32', rng.tfSeed()) as tf.Tensor2D));
  const out = t.dataSync() as Float32Array;
  t.dispose();
  return out;
}

export const GAN_FIELDS = ['dLoss', 'gLoss', 'mi', 'miLoss', 'jointTerm', 'marginalTerm', 'penalty', 'advGradNorm', 'miGradNorm', 'clipScale'] as const;
export type GanStepNumbers = Record<(typeof GAN_FIELDS)[number], number>;
/** Fields that are NaN without an MI term (the training loop must not stop on them). */
export const GAN_MI_FIELDS = ['mi', 'miLoss', 'jointTerm', 'marginalTerm', 'penalty', 'clipScale'];

export function ganTrainStep(m: Gan, real: Float32Array, rng: Rng): GanStepNumbers {
  const n = real.length / m.dataDim;
  if (!Number.isInteger(n) || n < 2) throw new Error(`GAN step: real batch has ${real.length} values, not a multiple of data dim ${m.dataDim} with n ≥ 2`);
  const perm = rng.permutation(n);
  const noiseSeed = rng.tfSeed();
  const out = tf.tidy(() => {
    const x = tf.tensor2d(real, [n, m.dataDim]);
    const z = tf.randomNormal([n, m.noiseDim], 0, 1, 'float32', noiseSeed) as tf.Tensor2D;
    const fake = generate(m, z, rng);
    const code = m.codeDim === m.noiseDim ? z : (tf.slice(z, [0, 0], [n, m.codeDim]) as tf.Tensor2D);
    // 1. discriminator: real → 1, fake → 0 (G's variables are not in the list: no G update)
    const dLoss = m.dOptimizer.minimize(
      () => tf.add(bceWithLogits(m.discriminator.apply(x), 1), bceWithLogits(m.discriminator.apply(fake), 0)) as tf.Scalar,
      true,
      m.discriminator.variables,
    ) as tf.Scalar;
    // 2–3. T on (G(z), c) with marginals by shuffling c (MINE Algorithm 1), then G: non-saturating
    //      adversarial gradient + β·(clipped) MI gradient — the MI regularizer's one step
    const advLoss = () => bceWithLogits(m.discriminator.apply(generate(m, z, null)), 1);
    const g = regularizedUpdate(m.mi, m.gOptimizer, advLoss, () => [generate(m, z, null), code], m.generator.variables, { criticPair: [fake, code], perm });
    return tf.stack([dLoss, g.taskLoss, g.mi, g.criticLoss, g.jointTerm, g.marginalTerm, g.penalty, g.taskGradNorm, g.miGradNorm, g.clipScale]);
  });
  const v = out.dataSync();
  out.dispose();
  const res = {} as GanStepNumbers;
  GAN_FIELDS.forEach((f, i) => (res[f] = v[i]));
  return res;
}
