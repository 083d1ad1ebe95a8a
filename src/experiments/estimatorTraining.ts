/**
 * One estimator of the MI benchmark trained on one setting, in this process or in a worker
 * (src/experiments/miWorkers.ts): its rows, its logged curve and its per-step estimates.
 */
import { estimateStats } from '../eval/miStats.js';
import { createEstimator } from '../mi/registry.js';
import type { Pooling } from '../mi/baseEstimator.js';
import { WindowedEstimate } from '../mi/window.js';
import { createCritic } from '../nets/critics.js';
import { DEFAULT_DIVERGENCE_LIMIT, runLoop } from '../train/loop.js';
import { miTrainStep } from '../mi/miStep.js';
import { createOptimizer } from '../train/optimizer.js';
import { withCleanup } from '../util/cleanup.js';
import { deriveSeed } from '../util/hash.js';
import { Rng } from '../util/rng.js';
import type { Progress, RunFailure } from './context.js';
import { recordDivergence } from './failures.js';
import type { MiCurve } from './miFigures.js';
import { labelOfEstimator, samplerOf, type MiBenchmarkConfig, type MiSetting } from './miBenchmarkConfig.js';

/** Contiguous runs of equal true MI: [start, end) per level. */
function levelsOf(trueMI: Float64Array): { start: number; end: number; value: number }[] {
  const out: { start: number; end: number; value: number }[] = [];
  for (let i = 0; i < trueMI.length; i++) {
    if (out.length === 0 || out[out.length - 1].value !== trueMI[i]) out.push({ start: i, end: i + 1, value: trueMI[i] });
    else out[out.length - 1].end = i + 1;
  }
  return out;
}

/**
 * The numbers the divergence guard watches: the estimate and the critic's mean outputs (E_P[T] and
 * log E_Q[e^T], the two DV terms). A DV-family critic that runs off moves them first.
 */
const GUARDED = ['estimate', 'mi', 'jointTerm', 'logMeanExpMarginal'] as const;

/** What one estimator's training needs of its run: the seed, the stop flag, progress, the divergence limit and where metrics go. */
export interface EstimatorRunContext {
  seed: number;
  shouldStop(): boolean;
  progress: Progress;
  divergenceLimit?: number;
  appendMetrics(record: Record<string, unknown>): void;
}

/** One estimator trained on one setting: its table rows, logged curve, per-step estimates, and its divergence (null: none). */
export interface EstimatorRun {
  label: string;
  rows: Record<string, unknown>[];
  trace: MiCurve;
  /** the per-batch estimate of every step (NaN for steps not run). */
  estimates: Float64Array<ArrayBuffer>;
  failure: RunFailure | null;
}

/**
 * Trains estimator `ei` of `cfg` on one setting. The same data stream and critic initialisation for
 * every estimator of a setting (common random numbers): the seeds come from the run's seed and the
 * setting, not from the estimator, so estimators can train in any order or in separate processes
 * (src/experiments/miWorkers.ts) and give the same numbers.
 */
export async function trainEstimator(cfg: MiBenchmarkConfig, setting: MiSetting, ei: number, ctx: EstimatorRunContext): Promise<EstimatorRun> {
  const sampler = samplerOf(setting.data);
  const steps = setting.steps;
  const est = cfg.estimators[ei];
  const criticCfg = cfg.estimatorCritics[ei] ?? cfg.critic;
  const estLabel = labelOfEstimator(est, cfg.estimatorCritics[ei]);
  const base = new Rng(deriveSeed(ctx.seed, setting.label));
  const criticRng = base.split();
  const dataRng = base.split();
  const permRng = base.split();
  const critic = createCritic(criticCfg, sampler.dx, sampler.dy, criticRng);
  const estimator = createEstimator(est);
  const optimizer = createOptimizer(cfg.optimizer);
  const window = new WindowedEstimate(est.window ?? 100, (estimator as unknown as { pooling: Pooling }).pooling);
  // NaN after a divergence: the steps never run
  const estimates = new Float64Array(steps).fill(NaN);
  const truth = new Float64Array(steps);
  const trace: MiCurve = {
    setting: setting.label,
    estimator: estLabel,
    steps: [],
    trueMI: [],
    estimate: [],
    macro: [],
    micro: [],
    jointTerm: [],
    logMeanExpMarginal: [],
  };
  const microAtLevelEnd = new Map<number, number | null>();
  ctx.progress.start(`${setting.label} ${estLabel}`, steps);
  const train = () =>
    runLoop({
      steps,
      logEvery: cfg.logEvery,
      shouldStop: ctx.shouldStop,
      divergence: { fields: GUARDED, limit: ctx.divergenceLimit ?? DEFAULT_DIVERGENCE_LIMIT },
      onProgress: (d, t) => ctx.progress.tick(d, t),
      step: (i) => {
        const t = sampler.trueMI(i) ?? NaN;
        const r = miTrainStep({ critic, estimator, optimizer }, sampler.sample(setting.batchSize, dataRng, i), permRng);
        const w = window.push(r);
        estimates[i] = r.estimate;
        truth[i] = t;
        if (i + 1 === steps || sampler.trueMI(i + 1) !== t) microAtLevelEnd.set(i, w.micro);
        return { ...r, macro: w.macro, micro: w.micro ?? NaN, trueMI: t };
      },
      allowNonFinite: ['micro', 'trueMI'],
      onLog: (i, n) => {
        ctx.appendMetrics({
          setting: setting.label,
          estimator: estLabel,
          step: i,
          ...n,
          micro: n.micro === undefined || Number.isNaN(n.micro) ? null : n.micro,
        });
        trace.steps.push(i);
        trace.trueMI.push(n.trueMI);
        trace.estimate.push(n.estimate);
        trace.macro.push(n.macro);
        trace.micro.push(Number.isNaN(n.micro) ? null : n.micro);
        trace.jointTerm.push(n.jointTerm);
        trace.logMeanExpMarginal.push(n.logMeanExpMarginal);
      },
    });
  const failures: RunFailure[] = [];
  try {
    // a failing dispose() after a real error (a wasm heap left broken) must not replace it
    await withCleanup(train, () => {
      critic.dispose();
      estimator.dispose();
      optimizer.dispose();
      ctx.progress.done();
    });
  } catch (e) {
    if (!recordDivergence(e, { setting: setting.label, estimator: estLabel }, failures, ctx.progress)) throw e;
  }
  const rows: Record<string, unknown>[] = [];
  const failure = failures[0] ?? null;
  if (failure) {
    // one marked row per level of the setting: the table still says which cells are missing, and why
    const all = Float64Array.from({ length: steps }, (_, i) => sampler.trueMI(i) ?? NaN);
    for (const lv of levelsOf(all)) {
      rows.push({
        setting: setting.label,
        ...setting.values,
        estimator: estLabel,
        trueMI: lv.value,
        mean: null,
        bias: null,
        variance: null,
        mse: null,
        micro: null,
        n: 0,
        diverged: { step: failure.step, quantity: failure.quantity, value: failure.value },
      });
    }
    return { label: estLabel, rows, trace, estimates, failure };
  }
  for (const lv of levelsOf(truth)) {
    const len = lv.end - lv.start;
    const from = lv.start + (cfg.evaluation.skip < len ? cfg.evaluation.skip : Math.floor(len / 2));
    const s = estimateStats(estimates.subarray(from, lv.end), lv.value);
    rows.push({
      setting: setting.label,
      ...setting.values,
      estimator: estLabel,
      trueMI: lv.value,
      mean: s.mean,
      bias: s.bias,
      variance: s.variance,
      mse: s.mse,
      micro: microAtLevelEnd.get(lv.end - 1) ?? null,
      n: s.n,
    });
    ctx.progress.note(
      `${setting.label} ${estLabel} I=${lv.value.toFixed(3)}: mean ${s.mean.toFixed(3)} bias ${s.bias.toFixed(3)} var ${s.variance.toFixed(4)} mse ${s.mse.toFixed(4)}`,
    );
  }
  return { label: estLabel, rows, trace, estimates, failure: null };
}
