/**
 * The "ali" task: bidirectional adversarial models — ALI/BiGAN, ALICE (L2 and adversarial
 * reconstruction) and ALI + β·I(X; Z) (MINE §4.3, eq. 22–23) — on the 25-Gaussians grid or MNIST.
 * `vary` over `variant` compares them from the same seed (same initial G, F, D and data stream).
 *
 * Evaluation (every `evaluation.every` steps and at the end), on held-out data:
 * - grid: modes captured by samples G(z) (as the gan task) and the Euclidean reconstruction error
 *   ‖x − G(F(x))‖₂ of held-out real points;
 * - mnist (MINE Table 1), on the test split: reconstruction error, reconstruction accuracy (share of
 *   G(F(x)) that the shipped classifier gives x's label) and the within-class MS-SSIM of samples
 *   from the prior (class = the classifier's label of each sample; lower = more diverse).
 */
import { parseWith } from '../config/schemaTools.js';
import { checkFitsMemory, ConfigError, notAbove } from '../config/validate.js';
import { gridGaussians } from '../data/gridGaussians.js';
import { IMAGE_HEIGHT, IMAGE_SIZE, IMAGE_WIDTH, loadImageDataset, type ImageDataset, type ImageSplit } from '../data/mnist.js';
import { loadMnistClassifier, type MnistClassifier } from '../eval/mnistClassifier.js';
import { modeCoverage } from '../eval/modeCoverage.js';
import { classAccuracy, reconstructionError, withinClassMsSsim } from '../eval/reconstruction.js';
import { MIRegularizer } from '../mi/miRegularizer.js';
import { parseEstimatorConfig, type EstimatorConfig } from '../mi/registry.js';
import {
  ALI_OPTIONAL_FIELDS,
  aliTrainStep,
  checkAli,
  disposeAli,
  encodeData,
  encoderOutputSize,
  reconstruct,
  sampleAli,
  type Ali,
  type AliVariant,
} from '../models/ali.js';
import type { CriticConfig } from '../nets/critics.js';
import { Chain, ConvStack, type ConvSpec, DeconvStack, type Net } from '../nets/convNets.js';
import { type Activation, Mlp } from '../nets/mlp.js';
import { runLoop } from '../train/loop.js';
import { parseBetaSchedule, type BetaSchedule } from '../train/betaSchedule.js';
import { applyRateSchedule, createOptimizer, parseOptimizerConfig, type OptimizerConfig } from '../train/optimizer.js';
import { deriveSeed } from '../util/hash.js';
import { Rng } from '../util/rng.js';
import { renderAliFigures, type AliEval, type AliTrace } from './aliFigures.js';
import type { RunContext, RunFailure, TaskResult } from './context.js';
import { ArrayExports } from './arrayExports.js';
import { AllDiverged, divergenceGuard, failureRows, recordDivergence } from './failures.js';
import { parseCriticConfig } from './criticConfig.js';
import type { NetConfig } from './ganTask.js';
import { expandVary, type VaryingExperiment } from './paths.js';
import { TASK_SCHEMAS } from './schema.js';
import { logTrainStep } from './trainTrace.js';

export type AliDataConfig =
  | { kind: 'grid'; side: number; spacing: number; std: number }
  /** MNIST: the embedded 10k digits (split by `splitSeed`, fixed across run seeds) or the IDX files in `dir`. */
  | { kind: 'mnist'; source: 'embedded'; splitSeed: number; trainSize: number; testSize: number }
  | { kind: 'mnist'; source: 'idx'; dir: string };

export interface AliSettingConfig {
  steps: number;
  batchSize: number;
  variant: AliVariant;
  latentDim: number;
  data: AliDataConfig;
  generator: NetConfig & { conv?: ConvLayersConfig };
  encoder: NetConfig & { noise: number | 'learned'; conv?: ConvLayersConfig };
  /** D(x, z): `dropout` / `inputNoise` in its training passes, and its own `optimizer` (default: the shared one). */
  discriminator: NetConfig & { dropout: number; inputNoise: number; optimizer: OptimizerConfig; conv?: ConvLayersConfig };
  reconDiscriminator: NetConfig;
  optimizer: OptimizerConfig;
  /** a factor on every optimizer's learning rate but the statistics network's (null: fixed rates). */
  learningRateSchedule: BetaSchedule | null;
  alice: { lambda: number };
  mi: { beta: number; estimator: EstimatorConfig; critic: CriticConfig; clip: boolean; optimizer: OptimizerConfig };
  evaluation: {
    every: number;
    /** samples from the prior per evaluation (modes; within-class MS-SSIM). */
    samples: number;
    /** held-out points reconstructed per evaluation. */
    reconSamples: number;
    minCount: number;
    /** directory of the MNIST classifier, or null for the default (models/mnist-classifier); false: skip accuracy and MS-SSIM. */
    classifier: string | null | false;
    pairsPerClass: number;
  };
}

/** Stride-2 convolutions on the MNIST image (src/nets/convNets.ts), for G, F or D's x path. */
export interface ConvLayersConfig {
  channels: number[];
  kernel: number;
  batchNorm: boolean;
}

export type AliConfig = VaryingExperiment<'ali', AliSettingConfig>;

/**
 * One setting from the schema's validated, defaulted object (src/experiments/schema.ts: types,
 * ranges and constant defaults); here: the defaults that depend on the data (MNIST or the grid),
 * the task's optimizer defaults and the checks between fields.
 */
function parseSetting(raw: Record<string, unknown>): AliSettingConfig {
  const c = parseWith(TASK_SCHEMAS.ali, raw);
  const d = c.data;
  const data: AliDataConfig =
    d.kind === 'grid'
      ? { kind: 'grid', side: d.side, spacing: d.spacing, std: d.std }
      : d.source === 'idx'
        ? { kind: 'mnist', source: 'idx', dir: d.dir }
        : { kind: 'mnist', source: 'embedded', splitSeed: d.splitSeed, trainSize: d.trainSize, testSize: d.testSize };
  const mnist = data.kind === 'mnist';
  const optimizer = parseOptimizerConfig(c.optimizer, 'optimizer', { learningRate: 2e-4, beta1: 0.5, beta2: 0.999 });
  if (c.variant === 'ali-mi' && c.mi.beta === 0) throw new ConfigError('mi.beta must be > 0 for variant "ali-mi" (β = 0 is plain "ali")');
  const { optimizer: dOpt, ...disc } = c.discriminator;
  for (const [k, v] of [
    ['generator', c.generator.conv],
    ['encoder', c.encoder.conv],
    ['discriminator', c.discriminator.conv],
  ] as const) {
    if (v && !mnist) throw new ConfigError(`${k}.conv: convolutional layers need image data (data.kind "mnist"), got data.kind "${data.kind}"`);
    // 28 = 2·2·7: two stride-2 layers at most, so the generator's mirror gives 28×28 back
    if (v && v.channels.length > 2)
      throw new ConfigError(
        `${k}.conv.channels: ${v.channels.length} stride-2 layers need the image side divisible by ${2 ** v.channels.length}; MNIST's 28 allows at most 2`,
      );
  }
  const ev = c.evaluation;
  const samples = ev.samples ?? (mnist ? 1000 : 2500);
  // samples from the prior and reconstructions: up to 784 float32 values each, a few copies
  const bytesEach = 4 * 4 * (mnist ? 784 : 2);
  checkFitsMemory('evaluation.samples', samples, samples * bytesEach, 'the evaluation samples');
  checkFitsMemory('evaluation.reconSamples', ev.reconSamples, ev.reconSamples * bytesEach, 'the held-out points and their reconstructions');
  return {
    steps: c.steps,
    batchSize: c.batchSize,
    variant: c.variant,
    latentDim: c.latentDim ?? (mnist ? 64 : 2),
    data,
    generator: c.generator,
    encoder: c.encoder,
    discriminator: { ...disc, optimizer: dOpt === undefined ? optimizer : parseOptimizerConfig(dOpt, 'discriminator.optimizer', optimizer) },
    reconDiscriminator: c.reconDiscriminator,
    optimizer,
    learningRateSchedule: c.learningRateSchedule === undefined ? null : parseBetaSchedule(c.learningRateSchedule, 'learningRateSchedule', c.steps),
    alice: c.alice,
    mi: {
      beta: c.mi.beta,
      estimator: parseEstimatorConfig(c.mi.estimator, 'mi.estimator'),
      critic: parseCriticConfig(c.mi.critic, 'mi.critic'),
      clip: c.mi.clip,
      optimizer: c.mi.optimizer === undefined ? optimizer : parseOptimizerConfig(c.mi.optimizer, 'mi.optimizer', optimizer),
    },
    evaluation: {
      every: ev.every ?? (mnist ? c.steps : Math.max(1, Math.floor(c.steps / 10))),
      samples,
      reconSamples: ev.reconSamples,
      minCount: notAbove(ev.minCount, 'evaluation.minCount', samples, 'evaluation.samples'),
      classifier: ev.classifier,
      pairsPerClass: ev.pairsPerClass,
    },
  };
}

export function parseAli(raw: Record<string, unknown>): AliConfig {
  const c = parseWith(TASK_SCHEMAS.ali, raw);
  const { vary, settings } = expandVary(raw, parseSetting);
  const kinds = new Set(settings.map((s) => s.cfg.data.kind));
  if (kinds.size > 1) throw new ConfigError('vary: every setting must use the same data.kind (the evaluation and figures depend on it)');
  return { name: String(raw.name), task: 'ali', seed: c.seed, logEvery: c.logEvery, vary, settings, figures: { formats: [...c.figures.formats] } };
}

/** The data a setting trains and is evaluated on. */
export interface AliData {
  dim: number;
  /** a training batch of n points. */
  batch(n: number, rng: Rng): Float32Array;
  /** held-out points (and labels for MNIST / mode ids for the grid). */
  heldOut: Float32Array;
  heldOutLabels: Int32Array;
  /**
   * MNIST: as many training digits (the first of the training split) and their labels, so the
   * evaluation can set reconstruction accuracy on digits the model saw beside held-out ones.
   */
  trainSubset?: { images: Float32Array; labels: Int32Array };
  centres?: Float32Array;
  std?: number;
  source: string;
}

function nearestCentre(points: Float32Array, centres: Float32Array): Int32Array {
  const n = points.length / 2,
    k = centres.length / 2;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let c = 0; c < k; c++) {
      const d = (points[2 * i] - centres[2 * c]) ** 2 + (points[2 * i + 1] - centres[2 * c + 1]) ** 2;
      if (d < best) [best, out[i]] = [d, c];
    }
  }
  return out;
}

export function loadAliData(d: AliDataConfig, s: AliSettingConfig, seed: number, splitCache: Map<string, ImageSplit>): AliData {
  if (d.kind === 'grid') {
    const sampler = gridGaussians({ side: d.side, spacing: d.spacing, std: d.std });
    const heldOut = sampler.sample(s.evaluation.reconSamples, new Rng(deriveSeed(seed, 'ali-eval-real')));
    return {
      dim: 2,
      batch: (n, rng) => sampler.sample(n, rng),
      heldOut,
      heldOutLabels: nearestCentre(heldOut, sampler.centres),
      centres: sampler.centres,
      std: sampler.std,
      source: sampler.name,
    };
  }
  const key = JSON.stringify(d);
  let split = splitCache.get(key);
  if (!split) {
    split =
      d.source === 'embedded'
        ? loadImageDataset({ source: 'embedded', seed: d.splitSeed, trainSize: d.trainSize, testSize: d.testSize })
        : loadImageDataset({ source: 'idx', dir: d.dir });
    splitCache.set(key, split);
  }
  const train: ImageDataset = split.train,
    test = split.test;
  const m = Math.min(s.evaluation.reconSamples, test.n),
    mTrain = Math.min(m, train.n);
  // Minibatches walk a fresh permutation of the training set each epoch.
  let perm: Int32Array | null = null,
    pos = 0;
  return {
    dim: IMAGE_SIZE,
    batch: (n, rng) => {
      const out = new Float32Array(n * IMAGE_SIZE);
      for (let i = 0; i < n; i++) {
        if (!perm || pos >= perm.length) [perm, pos] = [rng.permutation(train.n), 0];
        const k = perm[pos++];
        out.set(train.images.subarray(k * IMAGE_SIZE, (k + 1) * IMAGE_SIZE), i * IMAGE_SIZE);
      }
      return out;
    },
    heldOut: test.images.subarray(0, m * IMAGE_SIZE),
    heldOutLabels: test.labels.subarray(0, m),
    trainSubset: { images: train.images.subarray(0, mTrain * IMAGE_SIZE), labels: train.labels.subarray(0, mTrain) },
    source: split.source,
  };
}

export function buildAli(s: AliSettingConfig, dataDim: number, netRng: Rng): Ali {
  const mnist = s.data.kind === 'mnist';
  // G, F, D first and always in this order: every variant starts from the same three networks.
  const image = (c: ConvLayersConfig, a: Activation, outputActivation?: Activation): ConvSpec => ({
    height: IMAGE_HEIGHT,
    width: IMAGE_WIDTH,
    channels: 1,
    widths: c.channels,
    kernel: c.kernel,
    batchNorm: c.batchNorm,
    activation: a,
    outputActivation,
  });
  const gOut = mnist ? 'sigmoid' : 'linear';
  const gConv = s.generator.conv ? new DeconvStack(image(s.generator.conv, s.generator.activation, gOut), netRng, 'generator.conv') : null;
  // with transposed convolutions the MLP part ends in their input map, activated like a hidden layer
  const gMlp = new Mlp(
    gConv
      ? { sizes: [s.latentDim, ...s.generator.hidden, gConv.inputSize], activation: s.generator.activation, outputActivation: s.generator.activation }
      : { sizes: [s.latentDim, ...s.generator.hidden, dataDim], activation: s.generator.activation, outputActivation: gOut },
    netRng,
    'generator',
  );
  const generator: Net = gConv ? new Chain([gMlp, gConv], 'generator') : gMlp;
  const fConv = s.encoder.conv ? new ConvStack(image(s.encoder.conv, s.encoder.activation), netRng, 'encoder.conv') : null;
  const fMlp = new Mlp(
    { sizes: [fConv ? fConv.outputSize : dataDim, ...s.encoder.hidden, encoderOutputSize(s.latentDim, s.encoder.noise)], activation: s.encoder.activation },
    netRng,
    'encoder',
  );
  const encoder: Net = fConv ? new Chain([fConv, fMlp], 'encoder') : fMlp;
  const discriminatorX = s.discriminator.conv ? new ConvStack(image(s.discriminator.conv, s.discriminator.activation), netRng, 'discriminator.conv') : null;
  const discriminator = new Mlp(
    { sizes: [(discriminatorX ? discriminatorX.outputSize : dataDim) + s.latentDim, ...s.discriminator.hidden, 1], activation: s.discriminator.activation },
    netRng,
    'discriminator',
  );
  const adv = s.variant === 'alice-adv';
  const m: Ali = {
    variant: s.variant,
    generator,
    encoder,
    discriminatorX,
    discriminator,
    reconDiscriminator: adv
      ? new Mlp({ sizes: [2 * dataDim, ...s.reconDiscriminator.hidden, 1], activation: s.reconDiscriminator.activation }, netRng, 'reconDiscriminator')
      : null,
    dataDim,
    latentDim: s.latentDim,
    encoderNoise: s.encoder.noise,
    lambda: s.alice.lambda,
    discriminatorDropout: s.discriminator.dropout,
    discriminatorInputNoise: s.discriminator.inputNoise,
    gfOptimizer: createOptimizer(s.optimizer),
    dOptimizer: createOptimizer(s.discriminator.optimizer),
    rOptimizer: adv ? createOptimizer(s.optimizer) : null,
    mi:
      s.variant === 'ali-mi'
        ? new MIRegularizer({
            xDim: dataDim,
            yDim: s.latentDim,
            critic: s.mi.critic,
            estimator: s.mi.estimator,
            beta: s.mi.beta,
            direction: 'maximize',
            clip: s.mi.clip ? 'adaptive' : false,
            optimizer: s.mi.optimizer,
            rng: netRng,
          })
        : null,
  };
  checkAli(m);
  return m;
}

/**
 * Sets the learning rates of step i by the setting's learningRateSchedule: G/F's (and D′'s) and D's
 * configured rates × the factor; the statistics network's stays. Returns the factor (1 without a schedule).
 */
export function scheduleLearningRates(m: Ali, s: AliSettingConfig, i: number): number {
  return applyRateSchedule(s.learningRateSchedule, i, [
    [m.gfOptimizer, s.optimizer.learningRate],
    [m.dOptimizer, s.discriminator.optimizer.learningRate],
    [m.rOptimizer, s.optimizer.learningRate],
  ]);
}

export function evaluateAli(
  m: Ali,
  s: AliSettingConfig,
  d: AliData,
  classifier: MnistClassifier | null,
  rng: Rng,
  step: number,
): { e: AliEval; samples: Float32Array; recon: Float32Array } {
  const recon = reconstruct(m, d.heldOut);
  const samples = sampleAli(m, s.evaluation.samples, rng);
  const e: AliEval = { step, reconError: reconstructionError(d.heldOut, recon, d.dim) };
  if (d.centres && d.std) {
    const c = modeCoverage(samples, d.centres, d.std, { minCount: s.evaluation.minCount });
    Object.assign(e, { modes: c.modes, modesAnySample: c.modesAnySample, highQualityPercent: c.highQualityPercent, klToUniform: c.klToUniform });
  } else if (classifier) {
    e.reconAccuracyPercent = 100 * classAccuracy(classifier.predict(recon), d.heldOutLabels);
    // the same on training digits: the gap is how much of the shortfall is generalization
    if (d.trainSubset) e.reconAccuracyTrainPercent = 100 * classAccuracy(classifier.predict(reconstruct(m, d.trainSubset.images)), d.trainSubset.labels);
    e.msssim = withinClassMsSsim(samples, classifier.predict(samples), {
      height: IMAGE_HEIGHT,
      width: IMAGE_WIDTH,
      pairsPerClass: s.evaluation.pairsPerClass,
      rng,
    }).mean;
  }
  return { e, samples, recon };
}

export async function runAli(cfg: AliConfig, ctx: RunContext): Promise<TaskResult> {
  const metrics: Record<string, number> = {};
  const traces: AliTrace[] = [];
  const failures: RunFailure[] = [];
  const prefix = (label: string) => (cfg.settings.length > 1 ? `${label}.` : '');
  const s0 = cfg.settings[0].cfg;
  const mnist = s0.data.kind === 'mnist';
  const clsSetting = s0.evaluation.classifier;
  // MNIST is read once per run, whatever the number of settings.
  const splits = new Map<string, ImageSplit>();
  // Loaded at the first evaluation, not at start: training does not need it (a missing model is
  // still an error naming its path and the command that trains it).
  let classifier: MnistClassifier | null = null;
  const getClassifier = async (): Promise<MnistClassifier | null> => {
    if (!mnist || clsSetting === false || classifier) return classifier;
    classifier = await loadMnistClassifier(clsSetting ?? undefined);
    const cl = classifier;
    {
      // References on real data: what a perfect reconstruction would score, how diverse real digits are.
      const d = loadAliData(s0.data, s0, ctx.seed, splits);
      metrics.classifierAccuracyPercent = 100 * classAccuracy(cl.predict(d.heldOut), d.heldOutLabels);
      metrics.msssimReal = withinClassMsSsim(d.heldOut, d.heldOutLabels, {
        height: IMAGE_HEIGHT,
        width: IMAGE_WIDTH,
        pairsPerClass: s0.evaluation.pairsPerClass,
        rng: new Rng(deriveSeed(ctx.seed, 'ali-msssim-real')),
      }).mean;
      ctx.progress.note(
        `classifier (test accuracy ${(100 * cl.testAccuracy).toFixed(2)}% when trained): ${metrics.classifierAccuracyPercent.toFixed(1)}% on the ${d.heldOutLabels.length} held-out originals; within-class MS-SSIM of real digits ${metrics.msssimReal.toFixed(3)}`,
      );
    }
    return classifier;
  };
  const arrays = new ArrayExports(ctx.out, cfg.settings.length);
  const arrayFiles: string[] = [];
  try {
    for (const { label, cfg: s } of cfg.settings) {
      const data = loadAliData(s.data, s, ctx.seed, splits);
      // Same seed for every setting: the same initial G, F, D and the same data stream.
      const base = new Rng(deriveSeed(ctx.seed, 'ali'));
      const netRng = base.split(),
        dataRng = base.split(),
        stepRng = base.split(),
        evalRng = base.split();
      const m = buildAli(s, data.dim, netRng);
      const trace: AliTrace = {
        label,
        variant: s.variant,
        steps: [],
        curves: {},
        evals: [],
        samples: new Float32Array(0),
        recon: new Float32Array(0),
        latent: new Float32Array(0),
      };
      // Intermediate evaluations run inside the (synchronous) loop and need the classifier first.
      if (s.evaluation.every < s.steps) await getClassifier();
      const evaluate = (done: number, cls: MnistClassifier | null) => {
        const { e, samples, recon } = evaluateAli(m, s, data, cls, evalRng, done);
        trace.evals.push(e);
        ctx.out.appendMetrics({ type: 'eval', setting: label, ...e });
        return { samples, recon };
      };
      ctx.progress.start(`${label === 'default' ? s.variant : label}`, s.steps);
      try {
        await runLoop({
          steps: s.steps,
          logEvery: cfg.logEvery,
          shouldStop: ctx.shouldStop,
          divergence: divergenceGuard(ctx),
          onProgress: (dn, t) => ctx.progress.tick(dn, t),
          allowNonFinite: ALI_OPTIONAL_FIELDS,
          step: (i) => {
            const lr = scheduleLearningRates(m, s, i);
            const r: Record<string, number> = aliTrainStep(m, data.batch(s.batchSize, dataRng), stepRng);
            if (s.learningRateSchedule) r.learningRateFactor = lr;
            const done = i + 1;
            if (done % s.evaluation.every === 0 && done < s.steps) evaluate(done, classifier);
            return r;
          },
          onLog: (i, n) => logTrainStep(ctx.out, trace, label, i, n),
        });
        const final = evaluate(s.steps, await getClassifier());
        [trace.samples, trace.recon, trace.latent] = [final.samples, final.recon, encodeData(m, data.heldOut)];
        // the final samples and the codes F(x) of the held-out data as .npy, for analysis in Python
        const held = data.centres ? 'held-out point (label: its nearest mode)' : 'held-out test digit (label: its class)';
        arrayFiles.push(
          ...arrays.samples(label, s.steps, final.samples, data.dim),
          ...arrays.latents(label, trace.latent, s.latentDim, `F(x), the encoder's noise-free code of each ${held}`, data.heldOutLabels),
        );
      } catch (e) {
        // a diverged setting is recorded and skipped; the others still run
        if (!recordDivergence(e, { setting: label }, failures, ctx.progress)) throw e;
        continue;
      } finally {
        disposeAli(m);
        ctx.progress.done();
      }
      traces.push(trace);
      const last = trace.evals[trace.evals.length - 1];
      for (const [k, v] of Object.entries(last)) if (k !== 'step' && typeof v === 'number') metrics[`${prefix(label)}${k}`] = v;
      ctx.progress.note(
        `${label === 'default' ? s.variant : label}: recon error ${last.reconError.toFixed(3)}` +
          (last.modes !== undefined ? `, modes ${last.modes}/${data.centres!.length / 2}, high-quality ${last.highQualityPercent!.toFixed(1)}%` : '') +
          (last.reconAccuracyPercent !== undefined
            ? `, recon accuracy ${last.reconAccuracyPercent.toFixed(1)}%` +
              (last.reconAccuracyTrainPercent !== undefined ? ` (training digits ${last.reconAccuracyTrainPercent.toFixed(1)}%)` : '') +
              `, MS-SSIM ${last.msssim!.toFixed(3)}`
            : ''),
      );
    }
    if (traces.length === 0) throw new AllDiverged(failures);
    const d0 = loadAliData(s0.data, s0, ctx.seed, splits);
    const files = [
      ...renderAliFigures(
        { ...cfg, settings: cfg.settings.filter((x) => traces.some((t) => t.label === x.label)) },
        traces,
        { heldOut: d0.heldOut, labels: d0.heldOutLabels, centres: d0.centres, dim: d0.dim },
        ctx.out,
      ),
      ...arrayFiles,
    ];
    return { metrics, files, ...(failures.length ? { failures, rows: failureRows(failures) } : {}) };
  } finally {
    (classifier as MnistClassifier | null)?.dispose();
  }
}
