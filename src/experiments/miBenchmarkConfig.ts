/**
 * The MI-estimation benchmark's experiment format: data with known MI, the estimators and their
 * critics, `vary` over settings; parsed and checked (memory included) before anything runs.
 */
import { checkFitsMemory, ConfigError, expectKeys, expectObject, isObject, num, posInt, str } from '../config/validate.js';
import { correlatedGaussians, gaussianStaircase } from '../data/correlatedGaussians.js';
import { oneHotPairs } from '../data/oneHot.js';
import type { PairSampler } from '../data/types.js';
import { parseEstimatorConfig, type EstimatorConfig } from '../mi/registry.js';
import type { CriticConfig } from '../nets/critics.js';
import { parseCriticConfig } from './criticConfig.js';
import { parseOptimizerConfig, type OptimizerConfig } from '../train/optimizer.js';
import { cartesian, labelOf, setPath } from './paths.js';
import { parseFigureOptions, type FigureOptions } from './figureOutput.js';
import { REFERENCE_SETS } from './referenceNumbers.js';

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
