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
import type { MIEstimator } from '../mi/interface.js';
import type { Critic } from '../nets/critics.js';
import type { Mlp } from '../nets/mlp.js';
import { criticScores } from '../train/criticScores.js';
import type { Rng } from '../util/rng.js';
import { combineWithAdaptiveClip, globalNorm } from './adaptiveClip.js';
import { bceWithLogits } from './gan.js';

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
  if (q.shape[1] !== w) throw new Error(`recognition head: output must have ${w} columns (categorical ${s.categorical} + continuous ${s.continuous}), got ${q.shape[1]}`);
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

/** The MI term of G: an estimator on a statistics network, or InfoGAN's recognition head. */
export type CodeMiTerm =
  | { kind: 'estimator'; critic: Critic; estimator: MIEstimator; beta: number; clip: boolean; optimizer: tf.Optimizer }
  | { kind: 'infogan'; head: Mlp; beta: number; clip: boolean; optimizer: tf.Optimizer };

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
  mi: CodeMiTerm | null;
}

/** Checks that the networks fit the code: G's input, T's code input, Q's output. Errors name the net. */
export function checkInfoGan(m: InfoGan): void {
  const w = codeSize(m.codes);
  if (w === 0) throw new Error('codes: need at least one categorical or continuous code dimension');
  if (m.generator.inputSize !== w + m.noiseDim) throw new Error(`generator: input size ${m.generator.inputSize} ≠ code size ${w} + noiseDim ${m.noiseDim}`);
  if (m.generator.outputSize !== m.dataDim) throw new Error(`generator: output size ${m.generator.outputSize} ≠ dataDim ${m.dataDim}`);
  if (m.discriminator.inputSize !== m.dataDim) throw new Error(`discriminator: input size ${m.discriminator.inputSize} ≠ dataDim ${m.dataDim}`);
  if (m.mi?.kind === 'infogan') {
    if (m.mi.head.inputSize !== m.dataDim) throw new Error(`recognition head: input size ${m.mi.head.inputSize} ≠ dataDim ${m.dataDim}`);
    if (m.mi.head.outputSize !== w) throw new Error(`recognition head: output size ${m.mi.head.outputSize} ≠ code size ${w} (categorical ${m.codes.categorical} logits + continuous ${m.codes.continuous} means)`);
  }
}

export function disposeInfoGan(m: InfoGan): void {
  m.generator.dispose();
  m.discriminator.dispose();
  m.gOptimizer.dispose();
  m.dOptimizer.dispose();
  if (m.mi?.kind === 'estimator') {
    m.mi.critic.dispose();
    m.mi.estimator.dispose();
  } else if (m.mi?.kind === 'infogan') m.mi.head.dispose();
  m.mi?.optimizer.dispose();
}

/** n generated points (n × dataDim) with the categorical code of each (−1 without one). */
export function sampleInfoGan(m: InfoGan, n: number, rng: Rng): { points: Float32Array; labels: Int32Array } {
  const codes = sampleCodes(m.codes, n, rng);
  const seed = rng.tfSeed();
  const t = tf.tidy(() => m.generator.apply(tf.concat([tf.tensor2d(codes.values, [n, codeSize(m.codes)]), tf.randomNormal([n, m.noiseDim], 0, 1, 'float32', seed)], 1) as tf.Tensor2D));
  const points = t.dataSync() as Float32Array;
  t.dispose();
  return { points, labels: codes.labels };
}

export const INFOGAN_FIELDS = ['dLoss', 'gLoss', 'mi', 'miLoss', 'advGradNorm', 'miGradNorm', 'clipScale', 'codeAccuracy'] as const;
export type InfoGanStepNumbers = Record<(typeof INFOGAN_FIELDS)[number], number>;

/** The MI term's value on (x, c): the estimator's bound parts, or the recognition bound. */
function miTerm(r: CodeMiTerm, x: tf.Tensor2D, c: tf.Tensor2D, perm: Int32Array, s: CodeSpec, updateState: boolean) {
  if (r.kind === 'estimator') {
    const o = r.estimator.objective(criticScores(r.critic, r.estimator.sampling, x, c, perm), { updateState });
    return { loss: o.loss, estimate: o.estimate, forGradient: o.miForGradient, accuracy: null };
  }
  const b = recognitionBound(r.head.apply(x), c, s);
  // Q maximises the same bound G does (Chen et al. §5: L_I is optimised over G and Q together).
  return { loss: tf.neg(b.bound) as tf.Scalar, estimate: b.bound, forGradient: b.bound, accuracy: b.accuracy };
}

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
    const dLoss = m.dOptimizer.minimize(() => tf.add(bceWithLogits(m.discriminator.apply(x), 1), bceWithLogits(m.discriminator.apply(fake), 0)) as tf.Scalar, true, m.discriminator.variables) as tf.Scalar;
    // 2. the MI network (T or Q) on (G(z, c), c), G held fixed
    let mi: tf.Scalar = tf.scalar(NaN), miLoss: tf.Scalar = tf.scalar(NaN), acc: tf.Scalar = tf.scalar(NaN);
    const r = m.mi;
    if (r) {
      const vars = r.kind === 'estimator' ? r.critic.variables : r.head.variables;
      miLoss = r.optimizer.minimize(
        () => {
          const t = miTerm(r, fake, c, perm, m.codes, true);
          mi = tf.keep(t.estimate);
          if (t.accuracy) acc = tf.keep(t.accuracy);
          return t.loss;
        },
        true,
        vars,
      ) as tf.Scalar;
      if (r.kind === 'estimator' && r.estimator.updateOwnBlock) r.estimator.updateOwnBlock(criticScores(r.critic, r.estimator.sampling, fake, c, perm));
    }
    // 3. generator: non-saturating adversarial gradient + β·(clipped) gradient of the MI term
    const adv = tf.variableGrads(() => bceWithLogits(m.discriminator.apply(m.generator.apply(z)), 1), m.generator.variables);
    let advNorm: tf.Scalar, miNorm: tf.Scalar = tf.scalar(0), scale: tf.Scalar = tf.scalar(NaN);
    if (r && r.beta > 0) {
      // never the reported estimate: miForGradient carries the method's gradient (e.g. MINE's bias correction)
      const g = tf.variableGrads(() => tf.mul(miTerm(r, m.generator.apply(z), c, perm, m.codes, false).forGradient, -r.beta) as tf.Scalar, m.generator.variables);
      const comb = combineWithAdaptiveClip(adv.grads, g.grads, r.clip);
      m.gOptimizer.applyGradients(comb.grads);
      [advNorm, miNorm, scale] = [comb.mainNorm, comb.miNorm, comb.scale];
    } else {
      m.gOptimizer.applyGradients(adv.grads);
      advNorm = globalNorm(adv.grads);
    }
    const stats = tf.stack([dLoss, adv.value, mi, miLoss, advNorm, miNorm, scale, acc]);
    // kept tensors escape the tidy scopes of minimize; free them here
    tf.dispose([mi, acc]);
    return stats;
  });
  const v = out.dataSync();
  out.dispose();
  const res = {} as InfoGanStepNumbers;
  INFOGAN_FIELDS.forEach((f, i) => (res[f] = v[i]));
  return res;
}
