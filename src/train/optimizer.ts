/** Optimizer configs as data. */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { obj, parseWith, positive } from '../config/schemaTools.js';
import { ConfigError } from '../config/validate.js';
import { betaAt, type BetaSchedule } from './betaSchedule.js';

export const OPTIMIZER_KINDS = ['adam', 'sgd', 'rmsprop'] as const;
export interface OptimizerConfig {
  kind: (typeof OPTIMIZER_KINDS)[number];
  learningRate: number;
  beta1?: number;
  beta2?: number;
}

const unit = () => z.number().min(0).max(1);
const learningRate = positive()
  .optional()
  .describe("the step size. Default: the task's (and for mi.optimizer, discriminator.optimizer: this run's optimizer's).");

/** An optimizer as JSON; the learning rate (and Adam's β's) default to the task's choice, so they carry no default here. */
export const optimizerSchema = z
  .discriminatedUnion(
    'kind',
    [
      obj({
        kind: z.literal('adam').optional().describe('Adam (Kingma & Ba), the default.'),
        learningRate,
        beta1: unit().optional().describe("Adam's β₁ (first-moment decay). Default: the task's (0.5 for the GAN-style tasks), else 0.9."),
        beta2: unit().optional().describe("Adam's β₂ (second-moment decay). Default: 0.999."),
      }),
      obj({ kind: z.literal('sgd').describe('plain gradient descent.'), learningRate }),
      obj({ kind: z.literal('rmsprop').describe('RMSProp.'), learningRate }),
    ],
    {
      error: (iss) =>
        iss.code === 'invalid_union'
          ? `unknown optimizer ${JSON.stringify((iss.input as { kind?: unknown }).kind)}; expected one of ${OPTIMIZER_KINDS.join(', ')}`
          : undefined,
    },
  )
  .describe('an optimizer: { "kind": "adam" | "sgd" | "rmsprop", "learningRate", … } (beta1/beta2 for adam only).')
  .meta({ id: 'optimizer' });

export function parseOptimizerConfig(v: unknown, path: string, defaults: Partial<OptimizerConfig> = {}): OptimizerConfig {
  const o = parseWith(optimizerSchema, v ?? {}, path) as { kind?: OptimizerConfig['kind']; learningRate?: number; beta1?: number; beta2?: number };
  const kind = o.kind ?? defaults.kind ?? 'adam';
  const learningRate = o.learningRate ?? defaults.learningRate;
  if (learningRate === undefined) throw new ConfigError(`${path}.learningRate is required (a number)`);
  const cfg: OptimizerConfig = { kind, learningRate };
  if (kind === 'adam') {
    cfg.beta1 = o.beta1 ?? defaults.beta1 ?? 0.9;
    cfg.beta2 = o.beta2 ?? defaults.beta2 ?? 0.999;
  } else if (o.beta1 !== undefined || o.beta2 !== undefined) {
    // no kind given, and the inherited one is not Adam
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

/**
 * Sets an optimizer's learning rate for its next steps (a schedule). tfjs optimizers read the
 * field at every applyGradients (SGD keeps it as a tensor, set through its own setter); a no-op
 * when the rate is unchanged.
 */
export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  if (!(lr > 0) || !Number.isFinite(lr)) throw new Error(`learning rate must be a positive number, got ${lr}`);
  const o = opt as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (o.learningRate === lr) return;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/**
 * A learningRateSchedule at `step`: sets each optimizer (null: absent, skipped) to its base rate ×
 * the schedule's factor, and returns the factor; without a schedule sets nothing and returns 1.
 */
export function applyRateSchedule(schedule: BetaSchedule | null, step: number, rates: readonly (readonly [tf.Optimizer | null, number])[]): number {
  if (!schedule) return 1;
  const f = betaAt(schedule, 1, step);
  for (const [opt, base] of rates) if (opt) setLearningRate(opt, base * f);
  return f;
}
