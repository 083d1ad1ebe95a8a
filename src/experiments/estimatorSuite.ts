/**
 * The estimator suite (task "mi-suite"): every estimator, through `estimateMI`, on finite samples
 * of distributions whose MI is known (src/data/knownMi.ts), in the manner of the `bmi` benchmark
 * (Czyż et al., NeurIPS 2023): N samples per task, half held out, several seeds; a task ×
 * estimator table of mean estimate, bias and std, and a heat-map of |bias|.
 *
 * Config (JSON; every key but `tasks` and `estimators` optional):
 *   seed, seeds              base seed; seeds = independent repetitions (a fresh sample of the
 *                            task, a fresh split and critic initialisation each)
 *   n, testFraction | nTest  samples per task and the held-out share or count (default 5000, 0.5)
 *   steps, batchSize, learningRate, evalEvery, patience, evalBlock, standardize, select
 *                            estimateMI's training options (defaults as there)
 *   critic                   the default critic (concat [256, 256])
 *   tasks                    a list of known-MI task configs ({ "kind": "gaussian-dense", "dim": 5 }
 *                            …), each with an optional `label`, `n`, `testFraction` or `nTest`;
 *                            `gaussian-random` may say "distributionSeed": "per-seed" (a new
 *                            random covariance for every seed, its own true MI)
 *   estimators               kinds ("mine", "ksg") or objects: an EstimatorConfig (or
 *                            { "kind": "ksg", "k": 5 }) plus an optional `label`, `critic`, and any
 *                            of steps, batchSize, learningRate, evalEvery, patience, evalBlock
 *   quick                    raw overrides applied by `infobound suite --quick`
 *
 * Every estimator of a (task, seed) sees the same sample and the same split (common random numbers).
 */
import { parseWith } from '../config/schemaTools.js';
import { ConfigError, num } from '../config/validate.js';
import { knownMiTask, parseKnownMiConfig, type KnownMiConfig } from '../data/knownMi.js';
import { meanStd } from '../eval/miStats.js';
import { estimateMI, resolveEstimateOptions, type EstimateOptions, type KsgConfig } from '../mi/estimateMI.js';
import { parseEstimatorConfig, type EstimatorConfig } from '../mi/registry.js';
import type { CriticConfig } from '../nets/critics.js';
import { annotatedGrid } from '../plot/annotatedGrid.js';
import { StopRequested } from '../train/loop.js';
import { deriveSeed } from '../util/hash.js';
import { Rng } from '../util/rng.js';
import type { RunContext, TaskResult } from './context.js';
import { parseCriticConfig } from './criticConfig.js';
import { TASK_SCHEMAS } from './schema.js';

/** estimateMI's training options a suite (or one of its estimators) may set. */
export const TRAINING_KEYS = ['steps', 'batchSize', 'learningRate', 'evalEvery', 'patience', 'evalBlock', 'standardize', 'select'] as const;
type Training = Pick<EstimateOptions, (typeof TRAINING_KEYS)[number]>;

export interface SuiteTask {
  label: string;
  data: KnownMiConfig;
  n: number;
  testFraction: number;
  /** a new gaussian-random covariance per seed (distributionSeed = the seed's index). */
  perSeedDistribution: boolean;
}

export interface SuiteEstimator {
  label: string;
  estimator: EstimatorConfig | KsgConfig;
  critic: CriticConfig;
  training: Training;
}

export interface MiSuiteConfig {
  name: string;
  task: 'mi-suite';
  description?: string;
  seed: number;
  seeds: number;
  training: Training;
  tasks: SuiteTask[];
  estimators: SuiteEstimator[];
}

/** The training options among a validated object's keys (absent ones stay absent: estimateMI's defaults apply). */
function trainingOf(o: Record<string, unknown>): Training {
  return Object.fromEntries(TRAINING_KEYS.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as Training;
}

/** n and the held-out share from `n` and `testFraction` or `nTest` (an exact count: 5K train / 1K test is n 6000, nTest 1000). */
function parseSize(o: Record<string, unknown>, path: string, def: { n: number; testFraction: number }): { n: number; testFraction: number } {
  const n = o.n === undefined ? def.n : num(o, 'n', path, { integer: true, min: 4 });
  if (o.nTest !== undefined && o.testFraction !== undefined) throw new ConfigError(`${path ? path + ': ' : ''}give testFraction or nTest, not both`);
  if (o.nTest !== undefined) return { n, testFraction: num(o, 'nTest', path, { integer: true, min: 2, max: n - 2 }) / n };
  const testFraction = o.testFraction === undefined ? def.testFraction : num(o, 'testFraction', path, { exclusiveMin: 0, max: 0.999 });
  return { n, testFraction };
}

/** One entry of `estimators`, already validated by the schema: a kind or an object. */
function parseEstimatorEntry(e: unknown, i: number, defaultCritic: CriticConfig): SuiteEstimator {
  const path = `estimators[${i}]`;
  const o = typeof e === 'string' ? { kind: e } : (e as Record<string, unknown>);
  const { label, critic, ...rest } = o as Record<string, unknown>;
  const training: Record<string, unknown> = {};
  const estRaw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) ((TRAINING_KEYS as readonly string[]).includes(k) ? training : estRaw)[k] = v;
  let estimator: EstimatorConfig | KsgConfig;
  if (estRaw.kind === 'ksg') {
    estimator = { kind: 'ksg', k: (estRaw.k as number | undefined) ?? 3 };
  } else {
    estimator = parseEstimatorConfig(estRaw, path);
  }
  const criticCfg = critic === undefined ? defaultCritic : parseCriticConfig(critic, `${path}.critic`);
  const auto =
    estimator.kind === 'ksg'
      ? `ksg${(estimator as KsgConfig).k !== 3 ? `(k=${(estimator as KsgConfig).k})` : ''}`
      : `${estimator.kind}${critic !== undefined ? `(${criticCfg.kind})` : ''}`;
  return { label: (label as string | undefined) ?? auto, estimator, critic: criticCfg, training: trainingOf(training) };
}

/** Replaces "distributionSeed": "per-seed" by 0 for parsing and says whether it was there. */
function perSeedMarker(o: Record<string, unknown>): { raw: Record<string, unknown>; perSeed: boolean } {
  if (o.distributionSeed !== 'per-seed') return { raw: o, perSeed: false };
  if (o.kind !== 'gaussian-random') throw new ConfigError(`distributionSeed "per-seed" applies to gaussian-random tasks only`);
  return { raw: { ...o, distributionSeed: 0 }, perSeed: true };
}

/**
 * A suite from the schema's validated, defaulted object (src/experiments/schema.ts); here: the
 * held-out sizes (testFraction or nTest), the known-MI distributions (their own checks: a valid
 * covariance), labels, and that every (task, estimator) is a valid estimateMI call.
 */
export function parseMiSuite(raw: Record<string, unknown>): MiSuiteConfig {
  const c = parseWith(TASK_SCHEMAS['mi-suite'], raw);
  const size = parseSize(c, '', { n: 5000, testFraction: 0.5 });
  const critic = parseCriticConfig(c.critic, 'critic');
  const tasks = c.tasks.map((t, i): SuiteTask => {
    const path = `tasks[${i}]`;
    const { raw: o, perSeed } = perSeedMarker(t);
    const data = parseKnownMiConfig(o, path);
    const s = parseSize(o, path, size);
    return { label: (o.label as string | undefined) ?? knownMiTask(data).name + (perSeed ? ' (per seed)' : ''), data, ...s, perSeedDistribution: perSeed };
  });
  const estimators = c.estimators.map((e, i) => parseEstimatorEntry(e, i, critic));
  for (const [what, labels] of [
    ['tasks', tasks.map((t) => t.label)],
    ['estimators', estimators.map((e) => e.label)],
  ] as const) {
    const dup = labels.find((l, i) => labels.indexOf(l) !== i);
    if (dup) throw new ConfigError(`${what}: "${dup}" appears twice; give one of them a different "label"`);
  }
  const cfg: MiSuiteConfig = {
    name: String(raw.name),
    task: 'mi-suite',
    description: c.description,
    seed: c.seed,
    seeds: c.seeds,
    training: trainingOf(c),
    tasks,
    estimators,
  };
  // each (task, estimator) must be a valid estimateMI call: check now, not an hour in
  for (const t of tasks)
    for (const e of estimators) {
      try {
        resolveEstimateOptions(optionsOf(cfg, e, 0, t.testFraction), t.n);
      } catch (err) {
        throw new ConfigError(`${t.label} × ${e.label}: ${(err as Error).message}`);
      }
    }
  return cfg;
}

function optionsOf(cfg: MiSuiteConfig, e: SuiteEstimator, seed: number, testFraction = 0.5): EstimateOptions {
  return { ...cfg.training, ...e.training, estimator: e.estimator, critic: e.critic, testFraction, seeds: 1, seed };
}

/** One (task, estimator) cell: the per-seed estimates against each seed's truth. */
export interface SuiteRow {
  task: string;
  estimator: string;
  /** true MI, mean over seeds (it differs between seeds only with a per-seed distribution). */
  trueMI: number;
  /** mean held-out estimate over seeds. */
  mean: number;
  /** mean of (estimate − true MI) over seeds. */
  bias: number;
  /** std of the estimates over seeds (population). */
  std: number;
  /** mean train-rows bound over seeds. */
  trainMean: number;
  seeds: { seed: number; trueMI: number; estimate: number; trainEstimate: number; steps: number; bestStep: number; wallSeconds: number }[];
  n: number;
  nTrain: number;
  nTest: number;
  warnings: string[];
}

function dataFor(t: SuiteTask, s: number): KnownMiConfig {
  return t.perSeedDistribution && t.data.kind === 'gaussian-random' ? { ...t.data, distributionSeed: s } : t.data;
}

export async function runMiSuite(cfg: MiSuiteConfig, ctx: RunContext): Promise<TaskResult> {
  const rows: SuiteRow[] = [];
  const files: string[] = [];
  const finish = () => {
    files.push(ctx.out.write('table.md', suiteTableMarkdown(cfg, rows)));
    files.push(ctx.out.writeJson('table.json', rows));
    if (rows.length) files.push(ctx.out.write('bias-heatmap.png', biasHeatmap(cfg, rows)));
  };
  const cells = new Map<string, SuiteRow>();
  for (const t of cfg.tasks) {
    for (let s = 0; s < cfg.seeds; s++) {
      const task = knownMiTask(dataFor(t, s));
      const sample = task.sample(t.n, new Rng(deriveSeed(cfg.seed, `${t.label}/data/${s}`)));
      const trainSeed = deriveSeed(cfg.seed, `${t.label}/train/${s}`);
      for (const e of cfg.estimators) {
        const key = `${t.label}\u0000${e.label}`;
        const opts = optionsOf(cfg, e, trainSeed, t.testFraction);
        const steps = resolveEstimateOptions(opts, t.n).steps;
        ctx.progress.start(`${t.label} × ${e.label} seed ${s + 1}/${cfg.seeds}`, e.estimator.kind === 'ksg' ? 1 : steps);
        const r = await estimateMI(
          { data: sample.x, shape: [sample.n, sample.dx] },
          { data: sample.y, shape: [sample.n, sample.dy] },
          {
            ...opts,
            shouldStop: ctx.shouldStop,
            onProgress: (p) => ctx.progress.tick(p.step, p.steps),
          },
        );
        ctx.progress.done();
        if (r.stopped) {
          finish();
          throw new StopRequested(r.steps);
        }
        const row = cells.get(key) ?? {
          task: t.label,
          estimator: e.label,
          trueMI: NaN,
          mean: NaN,
          bias: NaN,
          std: NaN,
          trainMean: NaN,
          seeds: [],
          n: t.n,
          nTrain: r.nTrain,
          nTest: r.nTest,
          warnings: [],
        };
        if (!cells.has(key)) {
          cells.set(key, row);
          rows.push(row);
        }
        const seedRow = {
          seed: s,
          trueMI: sample.trueMI,
          estimate: r.estimate,
          trainEstimate: r.trainEstimate,
          steps: r.steps,
          bestStep: r.perSeed[0].bestStep,
          wallSeconds: r.wallSeconds,
        };
        row.seeds.push(seedRow);
        row.warnings.push(...r.warnings.map((w) => `seed ${s}: ${w.replace(/^seed 0: /, '')}`));
        const est = row.seeds.map((x) => x.estimate);
        row.trueMI = meanStd(row.seeds.map((x) => x.trueMI)).mean;
        ({ mean: row.mean, std: row.std } = meanStd(est));
        row.bias = meanStd(row.seeds.map((x) => x.estimate - x.trueMI)).mean;
        row.trainMean = meanStd(row.seeds.map((x) => x.trainEstimate)).mean;
        ctx.out.appendMetrics({ task: t.label, estimator: e.label, ...seedRow });
        ctx.progress.note(
          `${t.label} × ${e.label} seed ${s + 1}: ${fmt(r.estimate)} nats held out (true ${fmt(sample.trueMI)}, train ${fmt(r.trainEstimate)}) in ${r.wallSeconds.toFixed(1)} s`,
        );
      }
    }
  }
  finish();
  const metrics: Record<string, number> = {};
  for (const e of cfg.estimators) {
    const rs = rows.filter((r) => r.estimator === e.label && Number.isFinite(r.bias));
    metrics[`${e.label}.meanAbsBias`] = rs.reduce((a, r) => a + Math.abs(r.bias), 0) / Math.max(1, rs.length);
  }
  return { metrics, rows: rows as unknown as Record<string, unknown>[], files };
}

const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '–');

/** The task × estimator table: each cell "mean ± std (bias)". */
export function suiteTableMarkdown(cfg: MiSuiteConfig, rows: SuiteRow[]): string {
  const est = cfg.estimators.map((e) => e.label);
  const tasks = cfg.tasks.filter((t) => rows.some((r) => r.task === t.label));
  const at = (t: string, e: string) => rows.find((r) => r.task === t && r.estimator === e);
  const sizes = [...new Set(tasks.map((t) => `${Math.round(t.n * (1 - t.testFraction))}/${Math.round(t.n * t.testFraction)}`))].join(', ');
  const lines = [
    `# ${cfg.name}: held-out MI estimates against the truth`,
    '',
    `Each cell: mean ± std over ${cfg.seeds} seed${cfg.seeds === 1 ? '' : 's'} of the held-out estimate (nats), and in brackets its bias (mean − true MI). Train/test rows: ${sizes}.`,
    '',
    `| task | true MI | ${est.join(' | ')} |`,
    `| --- | ---: | ${est.map(() => '---:').join(' | ')} |`,
  ];
  for (const t of tasks) {
    const cells = est.map((e) => {
      const r = at(t.label, e);
      return r ? `${fmt(r.mean, 2)} ± ${fmt(r.std, 2)} (${r.bias >= 0 ? '+' : ''}${fmt(r.bias, 2)})` : '';
    });
    lines.push(`| ${t.label} | ${fmt(rows.find((r) => r.task === t.label)!.trueMI, 2)} | ${cells.join(' | ')} |`);
  }
  // the median is there because one diverging task can dominate the mean
  lines.push('', '| estimator | mean absolute bias over tasks | median absolute bias | tasks within 10% or 0.1 nats |', '| --- | ---: | ---: | ---: |');
  for (const e of est) {
    const rs = rows.filter((r) => r.estimator === e);
    const abs = rs.map((r) => Math.abs(r.bias)).sort((a, b) => a - b);
    const median = abs.length === 0 ? NaN : abs.length % 2 ? abs[(abs.length - 1) / 2] : (abs[abs.length / 2 - 1] + abs[abs.length / 2]) / 2;
    const ok = rs.filter((r) => Math.abs(r.bias) <= Math.max(0.1, 0.1 * r.trueMI)).length;
    lines.push(`| ${e} | ${fmt(abs.reduce((a, b) => a + b, 0) / Math.max(1, abs.length), 3)} | ${fmt(median, 3)} | ${ok}/${rs.length} |`);
  }
  return lines.join('\n') + '\n';
}

/** |bias| per task × estimator, annotated with the mean estimate and the truth (bmi's figure). */
export function biasHeatmap(cfg: MiSuiteConfig, rows: SuiteRow[]): Buffer {
  const est = cfg.estimators.map((e) => e.label);
  const tasks = cfg.tasks.filter((t) => rows.some((r) => r.task === t.label));
  const at = (t: string, e: string) => rows.find((r) => r.task === t && r.estimator === e);
  return annotatedGrid({
    title: `${cfg.name}: |bias| of the held-out estimate (nats), ${cfg.seeds} seed${cfg.seeds === 1 ? '' : 's'}`,
    rowLabels: tasks.map((t) => `${t.label} (I = ${fmt(rows.find((r) => r.task === t.label)!.trueMI, 2)})`),
    colLabels: est,
    values: tasks.map((t) => est.map((e) => Math.abs(at(t.label, e)?.bias ?? NaN))),
    text: tasks.map((t) =>
      est.map((e) => {
        const r = at(t.label, e);
        return r && Number.isFinite(r.mean) ? `${r.mean.toFixed(2)}` : '–';
      }),
    ),
    // one diverging cell (SMILE on Cauchy data reaches 10⁴ nats) must not flatten the others: saturate at 1 nat
    vmin: 0,
    vmax: 1,
    caption: 'cell text: mean estimate; colour: |mean − true MI| from 0 (dark) to ≥ 1 nat (yellow)',
  });
}
