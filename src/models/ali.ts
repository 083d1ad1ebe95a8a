/**
 * Bidirectional adversarial models: ALI / BiGAN (Dumoulin et al. 2017; Donahue et al. 2017), ALICE
 * (Li et al. 2017) and ALI + β·I(X; Z) (Belghazi et al. 2018, MINE §4.3: the reconstruction error is
 * bounded by D_KL(p_enc ‖ p_dec) − I(X; Z) + H(Z), eq. 22, hence the objective of eq. 23).
 *
 * A generator G: z → x, an encoder F: x → z and a joint discriminator D(x, z) on the concatenation.
 * D separates encoder pairs (x, ẑ = F(x) [+ σε]) — labelled 1 — from generator pairs (G(z), z),
 * labelled 0; G and F are trained together to fool it with the non-saturating loss (labels
 * swapped). Variants add to the G/F objective:
 * - "alice-l2": λ·E‖x − G(F(x))‖² — the conditional-entropy term H(x | z) of ALICE bounded by an
 *   L2 reconstruction (Li et al. 2017 §3, explicit cycle-consistency);
 * - "alice-adv": an adversarial reconstruction discriminator D'(x, x') that separates (x, x) from
 *   (x, G(F(x))); G and F fool it (ALICE's adversarially learned cycle-consistency, Li et al. eq. 8);
 * - "ali-mi": MINE eq. 23, min_{G,F} max_D V(D, G, F) − β·I(X; F(X)): a statistics network T on
 *   (x, ẑ) with marginals by shuffling ẑ, any estimator of src/mi. I(X; F(X)) depends on the encoder
 *   alone (x is data), so the MI gradient reaches F only; it is adaptively clipped to the norm of
 *   F's adversarial gradient (MINE appendix 6.3) — the MI regularizer with direction 'maximize'.
 */
import * as tf from '@tensorflow/tfjs';
import { type MIRegularizer, regularizedUpdate } from '../mi/miRegularizer.js';
import { gaussianHead } from '../nets/encoders.js';
import type { Net } from '../nets/convNets.js';
import { activate, mapRows, type Mlp } from '../nets/mlp.js';
import type { Rng } from '../util/rng.js';
import { bceWithLogits } from './gan.js';
import { namedNumbers } from '../train/stepNumbers.js';

export const ALI_VARIANTS = ['ali', 'alice-l2', 'alice-adv', 'ali-mi'] as const;
export type AliVariant = (typeof ALI_VARIANTS)[number];

export interface Ali {
  variant: AliVariant;
  /** G: [n, latentDim] → [n, dataDim] (an Mlp, or an Mlp chained to transposed convolutions). */
  generator: Net;
  /**
   * F: [n, dataDim] → [n, latentDim], the encoder's mean; with `encoderNoise` 'learned',
   * [n, 2·latentDim] = [μ, s] with σ(x) = softplus(s − 5) (src/nets/encoders.ts, gaussianHead).
   */
  encoder: Net;
  /**
   * D's x path (null: x enters D as it is): [n, dataDim] → [n, features], e.g. convolutions on the
   * image (ALI's D_x, Dumoulin et al. 2017 appendix A); D's joint MLP then sees [features, z].
   */
  discriminatorX: Net | null;
  /** D's joint MLP: [n, (features or dataDim) + latentDim] → [n, 1] logits, 1 = encoder pair (x, F(x)). */
  discriminator: Mlp;
  /** D' (alice-adv only): [n, 2·dataDim] → [n, 1] logits, 1 = (x, x). */
  reconDiscriminator: Mlp | null;
  dataDim: number;
  latentDim: number;
  /**
   * The Gaussian encoder's σ: a number gives ẑ = F(x) + σε (0 = deterministic); 'learned' gives
   * ẑ = μ(x) + σ(x) ⊙ ε with σ(x) an output of the encoder (ALI's own encoder, Dumoulin et al.
   * 2017 §2: the reparametrised Gaussian q(z | x)), which the MI term can shrink where a fixed σ
   * caps I(X; Ẑ) once q(z) matches N(0, I).
   */
  encoderNoise: number | 'learned';
  /** weight λ of the ALICE term (alice-l2, alice-adv). */
  lambda: number;
  /**
   * D's regularization in training passes (the D step and the G/F step; never at evaluation):
   * `dropout` rate on D's input and hidden units (ALI, Dumoulin et al. 2017, uses 0.2) and
   * `inputNoise` σ of Gaussian instance noise added to D's input [x, z]. Absent = 0.
   */
  discriminatorDropout?: number;
  discriminatorInputNoise?: number;
  /** one optimizer over G's and F's variables together (they play one side of the game). */
  gfOptimizer: tf.Optimizer;
  dOptimizer: tf.Optimizer;
  rOptimizer: tf.Optimizer | null;
  /** I(X; F(X)), maximised (ali-mi only). */
  mi: MIRegularizer | null;
}

/** Disposes every network and optimizer of the model. */
export function disposeAli(m: Ali): void {
  m.generator.dispose();
  m.encoder.dispose();
  m.discriminator.dispose();
  m.discriminatorX?.dispose();
  m.reconDiscriminator?.dispose();
  m.gfOptimizer.dispose();
  m.dOptimizer.dispose();
  m.rOptimizer?.dispose();
  m.mi?.dispose();
}

/** The encoder network's output width: latentDim, or [μ, s] = 2·latentDim for a learned-σ encoder. */
export function encoderOutputSize(latentDim: number, noise: number | 'learned'): number {
  return noise === 'learned' ? 2 * latentDim : latentDim;
}

/** Throws unless the model's parts match its variant (a variant without its extra part is a bug). */
export function checkAli(m: Ali): void {
  if (!(ALI_VARIANTS as readonly string[]).includes(m.variant))
    throw new Error(`ALI: unknown variant ${JSON.stringify(m.variant)}; expected one of ${ALI_VARIANTS.join(', ')}`);
  if (m.variant === 'alice-adv' && (!m.reconDiscriminator || !m.rOptimizer))
    throw new Error('ALI: variant "alice-adv" needs reconDiscriminator and rOptimizer');
  if (m.variant === 'ali-mi' && !m.mi) throw new Error('ALI: variant "ali-mi" needs mi (critic, estimator, beta)');
  const encOut = encoderOutputSize(m.latentDim, m.encoderNoise);
  if (m.encoder.inputSize !== m.dataDim || m.encoder.outputSize !== encOut)
    throw new Error(
      `ALI: encoder must map ${m.dataDim} → ${encOut}${m.encoderNoise === 'learned' ? ' ([μ, s] of a learned-σ encoder)' : ''}, got ${m.encoder.inputSize} → ${m.encoder.outputSize}`,
    );
  if (m.encoderNoise !== 'learned' && !(Number.isFinite(m.encoderNoise) && m.encoderNoise >= 0))
    throw new Error(`ALI: encoderNoise must be a number ≥ 0 or 'learned', got ${m.encoderNoise}`);
  if (m.generator.inputSize !== m.latentDim || m.generator.outputSize !== m.dataDim)
    throw new Error(`ALI: generator must map ${m.latentDim} → ${m.dataDim}, got ${m.generator.inputSize} → ${m.generator.outputSize}`);
  for (const [k, v] of [
    ['discriminatorDropout', m.discriminatorDropout],
    ['discriminatorInputNoise', m.discriminatorInputNoise],
  ] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0 && (k !== 'discriminatorDropout' || v < 1)))
      throw new Error(`ALI: ${k} must be ${k === 'discriminatorDropout' ? 'in [0, 1)' : '≥ 0'}, got ${v}`);
  }
  if (m.discriminatorX && m.discriminatorX.inputSize !== m.dataDim)
    throw new Error(`ALI: discriminator's x path must take dataDim = ${m.dataDim} values, got ${m.discriminatorX.inputSize}`);
  const xWidth = m.discriminatorX ? m.discriminatorX.outputSize : m.dataDim;
  if (m.discriminator.inputSize !== xWidth + m.latentDim)
    throw new Error(
      `ALI: discriminator input must be ${m.discriminatorX ? "the x path's features" : 'dataDim'} + latentDim = ${xWidth + m.latentDim}, got ${m.discriminator.inputSize}`,
    );
}

/** Every variable of D: its x path's and its joint MLP's. */
export function discriminatorVariables(m: Ali): tf.Variable[] {
  return [...(m.discriminatorX?.variables ?? []), ...m.discriminator.variables];
}

/**
 * D(x, z) logits on the concatenation [x, z] (x through D's x path first, if it has one). With
 * `trainSeed` (a training pass), D's input noise and dropout (if set) are applied to the joint
 * MLP's input and hidden units with masks drawn from that seed; without it, D is deterministic.
 */
export function jointLogits(m: Ali, x: tf.Tensor2D, z: tf.Tensor2D, trainSeed?: number): tf.Tensor2D {
  let h = tf.concat([m.discriminatorX ? m.discriminatorX.apply(x) : x, z], 1) as tf.Tensor2D;
  const rate = m.discriminatorDropout ?? 0,
    sigma = m.discriminatorInputNoise ?? 0;
  if (trainSeed === undefined || (rate === 0 && sigma === 0)) return m.discriminator.apply(h);
  if (sigma > 0) h = tf.add(h, tf.randomNormal(h.shape, 0, sigma, 'float32', trainSeed)) as tf.Tensor2D;
  if (rate === 0) return m.discriminator.apply(h);
  // Dropout on the input and on every hidden layer's output (inverted dropout: kept units × 1/(1 − rate)).
  const d = m.discriminator;
  const last = d.weights.length - 1;
  for (let i = 0; i <= last; i++) {
    h = tf.dropout(h, rate, undefined, trainSeed + 7919 * (i + 1)) as tf.Tensor2D;
    h = tf.fused.matMul({ a: h, b: d.weights[i], bias: d.biases[i] }) as tf.Tensor2D;
    h = activate(h, i === last ? d.outputActivation : d.activation);
  }
  return h;
}

/** ALICE-L2's conditional-entropy surrogate: mean over the batch of ‖x − x'‖² (sum over coordinates). */
export function l2Reconstruction(x: tf.Tensor2D, xr: tf.Tensor2D): tf.Scalar {
  return tf.mean(tf.sum(tf.square(tf.sub(x, xr)), 1)) as tf.Scalar;
}

/**
 * The G/F side's losses on one batch (a pure function of the networks, for the step and for tests):
 * `adversarial` = −E log(1 − D(x, ẑ)) − E log D(G(z), z) (non-saturating, labels swapped), and the
 * variant's `alice` term (already × λ; 0 for ali and ali-mi).
 */
export function generatorEncoderLosses(
  m: Ali,
  x: tf.Tensor2D,
  z: tf.Tensor2D,
  zHat: tf.Tensor2D,
  dSeed?: number,
): { adversarial: tf.Scalar; alice: tf.Scalar } {
  const adversarial = tf.add(
    bceWithLogits(jointLogits(m, x, zHat, dSeed), 0),
    bceWithLogits(jointLogits(m, m.generator.apply(z), z, dSeed === undefined ? undefined : dSeed + 1), 1),
  ) as tf.Scalar;
  let alice: tf.Scalar = tf.scalar(0);
  if (m.variant === 'alice-l2') {
    alice = tf.mul(l2Reconstruction(x, m.generator.apply(zHat)), m.lambda) as tf.Scalar;
  } else if (m.variant === 'alice-adv') {
    // G and F want D'(x, G(F(x))) to say "(x, x)" (non-saturating).
    const xr = m.generator.apply(zHat);
    alice = tf.mul(bceWithLogits(m.reconDiscriminator!.apply(tf.concat([x, xr], 1) as tf.Tensor2D), 1), m.lambda) as tf.Scalar;
  }
  return { adversarial, alice };
}

export const ALI_FIELDS = [
  'dLoss',
  'gfLoss',
  'aliceLoss',
  'rLoss',
  'recon',
  'mi',
  'miLoss',
  'jointTerm',
  'marginalTerm',
  'penalty',
  'advGradNorm',
  'miGradNorm',
  'clipScale',
] as const;
export type AliStepNumbers = Record<(typeof ALI_FIELDS)[number], number>;
/** Fields that are NaN by design in some variants (the loop must not stop on them). */
export const ALI_OPTIONAL_FIELDS = ['rLoss', 'mi', 'miLoss', 'jointTerm', 'marginalTerm', 'penalty', 'miGradNorm', 'clipScale'];

/**
 * One training step on a real batch (n × dataDim): D once, then D' (alice-adv) or T (ali-mi) once,
 * then G and F together. Everything is inside one tf.tidy; the numbers are read back once.
 * `recon` is the batch's mean ‖x − G(ẑ)‖² before the updates (logged for every variant).
 */
export function aliTrainStep(m: Ali, real: Float32Array, rng: Rng): AliStepNumbers {
  const n = real.length / m.dataDim;
  if (!Number.isInteger(n) || n < 2) throw new Error(`ALI step: real batch has ${real.length} values, not a multiple of data dim ${m.dataDim} with n ≥ 2`);
  const perm = rng.permutation(n);
  const zSeed = rng.tfSeed();
  const encSeed = rng.tfSeed();
  const dReg = (m.discriminatorDropout ?? 0) > 0 || (m.discriminatorInputNoise ?? 0) > 0;
  // seeds of D's dropout / input-noise masks (drawn only when used, so runs without them are unchanged)
  const dSeedD = dReg ? rng.tfSeed() : undefined,
    dSeedGF = dReg ? rng.tfSeed() : undefined;
  const out = tf.tidy(() => {
    const x = tf.tensor2d(real, [n, m.dataDim]);
    const z = tf.randomNormal([n, m.latentDim], 0, 1, 'float32', zSeed) as tf.Tensor2D;
    // The same ε in every block of this step, so D, T and G/F see the same encoder pairs.
    const eps = m.encoderNoise === 0 ? null : (tf.randomNormal([n, m.latentDim], 0, 1, 'float32', encSeed) as tf.Tensor2D);
    const enc = () => encodeNoisy(m, x, eps);
    // 1. D: encoder pairs → 1, generator pairs → 0 (only D's variables are in the list).
    const zHat0 = enc();
    const xFake0 = m.generator.apply(z);
    // reconstructions before this step's updates (like dLoss, the numbers describe the step's start)
    const xr0 = m.generator.apply(zHat0);
    const dLoss = m.dOptimizer.minimize(
      () =>
        tf.add(
          bceWithLogits(jointLogits(m, x, zHat0, dSeedD), 1),
          bceWithLogits(jointLogits(m, xFake0, z, dSeedD === undefined ? undefined : dSeedD + 1), 0),
        ) as tf.Scalar,
      true,
      discriminatorVariables(m),
    ) as tf.Scalar;
    // 2a. D' (alice-adv): (x, x) → 1, (x, G(F(x))) → 0.
    let rLoss: tf.Scalar = tf.scalar(NaN);
    if (m.variant === 'alice-adv') {
      const r = m.reconDiscriminator!;
      rLoss = m.rOptimizer!.minimize(
        () =>
          tf.add(bceWithLogits(r.apply(tf.concat([x, x], 1) as tf.Tensor2D), 1), bceWithLogits(r.apply(tf.concat([x, xr0], 1) as tf.Tensor2D), 0)) as tf.Scalar,
        true,
        r.variables,
      ) as tf.Scalar;
    }
    // 3. G and F: adversarial (+ ALICE) gradient; for ali-mi the regularizer's step first trains
    //    T on (x, ẑ) with marginals (x, ẑ_π) (MINE Algorithm 1), then adds β·(clipped) ∇I to F's
    //    part (I(X; F(X)) does not depend on G).
    const gfVars = [...m.generator.variables, ...m.encoder.variables];
    let aliceLoss: tf.Scalar = tf.scalar(0);
    const gfLoss = () => {
      const l = generatorEncoderLosses(m, x, z, enc(), dSeedGF);
      aliceLoss = tf.keep(l.alice);
      return tf.add(l.adversarial, l.alice) as tf.Scalar;
    };
    const g = regularizedUpdate(m.mi, m.gfOptimizer, gfLoss, () => [x, enc()], gfVars, { criticPair: [x, zHat0], perm });
    // without the MI term ALI logs ‖g_MI‖ as undefined (NaN), not 0 (ALI_OPTIONAL_FIELDS)
    const miNorm = m.mi ? g.miGradNorm : tf.scalar(NaN);
    const recon = l2Reconstruction(x, xr0);
    const stats = tf.stack([
      dLoss,
      g.taskLoss,
      aliceLoss,
      rLoss,
      recon,
      g.mi,
      g.criticLoss,
      g.jointTerm,
      g.marginalTerm,
      g.penalty,
      g.taskGradNorm,
      miNorm,
      g.clipScale,
    ]);
    tf.dispose([aliceLoss]);
    return stats;
  });
  return namedNumbers(ALI_FIELDS, out);
}

/** The encoder's mean F(x) (μ(x) for a learned-σ encoder): [n, dataDim] → [n, latentDim]. */
export function encoderMean(m: Ali, x: tf.Tensor2D): tf.Tensor2D {
  return encodeNoisy(m, x, null);
}

/** A sample ẑ of q(z | x) for standard-normal ε [n, latentDim] (null: the mean). */
export function encodeNoisy(m: Ali, x: tf.Tensor2D, eps: tf.Tensor2D | null): tf.Tensor2D {
  if (m.encoderNoise === 'learned') {
    const { mu, sigma } = gaussianHead(m.encoder.apply(x), m.latentDim);
    return eps ? (tf.add(mu, tf.mul(sigma, eps)) as tf.Tensor2D) : mu;
  }
  const mean = m.encoder.apply(x);
  return eps && m.encoderNoise > 0 ? (tf.add(mean, tf.mul(eps, m.encoderNoise)) as tf.Tensor2D) : mean;
}

/** F(x) (the encoder's mean, no noise) for n × dataDim inputs → n × latentDim. */
export function encodeData(m: Ali, x: Float32Array, chunk = 500): Float32Array {
  return mapRows(x, m.dataDim, m.latentDim, chunk, (t) => encoderMean(m, t));
}

/** Reconstructions G(F(x)) (the encoder's mean) → n × dataDim. */
export function reconstruct(m: Ali, x: Float32Array, chunk = 500): Float32Array {
  return mapRows(x, m.dataDim, m.dataDim, chunk, (t) => m.generator.apply(encoderMean(m, t)));
}

/** n samples G(z), z ~ N(0, I) from `rng` → n × dataDim. */
export function sampleAli(m: Ali, n: number, rng: Rng): Float32Array {
  const z = rng.fillNormal(new Float32Array(n * m.latentDim));
  return mapRows(z, m.latentDim, m.dataDim, 500, (t) => m.generator.apply(t));
}
