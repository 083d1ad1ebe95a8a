/** Optimizer configs as data. */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, expectKeys, expectObject, num, str } from '../config/validate.js';

export const OPTIMIZER_KINDS = ['adam', 'sgd', 'rmsprop'] as const;
export interface OptimizerConfig {
  kind: (typeof OPTIMIZER_KINDS)[number];
  learningRate: number;
  beta1?: number;
  beta2?: number;
}

export function parseOptimizerConfig(v: unknown, path: string, defaults: Partial<OptimizerConfig> = {}): OptimizerConfig {
  const o = expectObject(v ?? {}, path);
  expectKeys(o, ['kind', 'learningRate', 'beta1', 'beta2'], path);
  const kind = str(o, 'kind', path, OPTIMIZER_KINDS, defaults.kind ?? 'adam');
  const cfg: OptimizerConfig = { kind, learningRate: num(o, 'learningRate', path, { default: defaults.learningRate, exclusiveMin: 0 }) };
  if (kind === 'adam') {
    cfg.beta1 = num(o, 'beta1', path, { default: defaults.beta1 ?? 0.9, min: 0, max: 1 });
    cfg.beta2 = num(o, 'beta2', path, { default: defaults.beta2 ?? 0.999, min: 0, max: 1 });
  } else if (o.beta1 !== undefined || o.beta2 !== undefined) {
    throw new ConfigError(`${path}: beta1/beta2 apply only to kind "adam"`);
  }
  return cfg;
}

export function createOptimizer(cfg: OptimizerConfig): tf.Optimizer {
  switch (cfg.kind) {
    case 'adam':
      return tf.train.adam(cfg.learningRate, cfg.beta1 ?? 0.9, cfg.beta2 ?? 0.999, 1e-8);
    case 'sgd':
      return tf.train.sgd(cfg.learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(cfg.learningRate);
  }
}
