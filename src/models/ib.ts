/**
 * The information bottleneck (Tishby et al. 1999) as a training objective for a stochastic
 * encoder p(z|x) and a linear softmax decoder q(y|z):
 *   minimise  E[−log q(y | z)] + β·I(X; Z)
 * with the rate I(X; Z) either
 * - `mi`:  estimated by a statistics network T on (x, z) with any estimator of src/mi (MINE by
 *          default; Belghazi et al. 2018 §5.3, Table 3) through the MI regularizer with direction
 *          'minimize': one step first updates T, then the encoder+decoder on CE + β·I, the
 *          encoder's MI gradient adaptively clipped to the CE gradient's norm over the encoder's
 *          variables (MINE appendix 6.3) when `clip` is on.
 * - `vib`: the variational bound E_x KL(p(z|x) ‖ N(0, I)) of Alemi et al. 2017 (eq. 6), in closed
 *          form, for the Gaussian encoder. With `mi` given as well, T is trained beside it as a
 *          monitor of I(X; Z) (no gradient into the encoder).
 */
import * as tf from '@tensorflow/tfjs';
import { MIRegularizer } from '../mi/miRegularizer.js';
import type { EstimatorConfig } from '../mi/registry.js';
import type { CriticConfig } from '../nets/critics.js';
import { StochasticEncoder, type EncoderConfig } from '../nets/encoders.js';
import { Mlp } from '../nets/mlp.js';
import { createOptimizer, type OptimizerConfig } from '../train/optimizer.js';
import { PolyakAverage } from '../train/polyak.js';
import { getOptimizerState, savedToTensor, setOptimizerState, tensorToSaved, type SavedArray } from '../train/optimizerState.js';
import type { Rng } from '../util/rng.js';
import { globalNorm } from '../mi/adaptiveClip.js';
import { vibRate } from './vib.js';
import { namedNumbers } from '../train/stepNumbers.js';

export interface IbModelConfig {
  inputDim: number;
  numClasses: number;
  encoder: EncoderConfig;
  /** β, the weight of the rate term I(X; Z) (the regularizer's β for rate "mi"; VIB's KL weight). */
  beta: number;
  /** MINE-estimated I(X;Z) with a statistics network, or VIB's KL to N(0, I). */
  rate: 'mi' | 'vib';
  mi?: { estimator: EstimatorConfig; critic: CriticConfig; clip: boolean; optimizer?: OptimizerConfig };
  optimizer: OptimizerConfig;
  /** decay of the Polyak average of the encoder+decoder weights used for evaluation (src/train/polyak.ts); 0 or absent: none. */
  polyak?: number;
}

export interface IbModel {
  cfg: IbModelConfig;
  encoder: StochasticEncoder;
  /** linear K → numClasses (logits; softmax in the loss). */
  decoder: Mlp;
  /** updates encoder and decoder. */
  optimizer: tf.Optimizer;
  /** I(X; Z) through the MI regularizer (direction 'minimize'); a monitor only beside VIB. */
  mi: MIRegularizer | null;
  /** the Polyak (EMA) average of the encoder+decoder weights, updated after every step; null when off. */
  average: PolyakAverage | null;
}

/** Checks a model config, naming the field and the expected value. */
export function checkIbModelConfig(cfg: IbModelConfig): void {
  if (!Number.isInteger(cfg.inputDim) || cfg.inputDim < 1) throw new Error(`inputDim must be a positive integer, got ${cfg.inputDim}`);
  if (!Number.isInteger(cfg.numClasses) || cfg.numClasses < 2) throw new Error(`numClasses must be an integer ≥ 2, got ${cfg.numClasses}`);
  if (!(cfg.beta >= 0) || !Number.isFinite(cfg.beta)) throw new Error(`beta must be a finite number ≥ 0, got ${cfg.beta}`);
  if (cfg.rate !== 'mi' && cfg.rate !== 'vib') throw new Error(`rate: unknown value ${JSON.stringify(cfg.rate)}; expected one of mi, vib`);
  if (cfg.rate === 'mi' && !cfg.mi) throw new Error('mi: rate "mi" needs mi.estimator and mi.critic (the statistics network)');
  if (cfg.polyak !== undefined && cfg.polyak !== 0 && !(cfg.polyak > 0 && cfg.polyak < 1))
    throw new Error(`polyak must be 0 (off) or a decay in (0, 1), got ${cfg.polyak}`);
  if (cfg.rate === 'vib' && cfg.encoder.kind !== 'gaussian')
    throw new Error(`encoder.kind: rate "vib" needs the gaussian encoder (its KL has a closed form), got ${JSON.stringify(cfg.encoder.kind)}`);
}

export function createIbModel(cfg: IbModelConfig, rng: Rng): IbModel {
  checkIbModelConfig(cfg);
  const encoder = new StochasticEncoder(cfg.encoder, cfg.inputDim, rng);
  const decoder = new Mlp({ sizes: [cfg.encoder.zDim, cfg.numClasses] }, rng, 'decoder');
  // beside VIB the statistics network only monitors I(X; Z): β = 0, no gradient into the encoder
  const mi = cfg.mi
    ? new MIRegularizer({
        xDim: cfg.inputDim,
        yDim: cfg.encoder.zDim,
        critic: cfg.mi.critic,
        estimator: cfg.mi.estimator,
        beta: cfg.rate === 'mi' ? cfg.beta : 0,
        direction: 'minimize',
        clip: cfg.mi.clip ? 'adaptive' : false,
        optimizer: cfg.mi.optimizer ?? cfg.optimizer,
        rng,
      })
    : null;
  const average = cfg.polyak ? new PolyakAverage([...encoder.variables, ...decoder.variables], cfg.polyak) : null;
  return { cfg, encoder, decoder, optimizer: createOptimizer(cfg.optimizer), mi, average };
}

export function disposeIbModel(m: IbModel): void {
  m.encoder.dispose();
  m.decoder.dispose();
  m.optimizer.dispose();
  m.mi?.dispose();
  m.average?.dispose();
}

/**
 * Sets the encoder+decoder learning rate (Alemi et al.'s schedule decays it by 0.97 every 2
 * epochs). tfjs optimizers read `learningRate` at every applyGradients but expose no setter.
 */
export function setIbLearningRate(m: IbModel, lr: number): void {
  if (!(lr > 0)) throw new Error(`learning rate must be > 0, got ${lr}`);
  (m.optimizer as unknown as { learningRate: number }).learningRate = lr;
}

export const IB_FIELDS = [
  'loss',
  'ce',
  'rate',
  'mi',
  'miLoss',
  'jointTerm',
  'marginalTerm',
  'penalty',
  'batchError',
  'mainGradNorm',
  'miGradNorm',
  'clipScale',
] as const;
export type IbStepNumbers = Record<(typeof IB_FIELDS)[number], number>;
/** Fields that are NaN without a statistics network (the training loop must not stop on them). */
export const IB_MI_FIELDS = ['mi', 'miLoss', 'jointTerm', 'marginalTerm', 'penalty', 'clipScale'];

function checkBatch(m: IbModel, x: Float32Array, labels: Int32Array): number {
  const n = labels.length;
  if (n < 2) throw new Error(`IB step: batch labels has ${n} entries; expected n ≥ 2`);
  if (x.length !== n * m.cfg.inputDim) throw new Error(`IB step: batch x has ${x.length} values; expected n·inputDim = ${n}·${m.cfg.inputDim}`);
  for (let i = 0; i < n; i++)
    if (!(labels[i] >= 0 && labels[i] < m.cfg.numClasses))
      throw new Error(`IB step: labels[${i}] is ${labels[i]}; expected a class id in 0…${m.cfg.numClasses - 1}`);
  return n;
}

function crossEntropy(logits: tf.Tensor2D, onehot: tf.Tensor2D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
}

/**
 * One step: one T update (when a statistics network exists), then one encoder+decoder update on
 * CE + β·rate, all inside tf.tidy. Returns the batch's numbers: `rate` is what the loss used (the
 * MI estimate of the T step, or the VIB KL), `mi` the T estimate (NaN without T).
 */
export function ibTrainStep(m: IbModel, x: Float32Array, labels: Int32Array, rng: Rng): IbStepNumbers {
  const n = checkBatch(m, x, labels);
  const perm = rng.permutation(n);
  const epsSeed = rng.tfSeed();
  const out = tf.tidy(() => {
    const xt = tf.tensor2d(x, [n, m.cfg.inputDim]);
    const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), m.cfg.numClasses).toFloat() as tf.Tensor2D;
    const eps = m.encoder.sampleNoise(n, epsSeed);
    const all = [...m.encoder.variables, ...m.decoder.variables];
    const nan = tf.scalar(NaN);
    let logits: tf.Tensor2D | null = null;
    let ce: tf.Scalar, rate: tf.Scalar, loss: tf.Scalar, mainNorm: tf.Scalar;
    let c: {
      mi: tf.Scalar;
      criticLoss: tf.Scalar;
      jointTerm: tf.Scalar;
      marginalTerm: tf.Scalar;
      penalty: tf.Scalar;
      miGradNorm: tf.Scalar;
      clipScale: tf.Scalar;
    } = { mi: nan, criticLoss: nan, jointTerm: nan, marginalTerm: nan, penalty: nan, miGradNorm: tf.scalar(0), clipScale: nan };
    if (m.cfg.rate === 'vib') {
      // the statistics network (if any) only monitors I(X; Z): its step on (x, z), z a constant
      if (m.mi) {
        const t = m.mi.trainCritic(xt, m.encoder.encode(xt, eps), { perm });
        c = { ...c, mi: t.estimate, criticLoss: t.loss, jointTerm: t.jointTerm, marginalTerm: t.marginalTerm, penalty: t.penalty };
      }
      let ceK: tf.Scalar | null = null,
        klK: tf.Scalar | null = null;
      const g = tf.variableGrads(() => {
        const p = m.encoder.prepare(xt);
        const { mu, sigma } = m.encoder.gaussianParams(p);
        const lg = m.decoder.apply(tf.add(mu, tf.mul(sigma, eps)) as tf.Tensor2D);
        logits = tf.keep(lg);
        const ceT = crossEntropy(lg, onehot);
        const kl = vibRate(mu, sigma);
        ceK = tf.keep(ceT);
        klK = tf.keep(kl);
        return tf.add(ceT, tf.mul(kl, m.cfg.beta)) as tf.Scalar;
      }, all);
      m.optimizer.applyGradients(g.grads);
      [ce, rate] = [ceK as unknown as tf.Scalar, klK as unknown as tf.Scalar];
      loss = tf.add(ce, tf.mul(rate, m.cfg.beta));
      mainNorm = globalNorm(g.grads);
    } else {
      // CE + β·I(X; Z): the regularizer's step — T on (x, z), then the encoder+decoder update
      const r = m.mi!;
      // z of the task loss's pass, reused by pair() while that pass's tensors are alive: with clip
      // off both run in one gradient pass and the encoder runs once; otherwise (the critic's pair,
      // the separate MI pass after the task pass's scope has ended) pair() encodes again
      let z: tf.Tensor2D | null = null;
      const { grads, info } = r.computeGradients(
        () => {
          z = m.encoder.encode(xt, eps);
          const lg = m.decoder.apply(z);
          logits = tf.keep(lg);
          return crossEntropy(lg, onehot);
        },
        () => [xt, z && !z.isDisposed ? z : m.encoder.encode(xt, eps)],
        all,
        { perm },
      );
      m.optimizer.applyGradients(grads);
      c = {
        mi: info.mi,
        criticLoss: info.criticLoss,
        jointTerm: info.jointTerm,
        marginalTerm: info.marginalTerm,
        penalty: info.penalty,
        miGradNorm: info.miGradNorm,
        clipScale: info.clipScale,
      };
      ce = info.taskLoss;
      rate = info.mi;
      loss = r.beta > 0 ? tf.add(ce, tf.mul(rate, r.beta)) : tf.clone(ce);
      mainNorm = info.taskGradNorm;
    }
    const lg = logits as unknown as tf.Tensor2D;
    const batchError = tf.mean(tf.notEqual(tf.argMax(lg, 1), tf.argMax(onehot, 1)).toFloat()) as tf.Scalar;
    const stats = tf.stack([loss, ce, rate, c.mi, c.criticLoss, c.jointTerm, c.marginalTerm, c.penalty, batchError, mainNorm, c.miGradNorm, c.clipScale]);
    // logits, and VIB's CE and KL, were kept past variableGrads' scope: free them here
    tf.dispose([lg, ce, rate]);
    return stats;
  });
  m.average?.update();
  return namedNumbers(IB_FIELDS, out);
}

/**
 * Test misclassification (Alemi et al. §4.1.1): with one sample of z per image, and with the
 * softmax averaged over `samples` samples. Runs in chunks of `chunk` rows; noise from `rng`.
 */
export function ibTestError(
  m: IbModel,
  x: Float32Array,
  labels: Int32Array,
  samples: number,
  rng: Rng,
  chunk = 500,
): { errorOneSample: number; errorAveraged: number } {
  const n = labels.length;
  if (x.length !== n * m.cfg.inputDim) throw new Error(`IB evaluation: x has ${x.length} values; expected ${n}·${m.cfg.inputDim}`);
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`IB evaluation: samples must be a positive integer, got ${samples}`);
  let wrong1 = 0,
    wrongAvg = 0;
  for (let s = 0; s < n; s += chunk) {
    const rows = Math.min(chunk, n - s);
    const seeds = Array.from({ length: samples }, () => rng.tfSeed());
    const t = tf.tidy(() => {
      const xt = tf.tensor2d(x.subarray(s * m.cfg.inputDim, (s + rows) * m.cfg.inputDim), [rows, m.cfg.inputDim]);
      const y = tf.tensor1d(labels.subarray(s, s + rows), 'int32');
      const p = m.encoder.prepare(xt);
      let first: tf.Tensor2D | null = null;
      let sum: tf.Tensor2D | null = null;
      for (const seed of seeds) {
        const probs = tf.softmax(m.decoder.apply(m.encoder.sample(p, m.encoder.sampleNoise(rows, seed)))) as tf.Tensor2D;
        first ??= probs;
        sum = sum ? (tf.add(sum, probs) as tf.Tensor2D) : probs;
      }
      const miss = (pr: tf.Tensor2D) => tf.sum(tf.notEqual(tf.argMax(pr, 1).toInt(), y).toInt());
      return tf.stack([miss(first!), miss(sum!)]);
    });
    const v = t.dataSync();
    t.dispose();
    wrong1 += v[0];
    wrongAvg += v[1];
  }
  return { errorOneSample: wrong1 / n, errorAveraged: wrongAvg / n };
}

/** Every variable of the model, named by role and position (a fixed order: checkpoints rely on it). */
export function ibModelVariables(m: IbModel): { name: string; variable: tf.Variable }[] {
  const named = (prefix: string, vs: tf.Variable[]) => vs.map((variable, i) => ({ name: `${prefix}/${i}`, variable }));
  return [...named('encoder', m.encoder.variables), ...named('decoder', m.decoder.variables), ...(m.mi ? named('critic', m.mi.variables) : [])];
}

/** The model's whole training state: weights, optimizer slots, estimator state, the Polyak average. */
export async function getIbModelState(m: IbModel): Promise<{ arrays: SavedArray[]; estimatorState: Record<string, number> | null }> {
  const arrays: SavedArray[] = [];
  for (const { name, variable } of ibModelVariables(m)) arrays.push(await tensorToSaved(`var/${name}`, variable));
  arrays.push(...(await getOptimizerState(m.optimizer, 'opt/model')));
  if (m.mi) arrays.push(...(await getOptimizerState(m.mi.optimizer, 'opt/critic')));
  if (m.average) arrays.push(...(await m.average.getState('avg/model')));
  return { arrays, estimatorState: m.mi ? m.mi.getState() : null };
}

/** Restores what getIbModelState saved into a model built from the same config. */
export async function setIbModelState(m: IbModel, state: { arrays: SavedArray[]; estimatorState: Record<string, number> | null }): Promise<void> {
  const byName = new Map(state.arrays.map((a) => [a.name, a]));
  for (const { name, variable } of ibModelVariables(m)) {
    const a = byName.get(`var/${name}`);
    if (!a) throw new Error(`checkpoint: variable ${name} is missing`);
    if (a.shape.join('x') !== variable.shape.join('x'))
      throw new Error(`checkpoint: variable ${name} has shape [${a.shape}], the model's is [${variable.shape}] (a different config?)`);
    tf.tidy(() => variable.assign(savedToTensor(a)));
  }
  // An optimizer that has not stepped yet has no slots to restore.
  if (state.arrays.some((a) => a.name.startsWith('opt/model/'))) await setOptimizerState(m.optimizer, 'opt/model', state.arrays);
  if (m.mi && state.arrays.some((a) => a.name.startsWith('opt/critic/'))) await setOptimizerState(m.mi.optimizer, 'opt/critic', state.arrays);
  if (m.mi && state.estimatorState) m.mi.setState(state.estimatorState);
  if (m.average) m.average.setState('avg/model', state.arrays);
}
