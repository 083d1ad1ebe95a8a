/**
 * GAN and MINEGAN (Belghazi et al. 2018 §5.1): the generator maximises
 *   E[log D(G(z))] + β·I(G(z); c),  z = [c, ε]
 * (the non-saturating GAN loss plus an MI term estimated by a statistics network T on
 * [G(z), c]; c = z when `codeDim` = noiseDim). One step updates D once, T once (with the estimator's own block, e.g. η), then G with
 * its adversarial gradient plus the MI gradient, adaptively clipped to the adversarial norm.
 * β = 0 is a plain GAN: T is neither built nor trained.
 */
import * as tf from '@tensorflow/tfjs';
import type { MIEstimator } from '../mi/interface.js';
import type { Critic } from '../nets/critics.js';
import type { Mlp } from '../nets/mlp.js';
import { criticScores } from '../train/criticScores.js';
import { criticUpdate } from '../train/miStep.js';
import type { Rng } from '../util/rng.js';
import { combineWithAdaptiveClip } from './adaptiveClip.js';

export interface MiRegularizer {
  critic: Critic;
  estimator: MIEstimator;
  beta: number;
  clip: boolean;
  optimizer: tf.Optimizer;
}

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
  mi: MiRegularizer | null;
}

/** Disposes every network and optimizer of the model. */
export function disposeGan(m: Gan): void {
  m.generator.dispose();
  m.discriminator.dispose();
  m.gOptimizer.dispose();
  m.dOptimizer.dispose();
  if (m.mi) {
    m.mi.critic.dispose();
    m.mi.estimator.dispose();
    m.mi.optimizer.dispose();
  }
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

export const GAN_FIELDS = ['dLoss', 'gLoss', 'mi', 'miLoss', 'advGradNorm', 'miGradNorm', 'clipScale'] as const;
export type GanStepNumbers = Record<(typeof GAN_FIELDS)[number], number>;

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
    const dLoss = m.dOptimizer.minimize(() => tf.add(bceWithLogits(m.discriminator.apply(x), 1), bceWithLogits(m.discriminator.apply(fake), 0)) as tf.Scalar, true, m.discriminator.variables) as tf.Scalar;
    let mi: tf.Scalar = tf.scalar(NaN), miLoss: tf.Scalar = tf.scalar(NaN);
    // 2. statistics network on (G(z), z), marginals by shuffling z (MINE Algorithm 1)
    if (m.mi) {
      ({ estimate: mi, loss: miLoss } = criticUpdate(m.mi, fake, code, perm));
    }
    // 3. generator: non-saturating adversarial gradient + β·(clipped) MI gradient
    const adv = tf.variableGrads(() => bceWithLogits(m.discriminator.apply(generate(m, z, null)), 1), m.generator.variables);
    let advNorm: tf.Scalar, miNorm: tf.Scalar = tf.scalar(0), scale: tf.Scalar = tf.scalar(NaN);
    if (m.mi && m.mi.beta > 0) {
      const r = m.mi;
      const g = tf.variableGrads(() => {
        const o = r.estimator.objective(criticScores(r.critic, r.estimator.sampling, generate(m, z, null), code, perm), { updateState: false });
        return tf.mul(o.miForGradient, -r.beta) as tf.Scalar;
      }, m.generator.variables);
      const c = combineWithAdaptiveClip(adv.grads, g.grads, r.clip);
      m.gOptimizer.applyGradients(c.grads);
      [advNorm, miNorm, scale] = [c.mainNorm, c.miNorm, c.scale];
    } else {
      m.gOptimizer.applyGradients(adv.grads);
      advNorm = tf.sqrt(tf.addN(Object.values(adv.grads).map((t) => tf.sum(tf.square(t))))) as tf.Scalar;
    }
    const stats = tf.stack([dLoss, adv.value, mi, miLoss, advNorm, miNorm, scale]);
    return stats;
  });
  const v = out.dataSync();
  out.dispose();
  const res = {} as GanStepNumbers;
  GAN_FIELDS.forEach((f, i) => (res[f] = v[i]));
  return res;
}
