/**
 * InfoGAN-style code MI (Chen et al. 2016; MINE §5.1; η-MINE's 25-Gaussians setting). A conditional
 * generator G(z, c) takes [c, ε]: c a code of `categorical` one-hot categories (uniform) and/or
 * `continuous` coordinates ~ U(−1, 1), ε ~ N(0, I). G maximises
 *   E[log D(G(z, c))] + β·I(G(z, c); c)
 * with I(G(z, c); c) estimated either
 *  - by any estimator of src/mi on a statistics network T([G(z, c), c]), marginal pairs by
 *    shuffling c within the batch (MINE Algorithm 1), or
 *  - by the InfoGAN variational lower bound L_I = E[log Q(c | G(z, c))] + H(c) ≤ I (Chen et al.
 *    eq. 5) with a recognition head Q(c | x) trained on the same bound.
 * One step updates D once; then T (and the estimator's own block, e.g. η) or Q once; then G with
 * its adversarial gradient plus β·∇I, adaptively clipped to the adversarial norm (MINE appendix).
 * β = 0 (or no MI term) is a plain conditional-input GAN: c is fed to G but nothing rewards using it.
 */
import * as tf from '@tensorflow/tfjs';
import { type MIRegularizer, type MiTerm, regularizedUpdate } from '../mi/miRegularizer.js';
import type { Mlp } from '../nets/mlp.js';
import type { Rng } from '../util/rng.js';
import { bceWithLogits } from './gan.js';
import { namedNumbers } from '../train/stepNumbers.js';

/** The code c: `categorical` one-hot categories (0 = none) then `continuous` U(−1, 1) coordinates. */
export interface CodeSpec {
  categorical: number;
  continuous: number;
}

/** Width of the code vector: k one-hot entries + d continuous coordinates. */
export function codeSize(s: CodeSpec): number {
  return s.categorical + s.continuous;
}

/**
 * H(c) in nats: log k for the uniform categorical part, plus log 2 per U(−1, 1) coordinate (a
 * differential entropy: the continuous part of the bound is then comparable only up to this constant).
 */
export function codeEntropy(s: CodeSpec): number {
  return (s.categorical > 0 ? Math.log(s.categorical) : 0) + s.continuous * Math.log(2);
}

export interface CodeBatch {
  /** n × codeSize, row-major: one-hot categorical part, then the continuous part. */
  values: Float32Array;
  /** the categorical code of each row (−1 when there is no categorical part). */
  labels: Int32Array;
}

/** n codes drawn from the run's Rng (uniform category, U(−1, 1) continuous coordinates). */
export function sampleCodes(s: CodeSpec, n: number, rng: Rng): CodeBatch {
  const w = codeSize(s);
  const values = new Float32Array(n * w);
  const labels = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    if (s.categorical > 0) {
      const k = rng.int(s.categorical);
      labels[i] = k;
      values[i * w + k] = 1;
    }
    for (let j = 0; j < s.continuous; j++) values[i * w + s.categorical + j] = 2 * rng.uniform() - 1;
  }
  return { values, labels };
}

export interface RecognitionBound {
  /** L_I = E[log Q(c | x)] + H(c), nats (≤ I(x; c); = log k − cross-entropy for a categorical code). */
  bound: tf.Scalar;
  /** share of rows whose argmax Q(c_cat | x) is the true category (NaN without a categorical part). */
  accuracy: tf.Scalar;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * The InfoGAN bound (Chen et al. 2016, eq. 5) from the head's output q [n, k + d] — k categorical
 * logits, then d Gaussian means with fixed σ = 1 — and the codes c [n, k + d] that produced x:
 *   L_I = E[ log softmax(q_cat)[c_cat] + Σ_j log N(c_j; μ_j, 1) ] + log k + d·log 2.
 */
export function recognitionBound(q: tf.Tensor2D, code: tf.Tensor2D, s: CodeSpec): RecognitionBound {
  const w = codeSize(s);
  if (q.shape[1] !== w)
    throw new Error(`recognition head: output must have ${w} columns (categorical ${s.categorical} + continuous ${s.continuous}), got ${q.shape[1]}`);
  if (code.shape[1] !== w) throw new Error(`recognition head: code must have ${w} columns, got ${code.shape[1]}`);
  const n = q.shape[0];
  const parts: tf.Tensor1D[] = [];
  let accuracy: tf.Scalar = tf.scalar(NaN);
  if (s.categorical > 0) {
    const logits = tf.slice(q, [0, 0], [n, s.categorical]);
    const onehot = tf.slice(code, [0, 0], [n, s.categorical]);
    parts.push(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1) as tf.Tensor1D);
    accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(onehot, 1)), 'float32')) as tf.Scalar;
  }
  if (s.continuous > 0) {
    const mu = tf.slice(q, [0, s.categorical], [n, s.continuous]);
    const c = tf.slice(code, [0, s.categorical], [n, s.continuous]);
    parts.push(tf.sub(tf.mul(tf.sum(tf.square(tf.sub(c, mu)), 1), -0.5), s.continuous * HALF_LOG_2PI) as tf.Tensor1D);
  }
  const logQ = parts.length === 1 ? parts[0] : (tf.add(parts[0], parts[1]) as tf.Tensor1D);
  return { bound: tf.add(tf.mean(logQ), codeEntropy(s)) as tf.Scalar, accuracy };
}

/**
 * InfoGAN's recognition head Q(c | x) as an MI term of the regularizer (the other implementation,
 * beside estimator + critic): its bound L_I = E[log Q(c | x)] + H(c) is the estimate, Q maximises
 * it as a critic maximises its bound, and G receives ∇L_I (Chen et al. §5: L_I is optimised over G
 * and Q together). jointTerm = E[log Q(c | x)], marginalTerm = −H(c).
 */
export function recognitionTerm(head: Mlp, codes: CodeSpec): MiTerm & { head: Mlp } {
  return {
    head,
    get variables() {
      return head.variables;
    },
    evaluate(x, c) {
      const b = recognitionBound(head.apply(x), c, codes);
      const h = codeEntropy(codes);
      return {
        loss: tf.neg(b.bound) as tf.Scalar,
        estimate: b.bound,
        miForGradient: b.bound,
        jointTerm: tf.sub(b.bound, h) as tf.Scalar,
        marginalTerm: tf.scalar(-h),
        penalty: tf.scalar(0),
        extras: { codeAccuracy: b.accuracy },
      };
    },
    getState: () => ({}),
    setState: () => {},
    dispose: () => head.dispose(),
  };
}

export interface InfoGan {
  /** [codeSize + noiseDim] → dataDim. */
  generator: Mlp;
  /** dataDim → 1 logit. */
  discriminator: Mlp;
  codes: CodeSpec;
  noiseDim: number;
  dataDim: number;
  gOptimizer: tf.Optimizer;
  dOptimizer: tf.Optimizer;
  /** I(G(z, c); c), maximised: an estimator on T([x, c]) or the Q head (recognitionTerm). */
  mi: MIRegularizer | null;
}

/** Checks that the networks fit the code: G's input, T's code input, Q's output. Errors name the net. */
export function checkInfoGan(m: InfoGan): void {
  const w = codeSize(m.codes);
  if (w === 0) throw new Error('codes: need at least one categorical or continuous code dimension');
  if (m.generator.inputSize !== w + m.noiseDim) throw new Error(`generator: input size ${m.generator.inputSize} ≠ code size ${w} + noiseDim ${m.noiseDim}`);
  if (m.generator.outputSize !== m.dataDim) throw new Error(`generator: output size ${m.generator.outputSize} ≠ dataDim ${m.dataDim}`);
  if (m.discriminator.inputSize !== m.dataDim) throw new Error(`discriminator: input size ${m.discriminator.inputSize} ≠ dataDim ${m.dataDim}`);
  const head = (m.mi?.term as { head?: Mlp } | undefined)?.head;
  if (head) {
    if (head.inputSize !== m.dataDim) throw new Error(`recognition head: input size ${head.inputSize} ≠ dataDim ${m.dataDim}`);
    if (head.outputSize !== w)
      throw new Error(
        `recognition head: output size ${head.outputSize} ≠ code size ${w} (categorical ${m.codes.categorical} logits + continuous ${m.codes.continuous} means)`,
      );
  }
  if (m.mi && (m.mi.xDim !== m.dataDim || m.mi.yDim !== w))
    throw new Error(`mi: the regularizer must take (x, c) of sizes (${m.dataDim}, ${w}), got (${m.mi.xDim}, ${m.mi.yDim})`);
}

export function disposeInfoGan(m: InfoGan): void {
  m.generator.dispose();
  m.discriminator.dispose();
  m.gOptimizer.dispose();
  m.dOptimizer.dispose();
  m.mi?.dispose();
}

/** n generated points (n × dataDim) with the categorical code of each (−1 without one). */
export function sampleInfoGan(m: InfoGan, n: number, rng: Rng): { points: Float32Array; labels: Int32Array } {
  const codes = sampleCodes(m.codes, n, rng);
  const seed = rng.tfSeed();
  const t = tf.tidy(() =>
    m.generator.apply(
      tf.concat([tf.tensor2d(codes.values, [n, codeSize(m.codes)]), tf.randomNormal([n, m.noiseDim], 0, 1, 'float32', seed)], 1) as tf.Tensor2D,
    ),
  );
  const points = t.dataSync() as Float32Array;
  t.dispose();
  return { points, labels: codes.labels };
}

export const INFOGAN_FIELDS = [
  'dLoss',
  'gLoss',
  'mi',
  'miLoss',
  'jointTerm',
  'marginalTerm',
  'penalty',
  'advGradNorm',
  'miGradNorm',
  'clipScale',
  'codeAccuracy',
] as const;
export type InfoGanStepNumbers = Record<(typeof INFOGAN_FIELDS)[number], number>;
/** Fields that are NaN without an MI term, or without a categorical code's accuracy. */
export const INFOGAN_MI_FIELDS = ['mi', 'miLoss', 'jointTerm', 'marginalTerm', 'penalty', 'clipScale', 'codeAccuracy'];

/**
 * One training step on a batch of real points (n × dataDim). Codes, shuffles and noise come from
 * `rng`; everything runs in one tf.tidy, so the step leaves no tensor behind.
 */
export function infoGanTrainStep(m: InfoGan, real: Float32Array, rng: Rng): InfoGanStepNumbers {
  const n = real.length / m.dataDim;
  if (!Number.isInteger(n) || n < 2) throw new Error(`InfoGAN step: real batch has ${real.length} values, not a multiple of data dim ${m.dataDim} with n ≥ 2`);
  const w = codeSize(m.codes);
  const codes = sampleCodes(m.codes, n, rng);
  const perm = rng.permutation(n);
  const noiseSeed = rng.tfSeed();
  const out = tf.tidy(() => {
    const x = tf.tensor2d(real, [n, m.dataDim]);
    const c = tf.tensor2d(codes.values, [n, w]);
    const z = tf.concat([c, tf.randomNormal([n, m.noiseDim], 0, 1, 'float32', noiseSeed)], 1) as tf.Tensor2D;
    const fake = m.generator.apply(z);
    // 1. discriminator: real → 1, fake → 0 (only D's variables are updated)
    const dLoss = m.dOptimizer.minimize(
      () => tf.add(bceWithLogits(m.discriminator.apply(x), 1), bceWithLogits(m.discriminator.apply(fake), 0)) as tf.Scalar,
      true,
      m.discriminator.variables,
    ) as tf.Scalar;
    // 2–3. the MI regularizer's step: T (or Q) on (G(z, c), c) with G fixed, then G's
    //      non-saturating adversarial gradient + β·(clipped) gradient of the MI term
    const advLoss = () => bceWithLogits(m.discriminator.apply(m.generator.apply(z)), 1);
    const g = regularizedUpdate(m.mi, m.gOptimizer, advLoss, () => [m.generator.apply(z), c], m.generator.variables, { criticPair: [fake, c], perm });
    const accuracy = g.extras.codeAccuracy ?? tf.scalar(NaN);
    return tf.stack([dLoss, g.taskLoss, g.mi, g.criticLoss, g.jointTerm, g.marginalTerm, g.penalty, g.taskGradNorm, g.miGradNorm, g.clipScale, accuracy]);
  });
  return namedNumbers(INFOGAN_FIELDS, out);
}
