/**
 * The GAN task: GAN vs MINEGAN on 2-D mixtures (MINE §5.1, Fig. 3–4). `vary` compares settings
 * (e.g. mi.beta = 0 vs 1) trained from the same seed; each is evaluated every `evaluation.every`
 * steps with mode coverage (grid mixtures) or roll coverage (swiss roll) and KDE log-likelihoods.
 */
import { parseWith } from '../config/schemaTools.js';
import { checkFitsMemory, ConfigError, notAbove, stepsWithin } from '../config/validate.js';
import { gridGaussians } from '../data/gridGaussians.js';
import { swissRoll } from '../data/swissRoll.js';
import type { PointSampler } from '../data/types.js';
import { dataMoments, standardizeRows } from '../data/standardize.js';
import { GaussianKde } from '../eval/kde.js';
import { modeCoverage, pointCoverage } from '../eval/modeCoverage.js';
import { MIRegularizer } from '../mi/miRegularizer.js';
import { parseEstimatorConfig, type EstimatorConfig } from '../mi/registry.js';
import { disposeGan, GAN_MI_FIELDS, ganTrainStep, sampleGenerator, type Gan, type GanNoise } from '../models/gan.js';
import type { CriticConfig } from '../nets/critics.js';
import { Mlp, type Activation } from '../nets/mlp.js';
import { betaAt, parseBetaSchedule, type BetaSchedule } from '../train/betaSchedule.js';
import { runLoop } from '../train/loop.js';
import { applyRateSchedule, createOptimizer, parseOptimizerConfig, type OptimizerConfig } from '../train/optimizer.js';
import { deriveSeed } from '../util/hash.js';
import { Rng } from '../util/rng.js';
import type { RunContext, RunFailure, TaskResult } from './context.js';
import { ArrayExports } from './arrayExports.js';
import { AllDiverged, divergenceGuard, failureRows, recordDivergence } from './failures.js';
import { parseCriticConfig } from './criticConfig.js';
import { renderGanFigures, type GanEval, type GanTrace } from './ganFigures.js';
import { expandVary, type VaryingExperiment } from './paths.js';
import { TASK_SCHEMAS } from './schema.js';
import { logTrainStep } from './trainTrace.js';

export type GanDataConfig = { kind: 'grid'; side: number; spacing: number; std: number } | { kind: 'swissroll'; noise: number; scale: number };

export interface NetConfig {
  hidden: number[];
  activation: Activation;
}

export interface GanSettingConfig {
  steps: number;
  batchSize: number;
  noiseDim: number;
  noise: GanNoise;
  /** train on standardized data (per coordinate: mean 0, std 1; G's samples mapped back for evaluation). */
  standardize: boolean;
  data: GanDataConfig;
  generator: NetConfig;
  /** D, with its own `optimizer` (default: the shared one) — the G/D learning-rate ratio is a lever — and `steps` updates per G update. */
  discriminator: NetConfig & { optimizer: OptimizerConfig; steps: number };
  optimizer: OptimizerConfig;
  /** a factor on G's and D's learning rates over the steps (the shape of a β schedule, from 1); null: fixed. */
  learningRateSchedule: BetaSchedule | null;
  /** betaSchedule: β over the steps (src/train/betaSchedule.ts); null: β fixed. */
  mi: {
    beta: number;
    betaSchedule: BetaSchedule | null;
    estimator: EstimatorConfig;
    critic: CriticConfig;
    clip: boolean;
    outputNoise: number;
    codeDim: number;
    optimizer: OptimizerConfig;
  };
  evaluation: {
    every: number;
    samples: number;
    snapshots: number[];
    minCount: number;
    kdeBandwidth: number | 'scott' | 'silverman';
    /** bandwidth of the density-map figures: rules of thumb oversmooth a 25-mode mixture. */
    mapBandwidth: number;
    coverageRadius: number;
  };
}

export type GanConfig = VaryingExperiment<'gan', GanSettingConfig>;

/**
 * One setting from the schema's validated, defaulted object (src/experiments/schema.ts: types,
 * ranges and constant defaults); here: the defaults that depend on other fields (codeDim,
 * evaluation.every and snapshots from steps), the task's optimizer defaults and the checks
 * between fields.
 */
function parseSetting(raw: Record<string, unknown>): GanSettingConfig {
  const c = parseWith(TASK_SCHEMAS.gan, raw);
  const { steps, noiseDim, mi, evaluation: ev } = c;
  const optimizer = parseOptimizerConfig(c.optimizer, 'optimizer', { learningRate: 1e-4, beta1: 0.5, beta2: 0.999 });
  const codeDim = mi.codeDim ?? noiseDim;
  if (codeDim > noiseDim) throw new ConfigError(`mi.codeDim must be ≤ noiseDim = ${noiseDim} (the code is part of z), got ${codeDim}`);
  // generated and real points (2-D float32) and the KDE's copies of them
  checkFitsMemory('evaluation.samples', ev.samples, ev.samples * 4 * 2 * 4, 'the evaluation samples and their KDEs');
  const { optimizer: dOpt, ...disc } = c.discriminator;
  return {
    steps,
    batchSize: c.batchSize,
    noiseDim,
    noise: c.noise,
    standardize: c.standardize,
    data: c.data,
    generator: c.generator,
    discriminator: { ...disc, optimizer: dOpt === undefined ? optimizer : parseOptimizerConfig(dOpt, 'discriminator.optimizer', optimizer) },
    optimizer,
    learningRateSchedule: c.learningRateSchedule === undefined ? null : parseBetaSchedule(c.learningRateSchedule, 'learningRateSchedule', steps),
    mi: {
      beta: mi.beta,
      betaSchedule: mi.betaSchedule === undefined ? null : parseBetaSchedule(mi.betaSchedule, 'mi.betaSchedule', steps),
      estimator: parseEstimatorConfig(mi.estimator, 'mi.estimator'),
      critic: parseCriticConfig(mi.critic, 'mi.critic'),
      clip: mi.clip,
      outputNoise: mi.outputNoise,
      codeDim,
      optimizer: mi.optimizer === undefined ? optimizer : parseOptimizerConfig(mi.optimizer, 'mi.optimizer', optimizer),
    },
    evaluation: {
      every: ev.every ?? Math.max(1, Math.floor(steps / 10)),
      samples: ev.samples,
      snapshots: stepsWithin(ev.snapshots ?? [steps], steps, 'evaluation.snapshots'),
      minCount: notAbove(ev.minCount, 'evaluation.minCount', ev.samples, 'evaluation.samples'),
      kdeBandwidth: ev.kdeBandwidth,
      mapBandwidth: ev.mapBandwidth,
      coverageRadius: ev.coverageRadius,
    },
  };
}

export function parseGan(raw: Record<string, unknown>): GanConfig {
  const c = parseWith(TASK_SCHEMAS.gan, raw);
  const { vary, settings } = expandVary(raw, parseSetting);
  return { name: String(raw.name), task: 'gan', seed: c.seed, logEvery: c.logEvery, vary, settings, figures: { formats: [...c.figures.formats] } };
}

export function samplerOf(d: GanDataConfig): PointSampler & { centres?: Float32Array; std?: number } {
  return d.kind === 'grid' ? gridGaussians({ side: d.side, spacing: d.spacing, std: d.std }) : swissRoll({ noise: d.noise, scale: d.scale });
}

export function evaluateGan(s: GanSettingConfig, sampler: ReturnType<typeof samplerOf>, generated: Float32Array, real: Float32Array, step: number): GanEval {
  const bw = s.evaluation.kdeBandwidth;
  const e: GanEval = {
    step,
    kdeLogLikRealUnderGen: new GaussianKde(generated, 2, bw).meanLogLikelihood(real),
    kdeLogLikGenUnderReal: new GaussianKde(real, 2, bw).meanLogLikelihood(generated),
  };
  if (sampler.centres && sampler.std) {
    const c = modeCoverage(generated, sampler.centres, sampler.std, { minCount: s.evaluation.minCount });
    Object.assign(e, { modes: c.modes, modesAnySample: c.modesAnySample, highQualityPercent: c.highQualityPercent, klToUniform: c.klToUniform });
  } else {
    e.coverage = pointCoverage(real, generated, s.evaluation.coverageRadius);
  }
  return e;
}

/**
 * True from the step on which a β schedule has brought β to 0 for the rest of the run: the MI term
 * no longer reaches G, so T is not trained either (a third of a step's work at the default sizes).
 */
export function miSpent(s: GanSettingConfig, step: number): boolean {
  const sch = s.mi.betaSchedule;
  if (sch?.to !== 0) return false;
  return step >= (sch.kind === 'step' ? sch.start : sch.end);
}

/** The networks and optimizers of one setting: G, D and, with β > 0, the statistics network T. */
export function createGan(s: GanSettingConfig, netRng: Rng): Gan {
  const generator = new Mlp({ sizes: [s.noiseDim, ...s.generator.hidden, 2], activation: s.generator.activation }, netRng, 'generator');
  const discriminator = new Mlp({ sizes: [2, ...s.discriminator.hidden, 1], activation: s.discriminator.activation }, netRng, 'discriminator');
  return {
    generator,
    discriminator,
    noiseDim: s.noiseDim,
    noise: s.noise,
    codeDim: s.mi.codeDim,
    dataDim: 2,
    outputNoise: s.mi.outputNoise,
    gOptimizer: createOptimizer(s.optimizer),
    dOptimizer: createOptimizer(s.discriminator.optimizer),
    mi:
      s.mi.beta > 0 || (s.mi.betaSchedule?.to ?? 0) > 0
        ? new MIRegularizer({
            xDim: 2,
            yDim: s.mi.codeDim,
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
}

/** What the setting is, for people: a plain GAN, or MINEGAN with its β (and schedule). */
export function describeSetting(s: GanSettingConfig): string {
  const sch = s.mi.betaSchedule;
  if (s.mi.beta === 0 && !(sch && sch.to > 0)) return 'GAN (no MI term)';
  const beta = sch ? `β ${s.mi.beta} → ${sch.to}, ${sch.kind} over steps ${sch.start}–${sch.kind === 'step' ? sch.start : sch.end}` : `β ${s.mi.beta}`;
  return `MINEGAN (${beta})`;
}

/**
 * The result line of a setting, saying what each number means: modes captured by PacGAN's/VEEGAN's
 * protocol at two thresholds (≥ minCount high-quality samples, and ≥ 1 as PacGAN's code counts),
 * the share of high-quality samples (within 3σ of a mode centre) and the KL of the mode histogram
 * to uniform; for the swiss roll the share of real points with a generated point nearby.
 */
export function resultLine(label: string, s: GanSettingConfig, e: GanEval, sampler: ReturnType<typeof samplerOf>): string {
  const head = `${label === 'default' ? '' : `${label}: `}${describeSetting(s)} after ${e.step} steps: `;
  const kde = `KDE log-lik(real | G) ${e.kdeLogLikRealUnderGen.toFixed(3)}`;
  if (e.modes === undefined)
    return `${head}coverage ${(100 * e.coverage!).toFixed(1)}% (real points with a sample within ${s.evaluation.coverageRadius}), ${kde}`;
  const k = sampler.centres!.length / 2,
    n = s.evaluation.samples,
    r = 3 * sampler.std!;
  return (
    `${head}modes ${e.modes}/${k} with ≥ ${s.evaluation.minCount} of ${n} samples (${e.modesAnySample}/${k} with ≥ 1, PacGAN's count); ` +
    `high-quality ${e.highQualityPercent!.toFixed(1)}% (samples within 3σ = ${r.toPrecision(2)} of a mode centre); KL(modes ‖ uniform) ${e.klToUniform!.toFixed(3)}; ${kde}`
  );
}

export async function runGan(cfg: GanConfig, ctx: RunContext): Promise<TaskResult> {
  const metrics: Record<string, number> = {};
  const traces: GanTrace[] = [];
  const failures: RunFailure[] = [];
  const prefix = (label: string) => (cfg.settings.length > 1 ? `${label}.` : '');
  // the snapshots' samples as .npy (samples-step<N>.npy), for analysis in Python
  const arrays = new ArrayExports(ctx.out, cfg.settings.length);
  const arrayFiles: string[] = [];
  for (const { label, cfg: s } of cfg.settings) {
    const sampler = samplerOf(s.data);
    // Same seed for every setting: the same initial networks and data stream (a fair comparison).
    const base = new Rng(deriveSeed(ctx.seed, 'gan'));
    const netRng = base.split(),
      dataRng = base.split(),
      stepRng = base.split(),
      evalRng = base.split();
    const gan = createGan(s, netRng);
    // G and D work in standardized coordinates; the evaluation and figures in the data's
    const moments = s.standardize ? dataMoments(sampler) : null;
    // Held-out real points for the evaluation, fixed for the whole run.
    const real = sampler.sample(s.evaluation.samples, new Rng(deriveSeed(ctx.seed, 'gan-eval-real')));
    const trace: GanTrace = { label, steps: [], curves: {}, evals: [], snapshots: [], final: new Float32Array(0), real };
    ctx.progress.start(`${label === 'default' ? '' : `${label}: `}${describeSetting(s)}`, s.steps);
    try {
      await runLoop({
        steps: s.steps,
        logEvery: cfg.logEvery,
        shouldStop: ctx.shouldStop,
        divergence: divergenceGuard(ctx),
        onProgress: (d, t) => ctx.progress.tick(d, t),
        // clipScale is NaN at β = 0 (no MI gradient to scale), where a schedule may take β, and
        // every MI field once β stays 0 (miSpent: T is no longer trained)
        allowNonFinite: !gan.mi || s.mi.betaSchedule?.to === 0 ? GAN_MI_FIELDS : s.mi.betaSchedule ? ['clipScale'] : [],
        step: (i) => {
          if (gan.mi && s.mi.betaSchedule) gan.mi.beta = betaAt(s.mi.betaSchedule, s.mi.beta, i);
          const lr = applyRateSchedule(s.learningRateSchedule, i, [
            [gan.gOptimizer, s.optimizer.learningRate],
            [gan.dOptimizer, s.discriminator.optimizer.learningRate],
          ]);
          const batch = sampler.sample(s.batchSize * s.discriminator.steps, dataRng);
          const r: Record<string, number> = ganTrainStep(gan, moments ? standardizeRows(batch, moments) : batch, stepRng, {
            dSteps: s.discriminator.steps,
            withMi: !miSpent(s, i),
          });
          if (gan.mi && s.mi.betaSchedule) r.beta = gan.mi.beta;
          if (s.learningRateSchedule) r.learningRateFactor = lr;
          const done = i + 1;
          if (done % s.evaluation.every === 0 || done === s.steps || s.evaluation.snapshots.includes(done)) {
            const sample = sampleGenerator(gan, s.evaluation.samples, evalRng);
            const gen = moments ? standardizeRows(sample, moments, true) : sample;
            const e = evaluateGan(s, sampler, gen, real, done);
            trace.evals.push(e);
            ctx.out.appendMetrics({ type: 'eval', setting: label, ...e });
            if (s.evaluation.snapshots.includes(done)) {
              trace.snapshots.push({ step: done, points: gen });
              arrayFiles.push(...arrays.samples(label, done, gen, 2));
            }
            if (done === s.steps) trace.final = gen;
          }
          return r;
        },
        onLog: (i, n) => logTrainStep(ctx.out, trace, label, i, n),
      });
    } catch (e) {
      // a diverged setting is recorded and skipped; the others still run
      if (!recordDivergence(e, { setting: label }, failures, ctx.progress)) throw e;
      continue;
    } finally {
      disposeGan(gan);
      ctx.progress.done();
    }
    traces.push(trace);
    const last = trace.evals[trace.evals.length - 1];
    for (const [k, v] of Object.entries(last)) if (k !== 'step' && typeof v === 'number') metrics[`${prefix(label)}${k}`] = v;
    ctx.progress.note(resultLine(label, s, last, sampler));
  }
  if (traces.length === 0) throw new AllDiverged(failures);
  const s0 = cfg.settings[0].cfg;
  const files = [
    ...renderGanFigures({ ...cfg, settings: cfg.settings.filter((x) => traces.some((t) => t.label === x.label)) }, traces, samplerOf(s0.data), s0, ctx.out),
    ...arrayFiles,
  ];
  return { metrics, files, ...(failures.length ? { failures, rows: failureRows(failures) } : {}) };
}
