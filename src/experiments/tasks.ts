/**
 * The task registry: an experiment's "task" field picks how its config is validated and run.
 * One runner (runExperiment) runs them all.
 */
import { ConfigError } from '../config/validate.js';
import type { RunContext, TaskResult } from './context.js';
import { parseAli, runAli, type AliConfig } from './aliTask.js';
import { parseGan, runGan, type GanConfig } from './ganTask.js';
import { parseIb, runIb, type IbConfig } from './ibTask.js';
import { parseInfoGan, runInfoGan, type InfoGanConfig } from './infoGanTask.js';
import { runMiBenchmark } from './miBenchmark.js';
import { parseMiBenchmark, type MiBenchmarkConfig } from './miBenchmarkConfig.js';
import { parseMiSuite, runMiSuite, type MiSuiteConfig } from './estimatorSuite.js';

export interface Task<C> {
  parse(raw: Record<string, unknown>): C;
  run(cfg: C, ctx: RunContext): Promise<TaskResult>;
  /** applies `--steps N` to the raw config (the task knows what a step count means for it). */
  overrideSteps(raw: Record<string, unknown>, steps: number): void;
}

const miBenchmark: Task<MiBenchmarkConfig> = {
  parse: parseMiBenchmark,
  run: runMiBenchmark,
  overrideSteps: (raw, steps) => {
    raw.steps = steps;
  },
};

const gan: Task<GanConfig> = {
  parse: parseGan,
  run: runGan,
  overrideSteps: (raw, steps) => {
    raw.steps = steps;
    // keep snapshots and evaluation inside a shortened run
    const ev = (raw.evaluation ??= {}) as Record<string, unknown>;
    if (Array.isArray(ev.snapshots)) ev.snapshots = (ev.snapshots as number[]).filter((s) => s <= steps);
    if (typeof ev.every === 'number' && ev.every > steps) ev.every = steps;
  },
};

const infogan: Task<InfoGanConfig> = {
  parse: parseInfoGan,
  run: runInfoGan,
  overrideSteps: (raw, steps) => {
    raw.steps = steps;
    const ev = (raw.evaluation ??= {}) as Record<string, unknown>;
    if (typeof ev.every === 'number' && ev.every > steps) ev.every = steps;
  },
};

const ali: Task<AliConfig> = {
  parse: parseAli,
  run: runAli,
  overrideSteps: (raw, steps) => {
    raw.steps = steps;
    const ev = (raw.evaluation ??= {}) as Record<string, unknown>;
    if (typeof ev.every === 'number' && ev.every > steps) ev.every = steps;
  },
};

const ib: Task<IbConfig> = {
  parse: parseIb,
  run: runIb,
  // `--steps N` caps the total number of training steps (the last, partial epoch is evaluated)
  overrideSteps: (raw, steps) => {
    raw.steps = steps;
  },
};

const miSuite: Task<MiSuiteConfig> = {
  parse: parseMiSuite,
  run: runMiSuite,
  // `--steps N` sets every estimator's training budget (an estimator's own `steps` included)
  overrideSteps: (raw, steps) => {
    raw.steps = steps;
    if (Array.isArray(raw.estimators)) for (const e of raw.estimators) if (e && typeof e === 'object') delete (e as Record<string, unknown>).steps;
  },
};

export const TASKS = { 'mi-benchmark': miBenchmark, 'mi-suite': miSuite, gan, infogan, ib, ali } as const;
export type TaskKind = keyof typeof TASKS;

export function taskOf(raw: Record<string, unknown>): Task<unknown> {
  const kind = raw.task;
  if (typeof kind !== 'string' || !(kind in TASKS)) {
    throw new ConfigError(`task: unknown task ${JSON.stringify(kind)}; expected one of ${Object.keys(TASKS).join(', ')}`);
  }
  return TASKS[kind as TaskKind] as unknown as Task<unknown>;
}
