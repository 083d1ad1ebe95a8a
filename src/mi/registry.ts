/**
 * Estimator configs as data: a discriminated union resolved by an exhaustive switch. An unknown
 * kind or key is an error that names it and lists the valid ones.
 */
import { ConfigError, expectKeys, expectObject, num, str } from '../config/validate.js';
import type { MIEstimator } from './interface.js';
import { DvEstimator } from './dv.js';
import { EtaMine } from './etaMine.js';
import { EtaMineConvex } from './etaMineConvex.js';
import { InfoNceEstimator, JsEstimator, NwjEstimator, SmileEstimator } from './peers.js';
import { DEFAULT_REGULARIZER, DISTANCES, type RegularizerConfig } from './regularizer.js';

export const ESTIMATOR_KINDS = ['mine', 'mine-biased', 'nwj', 'mine-f', 'eta-mine', 'eta-mine-convex', 'remine', 'remine-j', 'infonce', 'smile', 'js'] as const;
export type EstimatorKind = (typeof ESTIMATOR_KINDS)[number];

export interface EstimatorConfig {
  kind: EstimatorKind;
  /** MINE's moving-average rate (mine: 0.01; remine: off unless given). */
  movingAverageRate?: number;
  /** ReMINE's drift regulariser; on by default for remine/remine-j, opt-in elsewhere. */
  regularizer?: RegularizerConfig | null;
  /** SMILE's clip τ (default 5, the SMILE paper's best value for 20-D Gaussians). */
  clip?: number;
  /** η-MINE's η block: an 'adam' step like a critic parameter (default), a bounded 'sgd' step, or 'exact' minimisation on the batch (src/mi/etaMine.ts). */
  etaUpdate?: 'exact' | 'sgd' | 'adam';
  /** η's learning rate for etaUpdate 'adam' (default 5e-4) or 'sgd' (default 0.05). */
  etaLearningRate?: number;
  /** convex η-MINE's ridge λ on the linear witness (default 1e-3; src/mi/etaMineConvex.ts). */
  l2?: number;
  /** convex η-MINE's marginal pairs per training row in its fit, (x_i, y_{i+s}) for s = 1..marginalShifts (default 4). */
  marginalShifts?: number;
  /** how many recent batches the windowed (macro and micro) averages use (default 100). */
  window?: number;
  /**
   * how marginal samples are formed: 'shuffle' pairs x_i with y_π(i) (MINE), 'matrix' scores all
   * n² pairs (SMILE's and InfoNCE's reference code). InfoNCE needs 'matrix'.
   */
  sampling?: 'shuffle' | 'matrix';
}

const COMMON = ['kind', 'regularizer', 'window', 'sampling'];
const KEYS: Record<EstimatorKind, string[]> = {
  mine: [...COMMON, 'movingAverageRate'],
  'mine-biased': COMMON,
  nwj: COMMON,
  'mine-f': COMMON,
  'eta-mine': [...COMMON, 'etaLearningRate', 'etaUpdate'],
  'eta-mine-convex': [...COMMON, 'etaLearningRate', 'etaUpdate', 'l2', 'marginalShifts'],
  remine: [...COMMON, 'movingAverageRate', 'lambda', 'target', 'distance'],
  'remine-j': [...COMMON, 'movingAverageRate', 'lambda', 'target', 'distance'],
  infonce: COMMON,
  smile: [...COMMON, 'clip'],
  js: COMMON,
};

function parseRegularizer(v: unknown, path: string): RegularizerConfig | null {
  if (v === undefined || v === null || v === false) return null;
  const o = expectObject(v, path);
  expectKeys(o, ['lambda', 'target', 'distance'], path);
  return {
    lambda: num(o, 'lambda', path, { default: DEFAULT_REGULARIZER.lambda, min: 0 }),
    target: num(o, 'target', path, { default: DEFAULT_REGULARIZER.target }),
    distance: str(o, 'distance', path, DISTANCES, DEFAULT_REGULARIZER.distance),
  };
}

/** Validates an estimator config from JSON. `{ "kind": "remine", "lambda": 0.1 }` style shorthands are accepted for ReMINE. */
export function parseEstimatorConfig(v: unknown, path = 'estimator'): EstimatorConfig {
  if (typeof v === 'string') v = { kind: v };
  const o = expectObject(v, path);
  const kind = o.kind;
  if (typeof kind !== 'string' || !(ESTIMATOR_KINDS as readonly string[]).includes(kind)) {
    throw new ConfigError(`${path}.kind: unknown estimator ${JSON.stringify(kind)}; expected one of ${ESTIMATOR_KINDS.join(', ')}`);
  }
  const k = kind as EstimatorKind;
  expectKeys(o, KEYS[k], path);
  const cfg: EstimatorConfig = { kind: k, window: num(o, 'window', path, { default: 100, integer: true, min: 1 }) };
  if (o.sampling !== undefined) cfg.sampling = str(o, 'sampling', path, ['shuffle', 'matrix'] as const);
  if (k === 'infonce' && cfg.sampling === 'shuffle') throw new ConfigError(`${path}.sampling: infonce needs "matrix" (it scores every pair of the batch)`);
  if (o.movingAverageRate !== undefined) cfg.movingAverageRate = num(o, 'movingAverageRate', path, { exclusiveMin: 0, max: 1 });
  if (k === 'remine' || k === 'remine-j') {
    const shorthand = { lambda: o.lambda, target: o.target, distance: o.distance };
    const base = o.regularizer !== undefined ? o.regularizer : shorthand;
    cfg.regularizer = parseRegularizer(base ?? {}, `${path}.regularizer`) ?? { ...DEFAULT_REGULARIZER };
  } else {
    cfg.regularizer = parseRegularizer(o.regularizer, `${path}.regularizer`);
  }
  if (k === 'smile') cfg.clip = num(o, 'clip', path, { default: 5, exclusiveMin: 0 });
  if (k === 'eta-mine' || k === 'eta-mine-convex') {
    cfg.etaUpdate = str(o, 'etaUpdate', path, ['exact', 'sgd', 'adam'] as const, 'adam');
    cfg.etaLearningRate = num(o, 'etaLearningRate', path, { default: cfg.etaUpdate === 'sgd' ? 0.05 : 5e-4, exclusiveMin: 0 });
  }
  if (k === 'eta-mine-convex') {
    cfg.l2 = num(o, 'l2', path, { default: 1e-3, min: 0 });
    cfg.marginalShifts = num(o, 'marginalShifts', path, { default: 4, integer: true, min: 1 });
  }
  return cfg;
}

/** Builds the estimator a config describes. */
export function createEstimator(cfg: EstimatorConfig): MIEstimator {
  const reg = cfg.regularizer ?? null;
  switch (cfg.kind) {
    case 'mine':
      return new DvEstimator('mine', { movingAverageRate: cfg.movingAverageRate ?? 0.01, regularizer: reg, report: 'bound' }, cfg.sampling);
    case 'mine-biased':
      return new DvEstimator('mine-biased', { movingAverageRate: null, regularizer: reg, report: 'bound' }, cfg.sampling);
    case 'nwj':
    case 'mine-f':
      return new NwjEstimator(reg, cfg.sampling);
    case 'eta-mine':
      return new EtaMine(reg, cfg.sampling, cfg.etaUpdate, cfg.etaLearningRate);
    case 'eta-mine-convex':
      return new EtaMineConvex(reg, cfg.sampling, cfg.etaUpdate, cfg.etaLearningRate, { l2: cfg.l2 ?? 1e-3, shifts: cfg.marginalShifts ?? 4 });
    case 'remine':
      return new DvEstimator('remine', { movingAverageRate: cfg.movingAverageRate ?? null, regularizer: reg ?? DEFAULT_REGULARIZER, report: 'bound' }, cfg.sampling);
    case 'remine-j':
      return new DvEstimator('remine-j', { movingAverageRate: cfg.movingAverageRate ?? null, regularizer: reg ?? DEFAULT_REGULARIZER, report: 'joint' }, cfg.sampling);
    case 'infonce':
      return new InfoNceEstimator(reg);
    case 'smile':
      return new SmileEstimator(cfg.clip ?? 5, reg, cfg.sampling);
    case 'js':
      return new JsEstimator(reg, cfg.sampling);
    default: {
      const never: never = cfg.kind;
      throw new ConfigError(`estimator.kind: unknown estimator ${JSON.stringify(never)}; expected one of ${ESTIMATOR_KINDS.join(', ')}`);
    }
  }
}
