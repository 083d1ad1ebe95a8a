/**
 * `estimateMI(x, y, options)`: the mutual information between two arrays of paired samples, in nats,
 * with the care that makes the number trustworthy on finite data (the protocol of the `bmi`
 * benchmark, Czyż et al. 2023, and of η-MINE's 5K-train/1K-test experiments):
 *
 * 1. The rows are split at random into a train part and a held-out test part (`testFraction`,
 *    default 0.5). Columns are z-scored with the TRAIN part's mean and standard deviation
 *    (`standardize`), so nothing about the test part leaks into training.
 * 2. A critic is trained on minibatches of the train part (epochs of a shuffled order) with the
 *    chosen estimator's objective — the same `miTrainStep` the benchmarks use.
 * 3. Every `evalEvery` steps the estimator's bound is evaluated on the WHOLE test part, and on an
 *    equally large fixed subset of the train part (the train curve, for over-fitting). The
 *    estimate is the best held-out value (`select: 'best'`, as bmi reports), or the last.
 *    Training stops early after `patience` evaluations without a new best.
 * 4. With `seeds` > 1 all of this repeats with independent splits, initialisations and batch
 *    orders; the result is the mean over seeds with its standard deviation.
 *
 * Held-out evaluation. The test rows are shuffled once per seed and cut into blocks of `evalBlock`
 * rows (`evalBlock`; sizes differ by at most one). For a block B the critic scores all
 * |B|² pairs S_ij = T(x_i, y_j): the diagonal are joint samples, the |B|(|B|−1) off-diagonal pairs
 * are samples of P_X ⊗ P_Y. The bound is then computed ONCE on the pooled scores of all blocks —
 * E_P[T] as the mean over every test pair, log E_Q[e^T] as log Σ e^{S_ij} − log M over all M
 * off-diagonal pairs (one logsumexp, i.e. pooled in log space, not a mean of per-block logs, which
 * would carry Jensen's small-sample bias of each block) — by the estimator's own `objective`
 * (so MINE reports DV, JS reports NWJ at T + 1, SMILE its clipped DV, ReMINE-J E_P[T], η-MINE its
 * η-bound at its current η), without updating any estimator state. InfoNCE is a mean over rows of
 * S_ii − log mean_j S_ij within a block, so its held-out value is the row-weighted mean of the
 * blocks' values; with evalBlock = batchSize it is the quantity the critic was trained on, capped
 * at log(evalBlock).
 *
 * `ksg` (Kraskov et al. 2004, src/mi/ksg.ts) trains nothing: its estimate is KSG on the test part
 * and its train estimate KSG on the train part, both standardised with the train statistics.
 */
import * as tf from '@tensorflow/tfjs';
import { ready } from '../backend/backend.js';
import { ConfigError } from '../config/validate.js';
import { meanStd } from '../eval/miStats.js';
import { createCritic, type Critic, type CriticConfig } from '../nets/critics.js';
import { miTrainStep } from './miStep.js';
import { createOptimizer } from '../train/optimizer.js';
import { deriveSeed } from '../util/hash.js';
import { Rng } from '../util/rng.js';
import type { MIEstimator } from './interface.js';
import { ksgMutualInformation } from './ksg.js';
import { scoresFromMatrix } from './ops.js';
import { createEstimator, parseEstimatorConfig, type EstimatorConfig, type EstimatorKind } from './registry.js';

/** One variable's samples: rows are samples. 1-D inputs are one column. */
export type SampleArray =
  | number[][]
  | number[]
  | { data: Float32Array | Float64Array | number[]; shape: [number, number] | [number] }
  | tf.Tensor2D
  | tf.Tensor1D;

/** The k-nearest-neighbour baseline (no critic): `k` neighbours (default 3). */
export interface KsgConfig {
  kind: 'ksg';
  k?: number;
}

export interface EstimateProgress {
  /** which training (0-based) of `seeds`. */
  seedIndex: number;
  seeds: number;
  /** training steps done in this training, and its step budget. */
  step: number;
  steps: number;
  /** the last minibatch's estimate (nats). */
  trainBatch: number;
  /** the latest held-out bound and the best so far (nats), NaN before the first evaluation. */
  test: number;
  best: number;
  /** present on the call right after an evaluation: the held-out and train-subset bounds there. */
  evaluation?: { test: number; train: number };
}

export interface EstimateOptions {
  /** an estimator kind (src/mi/registry.ts ESTIMATOR_KINDS, or 'ksg'), or a full config. Default 'mine'. */
  estimator?: EstimatorKind | 'ksg' | EstimatorConfig | KsgConfig;
  /** the statistics network. Default concat MLP with hidden [256, 256] (MINE's). */
  critic?: CriticConfig;
  /** minibatch size. Default 64; clamped to the train part's size. */
  batchSize?: number;
  /** training steps per seed (an upper bound under early stopping). Default 2000 (bmi's). */
  steps?: number;
  /** alternatively, passes over the train part: steps = epochs · ⌊nTrain / batchSize⌋. */
  epochs?: number;
  /** Adam's learning rate. Default 5e-4. */
  learningRate?: number;
  /** overrides the estimator's marginal sampling: 'shuffle' (MINE) or 'matrix' (all pairs of a batch). */
  sampling?: 'shuffle' | 'matrix';
  /** z-score every column with the train part's mean and std. Default true. */
  standardize?: boolean;
  /** share of the rows held out for evaluation, in (0, 1). Default 0.5 (bmi's). */
  testFraction?: number;
  /** steps between held-out evaluations. Default max(1, round(steps / 20)). */
  evalEvery?: number;
  /** stop after this many evaluations without a new best held-out bound; null trains all steps. Default 5. */
  patience?: number | null;
  /** report the best held-out bound over the evaluations ('best', bmi's choice) or the last one. Default 'best'. */
  select?: 'best' | 'last';
  /**
   * rows per block of the held-out evaluation (see the module comment): each test row meets
   * evalBlock − 1 marginal partners. Default: batchSize for InfoNCE (its bound is capped at
   * log evalBlock, so this evaluates what was trained), else min(batchSize, 16) — n_test·15
   * marginal pairs, plenty for log E_Q[e^T] at a quarter of the cost of 64.
   */
  evalBlock?: number;
  /** independent trainings (splits, initialisations, batch orders); the result is their mean ± std. Default 1. */
  seeds?: number;
  /** the seed everything random derives from. Default 0. */
  seed?: number;
  /** called after every training step (and at every evaluation). */
  onProgress?: (p: EstimateProgress) => void;
  /** polled after every step; true stops after the current step (the result so far is returned with `stopped: true`). */
  shouldStop?: () => boolean;
  /** backend to select if none was selected yet (src/backend/backend.ts ready()). */
  backend?: string;
}

/** The options as used, every default filled in. */
export interface ResolvedEstimateOptions {
  estimator: EstimatorConfig | Required<KsgConfig>;
  critic: CriticConfig;
  batchSize: number;
  steps: number;
  learningRate: number;
  standardize: boolean;
  testFraction: number;
  evalEvery: number;
  patience: number | null;
  select: 'best' | 'last';
  evalBlock: number;
  seeds: number;
  seed: number;
  /** the backend the estimate ran on. */
  backend: string;
}

/** The train and held-out bounds at each evaluation of one training. */
export interface EstimateCurves {
  step: number[];
  train: number[];
  test: number[];
}

export interface SeedEstimate {
  /** the seed this training's randomness came from (derived from options.seed and its index). */
  seed: number;
  /** held-out estimate (nats). */
  estimate: number;
  /** the bound on the train subset at the same evaluation (nats). */
  trainEstimate: number;
  /** the step whose evaluation gave `estimate`. */
  bestStep: number;
  /** training steps run. */
  steps: number;
  /** true when early stopping ended the training. */
  stoppedEarly: boolean;
  /** the step at which the minibatch estimate became NaN/∞ (training stopped there), else null. */
  diverged: number | null;
  curves: EstimateCurves;
}

export interface EstimateResult {
  /** the held-out estimate in nats, mean over seeds. */
  estimate: number;
  /** the same in bits. */
  estimateBits: number;
  /** standard deviation of the held-out estimate over seeds (population; 0 for one seed). */
  std: number;
  perSeed: SeedEstimate[];
  /** the train-subset bound at the selected evaluations, mean over seeds (nats). */
  trainEstimate: number;
  /** per seed: the train and held-out bounds over steps. */
  curves: EstimateCurves[];
  options: ResolvedEstimateOptions;
  nTrain: number;
  nTest: number;
  /** the most training steps any seed ran. */
  steps: number;
  wallSeconds: number;
  /** the estimator's kind. */
  estimator: string;
  /** true when `shouldStop` ended the run early: the numbers cover what finished. */
  stopped: boolean;
  /** things a user should know about this estimate (divergence, InfoNCE's cap, a bound still rising). */
  warnings: string[];
}

interface Table {
  data: Float64Array;
  n: number;
  d: number;
}

function isTensor(v: unknown): v is tf.Tensor {
  return typeof v === 'object' && v !== null && typeof (v as tf.Tensor).dataSync === 'function' && Array.isArray((v as tf.Tensor).shape);
}

/** Any accepted input as a float64 row-major table; errors name the variable and where. */
async function toTable(v: SampleArray, name: string): Promise<Table> {
  let data: ArrayLike<number>, shape: number[];
  if (isTensor(v)) {
    if (v.rank !== 1 && v.rank !== 2) throw new ConfigError(`${name}: expected a 1-D or 2-D tensor, got shape [${v.shape.join(', ')}]`);
    data = await v.data();
    shape = v.shape;
  } else if (Array.isArray(v)) {
    if (v.length > 0 && Array.isArray(v[0])) {
      const rows = v as number[][];
      const d = rows[0].length;
      const out = new Float64Array(rows.length * d);
      rows.forEach((row, i) => {
        if (!Array.isArray(row) || row.length !== d)
          throw new ConfigError(`${name}: row ${i} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${d} (as row 0)`);
        for (let c = 0; c < d; c++) out[i * d + c] = row[c];
      });
      data = out;
      shape = [rows.length, d];
    } else {
      data = v as number[];
      shape = [v.length];
    }
  } else if (typeof v === 'object' && v !== null && 'data' in v && 'shape' in v) {
    data = v.data;
    shape = v.shape;
    if (!Array.isArray(shape) || shape.length < 1 || shape.length > 2)
      throw new ConfigError(`${name}.shape must be [n] or [n, d], got ${JSON.stringify(shape)}`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (data.length !== count) throw new ConfigError(`${name}: ${data.length} values do not fill shape [${shape.join(', ')}] (${count} values)`);
  } else {
    throw new ConfigError(`${name}: expected number[][], number[], { data, shape } or a tf.Tensor, got ${v === null ? 'null' : typeof v}`);
  }
  const n = shape[0],
    d = shape.length === 2 ? shape[1] : 1;
  if (d < 1) throw new ConfigError(`${name} has no columns`);
  const out = Float64Array.from(data as ArrayLike<number>);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]))
      throw new ConfigError(
        `${name}: ${typeof data[i] === 'number' ? data[i] : JSON.stringify(data[i])} at row ${Math.floor(i / d)}, column ${i % d} (0-based); expected finite numbers`,
      );
  }
  return { data: out, n, d };
}

const positiveInt = (v: number | undefined, name: string, def: number): number => {
  const x = v ?? def;
  if (!Number.isInteger(x) || x < 1) throw new ConfigError(`${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return x;
};

function evalBlockOf(v: number | undefined, def: number): number {
  const x = v ?? def;
  if (!Number.isInteger(x) || x < 2) throw new ConfigError(`evalBlock must be an integer ≥ 2 (a block needs off-diagonal pairs), got ${JSON.stringify(v)}`);
  return x;
}

function nonNegativeSeed(v: number | undefined): number {
  const x = v ?? 0;
  if (!Number.isInteger(x) || x < 0) throw new ConfigError(`seed must be a non-negative integer, got ${JSON.stringify(v)}`);
  return x;
}

/** Train/test sizes for n rows: round(n · testFraction), at least 2 each. */
export function splitSizes(n: number, testFraction: number): { nTrain: number; nTest: number } {
  if (n < 4) throw new ConfigError(`x and y have ${n} rows; estimating MI needs at least 4 (2 to train on, 2 held out)`);
  const nTest = Math.min(n - 2, Math.max(2, Math.round(n * testFraction)));
  return { nTrain: n - nTest, nTest };
}

/**
 * Validates `options` for data of `nRows` rows and fills in every default, without touching tf
 * (the CLI checks all input before it creates a run directory). Errors are ConfigErrors naming the option.
 */
export function resolveEstimateOptions(options: EstimateOptions, nRows: number, backend = ''): ResolvedEstimateOptions & { nTrain: number; nTest: number } {
  const tf0 = options.testFraction ?? 0.5;
  if (typeof tf0 !== 'number' || !(tf0 > 0 && tf0 < 1)) throw new ConfigError(`testFraction must be in (0, 1), got ${JSON.stringify(options.testFraction)}`);
  const { nTrain, nTest } = splitSizes(nRows, tf0);
  return { ...resolveOptions(options, nTrain, nTest, backend), nTrain, nTest };
}

function resolveOptions(o: EstimateOptions, nTrain: number, nTest: number, backend: string): ResolvedEstimateOptions {
  let estimator: EstimatorConfig | Required<KsgConfig>;
  const est = o.estimator ?? 'mine';
  if (est === 'ksg' || (typeof est === 'object' && est !== null && est.kind === 'ksg')) {
    const k = typeof est === 'object' ? ((est as KsgConfig).k ?? 3) : 3;
    if (!Number.isInteger(k) || k < 1) throw new ConfigError(`estimator.k (KSG's neighbours) must be a positive integer, got ${JSON.stringify(k)}`);
    if (k >= Math.min(nTrain, nTest))
      throw new ConfigError(`estimator.k = ${k} needs more than ${k} rows in each of the train (${nTrain}) and test (${nTest}) parts`);
    estimator = { kind: 'ksg', k };
  } else {
    const raw = typeof est === 'string' ? { kind: est } : { ...(est as EstimatorConfig) };
    if (o.sampling !== undefined) (raw as Record<string, unknown>).sampling = o.sampling;
    estimator = parseEstimatorConfig(raw, 'estimator');
  }
  const batchSize = Math.min(positiveInt(o.batchSize, 'batchSize', 64), nTrain);
  if (batchSize < 2) throw new ConfigError(`batchSize must be at least 2 (a batch needs marginal pairs), got ${o.batchSize}`);
  if (o.steps !== undefined && o.epochs !== undefined) throw new ConfigError('give steps or epochs, not both');
  const steps = o.epochs !== undefined ? positiveInt(o.epochs, 'epochs', 1) * Math.max(1, Math.floor(nTrain / batchSize)) : positiveInt(o.steps, 'steps', 2000);
  const learningRate = o.learningRate ?? 5e-4;
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new ConfigError(`learningRate must be a positive number, got ${o.learningRate}`);
  const patience = o.patience === undefined ? 5 : o.patience;
  if (patience !== null && (!Number.isInteger(patience) || patience < 1))
    throw new ConfigError(`patience must be a positive integer (evaluations) or null, got ${JSON.stringify(o.patience)}`);
  const select = o.select ?? 'best';
  if (select !== 'best' && select !== 'last') throw new ConfigError(`select must be "best" or "last", got ${JSON.stringify(o.select)}`);
  return {
    estimator,
    critic: o.critic ?? { kind: 'concat', hidden: [256, 256] },
    batchSize,
    steps,
    learningRate,
    standardize: o.standardize ?? true,
    testFraction: o.testFraction ?? 0.5,
    evalEvery: positiveInt(o.evalEvery, 'evalEvery', Math.max(1, Math.round(steps / 20))),
    patience,
    select,
    evalBlock: Math.min(evalBlockOf(o.evalBlock, estimator.kind === 'infonce' ? batchSize : Math.min(batchSize, 16)), nTest),
    seeds: positiveInt(o.seeds, 'seeds', 1),
    seed: nonNegativeSeed(o.seed),
    backend,
  };
}

/** Column means and standard deviations of the given rows (a constant column gets std 1: it is only centred). */
function columnStats(t: Table, rows: Int32Array): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(t.d),
    std = new Float64Array(t.d);
  for (const r of rows) for (let c = 0; c < t.d; c++) mean[c] += t.data[r * t.d + c];
  for (let c = 0; c < t.d; c++) mean[c] /= rows.length;
  for (const r of rows) for (let c = 0; c < t.d; c++) std[c] += (t.data[r * t.d + c] - mean[c]) ** 2;
  for (let c = 0; c < t.d; c++) {
    const s = Math.sqrt(std[c] / rows.length);
    std[c] = s > 1e-12 * (Math.abs(mean[c]) + 1) ? s : 1;
  }
  return { mean, std };
}

/** The given rows, standardised by `stats` (or copied as they are), as float64 and float32. */
function takeRows(t: Table, rows: ArrayLike<number>, stats: { mean: Float64Array; std: Float64Array } | null): Float64Array {
  const out = new Float64Array(rows.length * t.d);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    for (let c = 0; c < t.d; c++) {
      const v = t.data[r * t.d + c];
      out[i * t.d + c] = stats ? (v - stats.mean[c]) / stats.std[c] : v;
    }
  }
  return out;
}

/** Cuts 0..n−1 into `ceil(n / block)` contiguous ranges whose sizes differ by at most one. */
function blockRanges(n: number, block: number): [number, number][] {
  const k = Math.ceil(n / block);
  const out: [number, number][] = [];
  for (let b = 0, start = 0; b < k; b++) {
    const size = Math.floor(n / k) + (b < n % k ? 1 : 0);
    out.push([start, start + size]);
    start += size;
  }
  return out;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Yields to the event loop (so SIGINT handlers run) when ≥ 50 ms of synchronous work passed. */
function yielder(): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last >= 50) {
      await nextTurn();
      last = performance.now();
    }
  };
}

/**
 * The estimator's bound on a set of pairs, evaluated over blocks and pooled (see the module
 * comment). `x`, `y`: float32 row-major rows in evaluation order; `blocks`: row ranges.
 * `evalEstimator` is a 'shuffle'-sampling twin of the trained estimator carrying its state.
 */
async function evaluateBound(
  critic: Critic,
  trained: MIEstimator,
  evalEstimator: MIEstimator | null,
  x: Float32Array,
  y: Float32Array,
  dx: number,
  dy: number,
  blocks: [number, number][],
  breathe: () => Promise<void>,
): Promise<number> {
  const n = blocks[blocks.length - 1][1];
  if (evalEstimator === null) {
    // InfoNCE: a row mean within each block's score matrix
    let sum = 0;
    for (const [a, b] of blocks) {
      const v = tf.tidy(() => {
        const s = critic.matrix(tf.tensor2d(x.subarray(a * dx, b * dx), [b - a, dx]), tf.tensor2d(y.subarray(a * dy, b * dy), [b - a, dy]));
        return trained.objective(scoresFromMatrix(s), { updateState: false }).estimate;
      });
      sum += (b - a) * (await v.data())[0];
      v.dispose();
      await breathe();
    }
    return sum / n;
  }
  const joint = new Float32Array(n);
  let m = 0;
  for (const [a, b] of blocks) m += (b - a) * (b - a - 1);
  const marginal = new Float32Array(m);
  let off = 0;
  for (const [a, b] of blocks) {
    const [j, mg] = tf.tidy(() => {
      const s = scoresFromMatrix(critic.matrix(tf.tensor2d(x.subarray(a * dx, b * dx), [b - a, dx]), tf.tensor2d(y.subarray(a * dy, b * dy), [b - a, dy])));
      return [s.joint, s.marginal];
    });
    joint.set(await j.data(), a);
    const mv = await mg.data();
    marginal.set(mv, off);
    off += mv.length;
    tf.dispose([j, mg]);
    await breathe();
  }
  const v = tf.tidy(() => evalEstimator.objective({ joint: tf.tensor1d(joint), marginal: tf.tensor1d(marginal) }, { updateState: false }).estimate);
  const out = (await v.data())[0];
  v.dispose();
  return out;
}

/** One training (or one KSG evaluation) on one split. */
async function estimateOnce(
  X: Table,
  Y: Table,
  o: ResolvedEstimateOptions,
  k: number,
  nTest: number,
  hooks: Pick<EstimateOptions, 'onProgress' | 'shouldStop'>,
  stop: { requested: boolean },
): Promise<SeedEstimate> {
  const seed = deriveSeed(o.seed, `estimateMI/${k}`);
  const rng = new Rng(seed);
  const order = rng.split().permutation(X.n);
  const testRows = order.subarray(0, nTest);
  const trainRows = order.subarray(nTest);
  const sx = o.standardize ? columnStats(X, trainRows) : null;
  const sy = o.standardize ? columnStats(Y, trainRows) : null;
  const xTrain = takeRows(X, trainRows, sx),
    yTrain = takeRows(Y, trainRows, sy);
  const xTest = takeRows(X, testRows, sx),
    yTest = takeRows(Y, testRows, sy);
  const nTrain = trainRows.length,
    dx = X.d,
    dy = Y.d;

  if (o.estimator.kind === 'ksg') {
    const kk = o.estimator.k;
    const estimate = ksgMutualInformation(xTest, yTest, nTest, dx, dy, { k: kk });
    const trainEstimate = ksgMutualInformation(xTrain, yTrain, nTrain, dx, dy, { k: kk });
    return {
      seed,
      estimate,
      trainEstimate,
      bestStep: 0,
      steps: 0,
      stoppedEarly: false,
      diverged: null,
      curves: { step: [0], train: [trainEstimate], test: [estimate] },
    };
  }

  const criticRng = rng.split(),
    batchRng = rng.split(),
    permRng = rng.split();
  // the train curve uses a fixed subset as large as the test part, so that both bounds see the same n
  const nTrainEval = Math.min(nTrain, nTest);
  const f32 = (a: Float64Array) => Float32Array.from(a);
  const xTrain32 = f32(xTrain),
    yTrain32 = f32(yTrain);
  const testEval = { x: f32(xTest), y: f32(yTest), blocks: blockRanges(nTest, o.evalBlock) };
  const trainEval = {
    x: xTrain32.subarray(0, nTrainEval * dx),
    y: yTrain32.subarray(0, nTrainEval * dy),
    blocks: blockRanges(nTrainEval, Math.min(o.evalBlock, nTrainEval)),
  };

  const estCfg = o.estimator as EstimatorConfig;
  const critic = createCritic(o.critic, dx, dy, criticRng);
  const estimator = createEstimator(estCfg);
  const evalEstimator = estCfg.kind === 'infonce' ? null : createEstimator({ ...estCfg, sampling: 'shuffle' });
  const optimizer = createOptimizer({ kind: 'adam', learningRate: o.learningRate, beta1: 0.9, beta2: 0.999 });
  const curves: EstimateCurves = { step: [], train: [], test: [] };
  let best = -Infinity,
    bestTrain = NaN,
    bestStep = -1,
    sinceBest = 0,
    stoppedEarly = false,
    diverged: number | null = null,
    stepsRun = 0,
    lastTest = NaN,
    finalized = false;
  const breathe = yielder();
  const B = o.batchSize;
  const batch = { x: new Float32Array(B * dx), y: new Float32Array(B * dy), n: B, dx, dy };
  let epochOrder = batchRng.permutation(nTrain);
  let pos = 0;

  const evaluate = async (step: number) => {
    // setState builds its scalars with tf.scalar and assigns them: tidy disposes those copies
    if (evalEstimator) tf.tidy(() => evalEstimator.setState(estimator.getState()));
    const test = await evaluateBound(critic, estimator, evalEstimator, testEval.x, testEval.y, dx, dy, testEval.blocks, breathe);
    const train = await evaluateBound(critic, estimator, evalEstimator, trainEval.x, trainEval.y, dx, dy, trainEval.blocks, breathe);
    curves.step.push(step);
    curves.test.push(test);
    curves.train.push(train);
    lastTest = test;
    // patience counts evaluations since the best held-out bound, whichever value is reported
    if (Number.isFinite(test) && test > best) {
      best = test;
      sinceBest = 0;
      if (o.select === 'best') {
        bestTrain = train;
        bestStep = step;
      }
    } else {
      sinceBest++;
    }
    if (o.select === 'last') {
      bestTrain = train;
      bestStep = step;
    }
  };

  try {
    for (let i = 0; i < o.steps; i++) {
      if (pos + B > nTrain) {
        epochOrder = batchRng.permutation(nTrain);
        pos = 0;
      }
      for (let r = 0; r < B; r++) {
        const src = epochOrder[pos + r];
        batch.x.set(xTrain32.subarray(src * dx, (src + 1) * dx), r * dx);
        batch.y.set(yTrain32.subarray(src * dy, (src + 1) * dy), r * dy);
      }
      pos += B;
      const r = miTrainStep({ critic, estimator, optimizer }, batch, permRng);
      stepsRun = i + 1;
      if (!Number.isFinite(r.estimate)) {
        diverged = i + 1;
        break;
      }
      const last = i === o.steps - 1;
      const stopNow = hooks.shouldStop?.() === true;
      let evaluation: EstimateProgress['evaluation'];
      if ((i + 1) % o.evalEvery === 0 || last || stopNow) {
        await evaluate(i + 1);
        evaluation = { test: curves.test[curves.test.length - 1], train: curves.train[curves.train.length - 1] };
        if (o.patience !== null && sinceBest >= o.patience && !last) {
          stoppedEarly = true;
          hooks.onProgress?.({ seedIndex: k, seeds: o.seeds, step: i + 1, steps: o.steps, trainBatch: r.estimate, test: lastTest, best, evaluation });
          break;
        }
      }
      hooks.onProgress?.({ seedIndex: k, seeds: o.seeds, step: i + 1, steps: o.steps, trainBatch: r.estimate, test: lastTest, best, evaluation });
      if (stopNow) {
        stop.requested = true;
        break;
      }
      await breathe();
    }
    if (estimator.finalize && diverged === null) {
      // a fit after training (convex η-MINE; MIEstimator.finalize): the estimate is the evaluation after it
      tf.tidy(() => estimator.finalize?.(critic, tf.tensor2d(xTrain32, [nTrain, dx]), tf.tensor2d(yTrain32, [nTrain, dy])));
      await evaluate(stepsRun);
      finalized = true;
    }
  } finally {
    critic.dispose();
    estimator.dispose();
    evalEstimator?.dispose();
    optimizer.dispose();
  }
  const estimate = finalized ? curves.test[curves.test.length - 1] : bestStep < 0 ? NaN : o.select === 'last' ? curves.test[curves.test.length - 1] : best;
  if (finalized)
    return { seed, estimate, trainEstimate: curves.train[curves.train.length - 1], bestStep: stepsRun, steps: stepsRun, stoppedEarly, diverged, curves };
  return { seed, estimate, trainEstimate: bestTrain, bestStep: Math.max(bestStep, 0), steps: stepsRun, stoppedEarly, diverged, curves };
}

/**
 * Estimates I(X; Y) in nats from paired samples (row i of x with row i of y). See the module
 * comment for the protocol and EstimateOptions for every option and its default.
 *
 * @example
 *   const r = await estimateMI(xs, ys, { estimator: 'mine', steps: 2000, seeds: 3 });
 *   console.log(`${r.estimate.toFixed(3)} ± ${r.std.toFixed(3)} nats (held out)`);
 */
export async function estimateMI(x: SampleArray, y: SampleArray, options: EstimateOptions = {}): Promise<EstimateResult> {
  const info = await ready({ backend: options.backend });
  const t0 = performance.now();
  const X = await toTable(x, 'x');
  const Y = await toTable(y, 'y');
  if (X.n !== Y.n) throw new ConfigError(`x has ${X.n} rows but y has ${Y.n}; they must be paired row by row`);
  const { nTrain, nTest, ...o } = resolveEstimateOptions(options, X.n, info.name);
  const perSeed: SeedEstimate[] = [];
  const stop = { requested: false };
  for (let k = 0; k < o.seeds && !stop.requested; k++) {
    perSeed.push(await estimateOnce(X, Y, o, k, nTest, options, stop));
    if (options.shouldStop?.()) stop.requested = true;
  }
  const finished = perSeed.filter((s) => Number.isFinite(s.estimate));
  const { mean, std } = meanStd(finished.map((s) => s.estimate));
  const warnings: string[] = [];
  for (const [i, s] of perSeed.entries()) {
    if (s.diverged !== null)
      warnings.push(
        `seed ${i}: the minibatch estimate became non-finite at step ${s.diverged}; training stopped there${Number.isFinite(s.estimate) ? ' (the estimate is from the last evaluation before)' : ' before any evaluation'}`,
      );
    if (o.estimator.kind !== 'ksg' && !s.stoppedEarly && s.diverged === null && s.curves.step.length > 1 && s.bestStep === s.steps && o.select === 'best') {
      warnings.push(`seed ${i}: the held-out bound was still rising at the last step (${s.steps}); more steps may give a larger estimate`);
    }
  }
  if (o.estimator.kind === 'infonce' && mean > 0.9 * Math.log(o.evalBlock)) {
    warnings.push(
      `InfoNCE cannot exceed log(evalBlock) = log ${o.evalBlock} = ${Math.log(o.evalBlock).toFixed(3)} nats, and the estimate is near it: the true MI may be larger`,
    );
  }
  return {
    estimate: mean,
    estimateBits: mean / Math.LN2,
    std,
    perSeed,
    trainEstimate: meanStd(finished.map((s) => s.trainEstimate)).mean,
    curves: perSeed.map((s) => s.curves),
    options: o,
    nTrain,
    nTest,
    steps: Math.max(0, ...perSeed.map((s) => s.steps)),
    wallSeconds: (performance.now() - t0) / 1000,
    estimator: o.estimator.kind,
    stopped: stop.requested,
    warnings,
  };
}
