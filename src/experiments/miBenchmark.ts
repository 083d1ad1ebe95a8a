/**
 * The MI-estimation benchmark task: train each estimator's critic on data with known MI and report
 * bias, variance and MSE against the truth (MINE Fig. 1; Poole et al. Fig. 2; ReMINE Table 1).
 * `vary` runs the same benchmark over settings (ρ values, batch sizes, …), each a cell of
 * estimators that share the data stream and critic initialisation (common random numbers).
 */
import { checkFitsMemory, ConfigError, expectKeys, expectObject, isObject, num, posInt, str } from '../config/validate.js';
import { correlatedGaussians, gaussianStaircase } from '../data/correlatedGaussians.js';
import { oneHotPairs } from '../data/oneHot.js';
import type { PairSampler } from '../data/types.js';
import { estimateStats } from '../eval/miStats.js';
import { ksgMutualInformation } from '../mi/ksg.js';
import { createEstimator, parseEstimatorConfig, type EstimatorConfig } from '../mi/registry.js';
import type { Pooling } from '../mi/baseEstimator.js';
import { WindowedEstimate } from '../mi/window.js';
import { createCritic, type CriticConfig } from '../nets/critics.js';
import { parseCriticConfig } from './criticConfig.js';
import { DEFAULT_DIVERGENCE_LIMIT, runLoop } from '../train/loop.js';
import { miTrainStep } from '../train/miStep.js';
import { createOptimizer, parseOptimizerConfig, type OptimizerConfig } from '../train/optimizer.js';
import { withCleanup } from '../util/cleanup.js';
import { deriveSeed } from '../util/hash.js';
import { Rng } from '../util/rng.js';
import type { Progress, RunContext, RunFailure, TaskResult } from './context.js';
import { trainInWorkers } from './miWorkers.js';
import { ArrayExports } from './arrayExports.js';
import { AllDiverged, recordDivergence } from './failures.js';
import { cartesian, labelOf, setPath } from './paths.js';
import { parseFigureOptions, type FigureOptions } from './figureOutput.js';
import { renderMiFigures, type MiCurve } from './miFigures.js';
import { REFERENCE_SETS } from './referenceNumbers.js';
import { referenceComparisonMarkdown } from './referenceTable.js';

export type MiDataConfig =
  | { kind: 'gaussian'; dim: number; rho: number }
  | { kind: 'staircase'; dim: number; levels: number[]; stepsPerLevel: number; cubic: boolean }
  | { kind: 'onehot'; categories: number };

export interface MiSetting {
  label: string;
  data: MiDataConfig;
  batchSize: number;
  steps: number;
  /** the value of each varied field, for plots against it. */
  values: Record<string, unknown>;
}

export interface MiBenchmarkConfig {
  name: string;
  task: 'mi-benchmark';
  description?: string;
  seed: number;
  steps: number;
  logEvery: number;
  batchSize: number;
  data: MiDataConfig;
  vary: { path: string; values: unknown[] }[];
  estimators: EstimatorConfig[];
  /** per-estimator critic (an estimator entry's "critic" key), else the experiment's `critic`. */
  estimatorCritics: (CriticConfig | null)[];
  baselines: { kind: 'ksg'; samples: number; k: number; repeats: number }[];
  critic: CriticConfig;
  optimizer: OptimizerConfig;
  /** steps skipped at the start of each MI level before statistics are taken (adaptation). */
  evaluation: { skip: number };
  /** a set of published numbers (src/experiments/referenceNumbers.ts) that table.md prints beside ours. */
  reference?: string;
  /**
   * how many estimators train at once, each in its own child process (src/experiments/miWorkers.ts)
   * with cores ÷ workers OpenBLAS threads unless OPENBLAS_NUM_THREADS is set; 1: one after the
   * other in this process. The numbers are the same either way at the same thread count.
   */
  workers: number;
  /** the raw JSON this was parsed from: each setting re-parses it with its `vary` values applied. */
  source: Record<string, unknown>;
  figures: FigureOptions;
}

const TOP_KEYS = [
  'name',
  'task',
  'description',
  'seed',
  'steps',
  'logEvery',
  'batchSize',
  'data',
  'vary',
  'estimators',
  'baselines',
  'critic',
  'optimizer',
  'evaluation',
  'reference',
  'figures',
  'workers',
];

function parseData(v: unknown, steps: number): MiDataConfig {
  const o = expectObject(v, 'data');
  const kind = str(o, 'kind', 'data', ['gaussian', 'staircase', 'onehot'] as const);
  switch (kind) {
    case 'gaussian':
      expectKeys(o, ['kind', 'dim', 'rho'], 'data');
      return { kind, dim: posInt(o, 'dim', 'data'), rho: num(o, 'rho', 'data', { min: -0.999999, max: 0.999999 }) };
    case 'staircase': {
      expectKeys(o, ['kind', 'dim', 'levels', 'stepsPerLevel', 'cubic'], 'data');
      const levels = o.levels;
      if (!Array.isArray(levels) || levels.length === 0 || levels.some((l) => typeof l !== 'number' || !(l > 0))) {
        throw new ConfigError(`data.levels must be a non-empty list of positive MI values (nats), got ${JSON.stringify(levels)}`);
      }
      const per = o.stepsPerLevel === undefined ? Math.max(1, Math.floor(steps / levels.length)) : posInt(o, 'stepsPerLevel', 'data');
      if (o.cubic !== undefined && typeof o.cubic !== 'boolean') throw new ConfigError(`data.cubic must be true or false, got ${JSON.stringify(o.cubic)}`);
      return { kind, dim: posInt(o, 'dim', 'data'), levels: levels as number[], stepsPerLevel: per, cubic: o.cubic === true };
    }
    case 'onehot':
      expectKeys(o, ['kind', 'categories'], 'data');
      return { kind, categories: num(o, 'categories', 'data', { integer: true, min: 2 }) };
  }
}

const parseCritic = (v: unknown) => parseCriticConfig(v, 'critic');

function parseVary(v: unknown): { path: string; values: unknown[] }[] {
  if (v === undefined) return [];
  const o = expectObject(v, 'vary');
  return Object.entries(o).map(([path, values]) => {
    if (!Array.isArray(values) || values.length === 0) throw new ConfigError(`vary.${path} must be a non-empty list of values, got ${JSON.stringify(values)}`);
    if (!/^(data\.[a-zA-Z]+|batchSize|steps)$/.test(path)) {
      throw new ConfigError(`vary.${path}: only data.<field>, batchSize and steps can be varied`);
    }
    return { path, values };
  });
}

/** Validates a raw mi-benchmark config (from JSON, after CLI overrides). */
export function parseMiBenchmark(raw: Record<string, unknown>): MiBenchmarkConfig {
  expectKeys(raw, TOP_KEYS, '');
  const steps = posInt(raw, 'steps', '');
  const estimatorsRaw = raw.estimators;
  if (!Array.isArray(estimatorsRaw) || estimatorsRaw.length === 0) {
    throw new ConfigError(`estimators must be a non-empty list of estimator configs, got ${JSON.stringify(estimatorsRaw)}`);
  }
  const baselines = Array.isArray(raw.baselines) ? raw.baselines : raw.baselines === undefined ? [] : null;
  if (baselines === null) throw new ConfigError(`baselines must be a list, got ${JSON.stringify(raw.baselines)}`);
  const evaluation = expectObject(raw.evaluation ?? {}, 'evaluation');
  expectKeys(evaluation, ['skip'], 'evaluation');
  const cfg: MiBenchmarkConfig = {
    name: String(raw.name),
    task: 'mi-benchmark',
    description: typeof raw.description === 'string' ? raw.description : undefined,
    seed: num(raw, 'seed', '', { default: 0, integer: true, min: 0 }),
    steps,
    logEvery: posInt(raw, 'logEvery', '', 10),
    batchSize: num(raw, 'batchSize', '', { default: 64, integer: true, min: 2 }),
    data: parseData(raw.data, steps),
    vary: parseVary(raw.vary),
    estimators: estimatorsRaw.map((e, i) => {
      if (isObject(e) && 'critic' in e) {
        const { critic: _c, ...rest } = e;
        return parseEstimatorConfig(rest, `estimators[${i}]`);
      }
      return parseEstimatorConfig(e, `estimators[${i}]`);
    }),
    estimatorCritics: estimatorsRaw.map((e) => (isObject(e) && 'critic' in e ? parseCritic(e.critic) : null)),
    baselines: baselines.map((b, i) => {
      const o = expectObject(typeof b === 'string' ? { kind: b } : b, `baselines[${i}]`);
      expectKeys(o, ['kind', 'samples', 'k', 'repeats'], `baselines[${i}]`);
      str(o, 'kind', `baselines[${i}]`, ['ksg'] as const);
      return {
        kind: 'ksg' as const,
        samples: posInt(o, 'samples', `baselines[${i}]`, 1000),
        k: posInt(o, 'k', `baselines[${i}]`, 3),
        repeats: posInt(o, 'repeats', `baselines[${i}]`, 3),
      };
    }),
    critic: parseCritic(raw.critic),
    optimizer: parseOptimizerConfig(raw.optimizer, 'optimizer', { learningRate: 5e-4 }),
    evaluation: { skip: num(evaluation, 'skip', 'evaluation', { default: 0, integer: true, min: 0 }) },
    ...(raw.reference !== undefined ? { reference: str(raw, 'reference', '', Object.keys(REFERENCE_SETS)) } : {}),
    source: raw,
    figures: parseFigureOptions(raw.figures),
    workers: posInt(raw, 'workers', '', 1),
  };
  const kinds = cfg.estimators.map((e, i) => labelOfEstimator(e, cfg.estimatorCritics[i]));
  const dup = kinds.find((k, i) => kinds.indexOf(k) !== i);
  if (dup) throw new ConfigError(`estimators: "${dup}" appears twice; give the second one different settings`);
  // Every setting must itself be valid, and fit in memory: check now, not halfway through the run.
  for (const s of settingsOf(cfg)) checkMemory(cfg, s);
  return cfg;
}

/** Bytes per step kept for the statistics: the estimate and the true MI (float64 each). */
const BYTES_PER_STEP = 16;

/**
 * The largest allocations of a setting against what a run can allocate: the per-step arrays, and
 * each critic's first layer with its gradient and Adam's two slots (4 copies of float32) next to
 * the batch (x, y, shuffled y, their concatenation). `data.dim: 1e7` fails here, naming the field,
 * not after minutes with "memory access out of bounds".
 */
function checkMemory(cfg: MiBenchmarkConfig, s: MiSetting): void {
  checkFitsMemory('steps', s.steps, s.steps * BYTES_PER_STEP, 'the per-step estimates and true MI (16 bytes a step)');
  const d = s.data;
  const field = d.kind === 'onehot' ? 'data.categories' : 'data.dim';
  const dim = d.kind === 'onehot' ? d.categories : d.dim;
  for (const [i, e] of cfg.estimators.entries()) {
    const c = cfg.estimatorCritics[i] ?? cfg.critic;
    const firstLayer = c.kind === 'bilinear' ? dim * dim : 2 * dim * (c.hidden[0] ?? 1);
    // 'matrix' sampling scores all n² pairs: the concat critic's first layer sees n² rows
    const rows = e.sampling === 'matrix' || e.kind === 'infonce' ? s.batchSize * s.batchSize : s.batchSize;
    const activations = c.kind === 'bilinear' ? rows : rows * (c.hidden[0] ?? 1);
    const bytes = 4 * (4 * firstLayer + 4 * s.batchSize * 2 * dim + activations);
    checkFitsMemory(
      field,
      dim,
      bytes,
      `the critic of ${labelOfEstimator(e, cfg.estimatorCritics[i])} (its first layer, gradient and Adam state, and the batch)`,
    );
  }
}

/** A readable, unique label: the kind plus any non-default knobs (remine(lambda=0.5)). */
export function labelOfEstimator(e: EstimatorConfig, critic: CriticConfig | null = null): string {
  const extras: string[] = [];
  if (critic) extras.push(critic.kind);
  if (e.sampling) extras.push(e.sampling);
  if (e.regularizer && e.kind !== 'remine' && e.kind !== 'remine-j') extras.push(`reg=${e.regularizer.lambda}`);
  if ((e.kind === 'remine' || e.kind === 'remine-j') && e.regularizer && e.regularizer.lambda !== 0.1) extras.push(`lambda=${e.regularizer.lambda}`);
  if (e.movingAverageRate !== undefined && e.movingAverageRate !== 0.01) extras.push(`rate=${e.movingAverageRate}`);
  if (e.kind === 'smile' && e.clip !== 5) extras.push(`tau=${e.clip}`);
  if ((e.kind === 'eta-mine' || e.kind === 'eta-mine-convex') && e.etaUpdate && e.etaUpdate !== 'adam')
    extras.push(e.etaUpdate === 'sgd' ? `sgd lr=${e.etaLearningRate}` : e.etaUpdate);
  return extras.length ? `${e.kind}(${extras.join(',')})` : e.kind;
}

export function settingsOf(cfg: MiBenchmarkConfig): MiSetting[] {
  return cartesian(cfg.vary).map((combo) => {
    const copy = JSON.parse(JSON.stringify(cfg.source)) as Record<string, unknown>;
    for (const c of combo) setPath(copy, c.path, c.value);
    const steps = copy.steps === undefined ? cfg.steps : posInt(copy, 'steps', '');
    const data = parseData(copy.data, steps);
    const batchSize = copy.batchSize === undefined ? cfg.batchSize : num(copy, 'batchSize', '', { integer: true, min: 2 });
    return { label: labelOf(combo), data, batchSize, steps, values: Object.fromEntries(combo.map((c) => [c.path, c.value])) };
  });
}

export function samplerOf(d: MiDataConfig): PairSampler {
  switch (d.kind) {
    case 'gaussian':
      return correlatedGaussians({ dim: d.dim, rho: d.rho });
    case 'staircase':
      return gaussianStaircase({ dim: d.dim, levels: d.levels, stepsPerLevel: d.stepsPerLevel, cubic: d.cubic });
    case 'onehot':
      return oneHotPairs({ categories: d.categories });
  }
}

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

export async function runMiBenchmark(cfg: MiBenchmarkConfig, ctx: RunContext): Promise<TaskResult> {
  const settings = settingsOf(cfg);
  const rows: Record<string, unknown>[] = [];
  const traces: MiCurve[] = [];
  const files: string[] = [];
  const failures: RunFailure[] = [];
  let finished = 0;
  /** the workers' OpenBLAS threads, for table.md (run.json records the parent's); null: in-process */
  let workerThreads: string | null = null;
  // per-step estimates (step × estimator) as .npy, for analysis in Python
  const arrays = new ArrayExports(ctx.out, settings.length);
  const runCtx: EstimatorRunContext = {
    seed: ctx.seed,
    shouldStop: ctx.shouldStop,
    progress: ctx.progress,
    divergenceLimit: ctx.divergenceLimit,
    appendMetrics: (r) => ctx.out.appendMetrics(r),
  };
  for (const [si, setting] of settings.entries()) {
    const sampler = samplerOf(setting.data);
    const perStep = [{ name: 'trueMI', values: Float64Array.from({ length: setting.steps }, (_, i) => sampler.trueMI(i) ?? NaN) }];
    const steps = setting.steps;
    // in estimator order whichever way they ran: the same files from one process or several
    let runs: EstimatorRun[] = [];
    if (cfg.workers > 1 && cfg.estimators.length > 1) ({ runs, threads: workerThreads } = await trainInWorkers(cfg, si, setting, runCtx, ctx.backend.name));
    else for (let ei = 0; ei < cfg.estimators.length; ei++) runs.push(await trainEstimator(cfg, setting, ei, runCtx));
    for (const run of runs) {
      perStep.push({ name: run.label, values: run.estimates });
      traces.push(run.trace);
      rows.push(...run.rows);
      if (run.failure) failures.push(run.failure);
      else finished++;
    }
    files.push(
      arrays.perStep('estimates', setting.label, perStep, "training steps; columns: the step, the true MI, then each estimator's per-batch estimate (nats)"),
    );
    for (const b of cfg.baselines) {
      const base = new Rng(deriveSeed(ctx.seed, `${setting.label}/ksg`));
      const levelStarts = new Map<number, number>();
      for (let i = 0; i < steps; i++) {
        const t = sampler.trueMI(i) ?? NaN;
        if (!levelStarts.has(t)) levelStarts.set(t, i);
      }
      for (const [t, step] of levelStarts) {
        const vals: number[] = [];
        for (let r = 0; r < b.repeats; r++) {
          const batch = sampler.sample(b.samples, base, step);
          vals.push(ksgMutualInformation(batch.x, batch.y, batch.n, batch.dx, batch.dy, { k: b.k }));
        }
        const s = estimateStats(vals, t);
        rows.push({
          setting: setting.label,
          ...setting.values,
          estimator: `ksg(k=${b.k},n=${b.samples})`,
          trueMI: t,
          mean: s.mean,
          bias: s.bias,
          variance: s.variance,
          mse: s.mse,
          micro: null,
          n: s.n,
        });
        ctx.progress.note(`${setting.label} ksg I=${t.toFixed(3)}: mean ${s.mean.toFixed(3)} (${b.repeats} repeats of ${b.samples} samples)`);
      }
    }
  }
  // Flat metrics for sweeps: per estimator, averaged over its rows.
  // (an estimator that diverged in some setting has no figure: an average over the rest would mislead)
  const metrics: Record<string, number> = {};
  const byEst = new Map<string, Record<string, unknown>[]>();
  for (const r of rows) byEst.set(r.estimator as string, [...(byEst.get(r.estimator as string) ?? []), r]);
  for (const [e, rs] of byEst) {
    if (rs.some((r) => r.diverged)) continue;
    for (const k of ['bias', 'variance', 'mse'] as const) metrics[`${e}.${k}`] = rs.reduce((a, r) => a + (r[k] as number), 0) / rs.length;
  }
  files.push(ctx.out.write('table.md', miTableMarkdown(cfg, rows, workerThreads)));
  files.push(ctx.out.writeJson('table.json', rows));
  files.push(...renderMiFigures(cfg, settings, traces, rows, ctx.out));
  if (finished === 0 && failures.length > 0 && cfg.baselines.length === 0) throw new AllDiverged(failures);
  return { metrics, rows, files, ...(failures.length ? { failures } : {}) };
}

/** The results table; `workerThreads`: the OpenBLAS threads of each worker process when estimators trained in workers. */
export function miTableMarkdown(cfg: MiBenchmarkConfig, rows: Record<string, unknown>[], workerThreads: string | null = null): string {
  const f = (v: unknown, d = 3) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : v === null || v === undefined ? '–' : String(v));
  const lines = [
    `# ${cfg.name}: MI estimates against the truth`,
    '',
    `Statistics over the per-batch estimates of each level (first ${cfg.evaluation.skip} steps of a level skipped); micro = windowed micro-average at the level's last step.`,
    '',
    ...(workerThreads === null
      ? []
      : [
          `Estimators trained ${cfg.workers} at a time in child processes, OPENBLAS_NUM_THREADS=${workerThreads} each (run.json's thread count is this process's).`,
          '',
        ]),
    '| setting | estimator | true MI | mean | bias | variance | MSE | micro |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const d = r.diverged as { step: number; quantity: string; value: number } | undefined;
    if (d) {
      const v = Number.isFinite(d.value) ? d.value.toPrecision(3) : String(d.value);
      lines.push(`| ${r.setting} | ${r.estimator} | ${f(r.trueMI)} | **diverged** at step ${d.step} (${d.quantity} = ${v}) | – | – | – | – |`);
    } else {
      lines.push(`| ${r.setting} | ${r.estimator} | ${f(r.trueMI)} | ${f(r.mean)} | ${f(r.bias)} | ${f(r.variance, 4)} | ${f(r.mse, 4)} | ${f(r.micro)} |`);
    }
  }
  if (rows.some((r) => r.diverged))
    lines.push(
      '',
      `Diverged: the estimate or a mean critic output left ±divergenceLimit nats (or became NaN/∞); that estimator was stopped, the others ran to the end.`,
    );
  if (cfg.reference) lines.push('', referenceComparisonMarkdown(cfg.reference, REFERENCE_SETS[cfg.reference], rows));
  return lines.join('\n') + '\n';
}
