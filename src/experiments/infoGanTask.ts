/**
 * The infogan task: a conditional generator G(z, c) on a grid mixture that maximises the code MI
 * I(G(z, c); c), estimated by an estimator of src/mi (MINE, η-MINE, ReMINE, …) or by InfoGAN's
 * recognition head Q(c | x) (Chen et al. 2016), against a plain GAN reference ("none"). The
 * η-MINE paper's setting: 25 categorical codes on the 25 Gaussians, one code per mode. Every
 * `evaluation.every` steps it measures mode coverage and whether each code owns a mode (purity), and
 * records the first step at which all modes are covered (`stepAllModes`, null if never).
 */
import { parseWith } from '../config/schemaTools.js';
import { checkFitsMemory, ConfigError, expectKeys, isObject, notAbove } from '../config/validate.js';
import type { GridMixtureOptions } from '../data/gridGaussians.js';
import { dataMoments, standardizeRows } from '../data/standardize.js';
import { codePurity } from '../eval/codePurity.js';
import { modeCoverage } from '../eval/modeCoverage.js';
import { MIRegularizer } from '../mi/miRegularizer.js';
import { ESTIMATOR_KINDS, parseEstimatorConfig, type EstimatorConfig } from '../mi/registry.js';
import {
  checkInfoGan,
  codeEntropy,
  codeSize,
  disposeInfoGan,
  INFOGAN_MI_FIELDS,
  infoGanTrainStep,
  recognitionTerm,
  sampleInfoGan,
  type CodeSpec,
  type InfoGan,
} from '../models/infoGan.js';
import type { CriticConfig } from '../nets/critics.js';
import { Mlp } from '../nets/mlp.js';
import { runLoop } from '../train/loop.js';
import { createOptimizer, parseOptimizerConfig, type OptimizerConfig } from '../train/optimizer.js';
import { deriveSeed } from '../util/hash.js';
import { Rng } from '../util/rng.js';
import type { RunContext, RunFailure, TaskResult } from './context.js';
import { ArrayExports } from './arrayExports.js';
import { AllDiverged, appendFailures, divergenceGuard, failureRows, recordDivergence } from './failures.js';
import { parseCriticConfig } from './criticConfig.js';
import { samplerOf, type NetConfig } from './ganTask.js';
import { renderInfoGanFigures } from './infoGanFigures.js';
import { TASK_SCHEMAS } from './schema.js';
import { expandVary, type VaryingExperiment } from './paths.js';
import { logTrainStep } from './trainTrace.js';

/** The MI term: an estimator of src/mi, InfoGAN's Q head, or none (plain GAN reference). */
export type CodeMiConfig = EstimatorConfig | { kind: 'infogan' } | { kind: 'none' };
const OWN_KINDS = ['infogan', 'none'] as const;

export interface InfoGanSettingConfig {
  steps: number;
  batchSize: number;
  noiseDim: number;
  codes: CodeSpec;
  /** train on standardized data (per coordinate: mean 0, std 1; G's samples mapped back for evaluation). */
  standardize: boolean;
  data: Required<GridMixtureOptions>;
  generator: NetConfig;
  discriminator: NetConfig;
  optimizer: OptimizerConfig;
  mi: { beta: number; estimator: CodeMiConfig; critic: CriticConfig; head: NetConfig; clip: boolean; optimizer: OptimizerConfig };
  evaluation: {
    every: number;
    samples: number;
    minCount: number;
    /** the final MI estimate is the mean per-step estimate over this many last steps. */
    miWindow: number;
    /** end the setting at the first evaluation with every mode captured. */
    stopAtAllModes: boolean;
  };
}

export type InfoGanConfig = VaryingExperiment<'infogan', InfoGanSettingConfig>;

/** `"mine"`, `{ "kind": "eta-mine", … }`, `"infogan"` or `"none"`; unknown kinds list every valid one. */
export function parseCodeMi(v: unknown, path: string): CodeMiConfig {
  const kind = typeof v === 'string' ? v : isObject(v) ? v.kind : undefined;
  if (kind === 'infogan' || kind === 'none') {
    if (isObject(v)) expectKeys(v, ['kind'], path);
    return { kind };
  }
  if (typeof kind !== 'string' || !(ESTIMATOR_KINDS as readonly string[]).includes(kind)) {
    throw new ConfigError(`${path}.kind: unknown estimator ${JSON.stringify(kind)}; expected one of ${[...OWN_KINDS, ...ESTIMATOR_KINDS].join(', ')}`);
  }
  return parseEstimatorConfig(v, path);
}

/**
 * One setting from the schema's validated, defaulted object (src/experiments/schema.ts: types,
 * ranges and constant defaults); here: the defaults that depend on other fields and the checks
 * between fields.
 */
function parseSetting(raw: Record<string, unknown>): InfoGanSettingConfig {
  const c = parseWith(TASK_SCHEMAS.infogan, raw);
  const d = c.data;
  if (d.kind !== 'grid')
    throw new ConfigError(`data.kind must be "grid" for the infogan task (mode coverage and code purity need mode centres), got "${d.kind}"`);
  // default: one category per mode (the η-MINE paper's 25 codes for 25 Gaussians)
  const codes: CodeSpec = { categorical: c.codes.categorical ?? d.side * d.side, continuous: c.codes.continuous };
  if (codes.categorical === 1) throw new ConfigError('codes.categorical must be 0 (none) or ≥ 2 (one category carries no information), got 1');
  if (codes.categorical + codes.continuous === 0) throw new ConfigError('codes: need codes.categorical ≥ 2 or codes.continuous ≥ 1 (the code is empty)');
  const estimator = parseCodeMi(c.mi.estimator, 'mi.estimator');
  if (estimator.kind === 'infonce' && codes.categorical > c.batchSize) throw new ConfigError(`mi.estimator: infonce needs batchSize ≥ codes.categorical`);
  const optimizer = parseOptimizerConfig(c.optimizer, 'optimizer', { learningRate: 1e-3, beta1: 0.5, beta2: 0.999 });
  const ev = c.evaluation;
  // the evaluation's points and codes (float32)
  checkFitsMemory('evaluation.samples', ev.samples, ev.samples * 4 * 3 * 4, 'the evaluation samples (points and codes)');
  return {
    steps: c.steps,
    batchSize: c.batchSize,
    noiseDim: c.noiseDim,
    codes,
    standardize: c.standardize,
    data: { side: d.side, spacing: d.spacing, std: d.std },
    generator: c.generator,
    discriminator: c.discriminator,
    optimizer,
    mi: {
      beta: c.mi.beta,
      estimator,
      critic: parseCriticConfig(c.mi.critic, 'mi.critic'),
      head: c.mi.head,
      clip: c.mi.clip,
      optimizer: c.mi.optimizer === undefined ? optimizer : parseOptimizerConfig(c.mi.optimizer, 'mi.optimizer', optimizer),
    },
    evaluation: {
      every: ev.every ?? Math.max(1, Math.floor(c.steps / 20)),
      samples: ev.samples,
      minCount: notAbove(ev.minCount, 'evaluation.minCount', ev.samples, 'evaluation.samples'),
      miWindow: ev.miWindow,
      stopAtAllModes: ev.stopAtAllModes,
    },
  };
}

export function parseInfoGan(raw: Record<string, unknown>): InfoGanConfig {
  const c = parseWith(TASK_SCHEMAS.infogan, raw);
  const { vary, settings } = expandVary(raw, parseSetting);
  return { name: String(raw.name), task: 'infogan', seed: c.seed, logEvery: c.logEvery, vary, settings, figures: { formats: [...c.figures.formats] } };
}

/** True when the setting trains an MI term (β > 0 and an estimator or Q head). */
export const hasMiTerm = (s: InfoGanSettingConfig): boolean => s.mi.beta > 0 && s.mi.estimator.kind !== 'none';

/** Builds the model of a setting; G and D are drawn first, so every setting starts from the same G and D. */
export function buildInfoGan(s: InfoGanSettingConfig, netRng: Rng): InfoGan {
  const w = codeSize(s.codes);
  const generator = new Mlp({ sizes: [w + s.noiseDim, ...s.generator.hidden, 2], activation: s.generator.activation }, netRng, 'generator');
  const discriminator = new Mlp({ sizes: [2, ...s.discriminator.hidden, 1], activation: s.discriminator.activation }, netRng, 'discriminator');
  const e = s.mi.estimator;
  let mi: InfoGan['mi'] = null;
  const common = {
    xDim: 2,
    yDim: w,
    beta: s.mi.beta,
    direction: 'maximize',
    clip: s.mi.clip ? 'adaptive' : false,
    optimizer: s.mi.optimizer,
    rng: netRng,
  } as const;
  if (hasMiTerm(s) && e.kind === 'infogan') {
    mi = new MIRegularizer({
      ...common,
      term: recognitionTerm(new Mlp({ sizes: [2, ...s.mi.head.hidden, w], activation: s.mi.head.activation }, netRng, 'recognition head'), s.codes),
    });
  } else if (hasMiTerm(s) && e.kind !== 'infogan' && e.kind !== 'none') {
    mi = new MIRegularizer({ ...common, critic: s.mi.critic, estimator: e });
  }
  const m: InfoGan = {
    generator,
    discriminator,
    codes: s.codes,
    noiseDim: s.noiseDim,
    dataDim: 2,
    gOptimizer: createOptimizer(s.optimizer),
    dOptimizer: createOptimizer(s.optimizer),
    mi,
  };
  checkInfoGan(m);
  return m;
}

export interface InfoGanEval {
  step: number;
  modes: number;
  modesAnySample: number;
  highQualityPercent: number;
  klToUniform: number;
  /** share of high-quality samples in their code's top mode (src/eval/codePurity.ts). */
  purity: number;
  /** distinct modes that are some code's top mode. */
  distinctTopModes: number;
}

export interface InfoGanTrace {
  label: string;
  title: string;
  steps: number[];
  curves: Record<string, number[]>;
  evals: InfoGanEval[];
  final: { points: Float32Array; labels: Int32Array };
  totalModes: number;
}

/** A summary of one setting (a row of table.md). `stepAllModes` is null when never reached. */
export interface InfoGanRow {
  setting: string;
  stepAllModes: number | null;
  stepAllModesAnySample: number | null;
  modes: number;
  modesAnySample: number;
  highQualityPercent: number;
  klToUniform: number;
  purity: number;
  distinctTopModes: number;
  miFinal: number;
  seconds: number;
}

export function settingTitle(s: InfoGanSettingConfig): string {
  const e = s.mi.estimator.kind;
  if (!hasMiTerm(s)) return 'GAN (no MI term)';
  return e === 'infogan' ? `InfoGAN Q head (β = ${s.mi.beta})` : `${e} (β = ${s.mi.beta})`;
}

/** First evaluated step at which `key` reached all modes, or null. */
function firstAll(evals: InfoGanEval[], key: 'modes' | 'modesAnySample', total: number): number | null {
  return evals.find((e) => e[key] === total)?.step ?? null;
}

export async function runInfoGan(cfg: InfoGanConfig, ctx: RunContext): Promise<TaskResult> {
  const metrics: Record<string, number> = {};
  const traces: InfoGanTrace[] = [];
  const rows: InfoGanRow[] = [];
  const failures: RunFailure[] = [];
  const prefix = (label: string) => (cfg.settings.length > 1 ? `${label}.` : '');
  // the final samples and their codes as .npy, for analysis in Python
  const arrays = new ArrayExports(ctx.out, cfg.settings.length);
  const arrayFiles: string[] = [];
  for (const { label, cfg: s } of cfg.settings) {
    const sampler = samplerOf({ kind: 'grid', ...s.data }) as ReturnType<typeof samplerOf> & { centres: Float32Array; std: number };
    const totalModes = sampler.centres.length / 2;
    // Same seed for every setting: the same G and D, data stream, codes and noise (a fair comparison).
    const base = new Rng(deriveSeed(ctx.seed, 'infogan'));
    const netRng = base.split(),
      dataRng = base.split(),
      stepRng = base.split(),
      evalRng = base.split();
    const model = buildInfoGan(s, netRng);
    const withMi = model.mi !== null;
    const title = settingTitle(s);
    const trace: InfoGanTrace = {
      label,
      title,
      steps: [],
      curves: {},
      evals: [],
      final: { points: new Float32Array(0), labels: new Int32Array(0) },
      totalModes,
    };
    // G and D work in standardized coordinates; the evaluation and figures in the data's
    const moments = s.standardize ? dataMoments(sampler) : null;
    const recentMi: number[] = [];
    let allModes = false;
    const t0 = performance.now();
    ctx.progress.start(`${label}: ${title}`, s.steps);
    try {
      await runLoop({
        steps: s.steps,
        logEvery: cfg.logEvery,
        shouldStop: ctx.shouldStop,
        divergence: divergenceGuard(ctx),
        onProgress: (d, t) => ctx.progress.tick(d, t),
        allowNonFinite: withMi ? ['codeAccuracy'] : INFOGAN_MI_FIELDS,
        until: () => allModes,
        step: (i) => {
          const batch = sampler.sample(s.batchSize, dataRng);
          const r = infoGanTrainStep(model, moments ? standardizeRows(batch, moments) : batch, stepRng);
          recentMi.push(r.mi);
          if (recentMi.length > s.evaluation.miWindow) recentMi.shift();
          const done = i + 1;
          if (done % s.evaluation.every === 0 || done === s.steps) {
            const g = sampleInfoGan(model, s.evaluation.samples, evalRng);
            if (moments) standardizeRows(g.points, moments, true);
            const c = modeCoverage(g.points, sampler.centres, sampler.std, { minCount: s.evaluation.minCount });
            const p =
              s.codes.categorical > 0
                ? codePurity(g.points, g.labels, s.codes.categorical, sampler.centres, sampler.std)
                : { purity: NaN, distinctTopModes: NaN };
            const e: InfoGanEval = {
              step: done,
              modes: c.modes,
              modesAnySample: c.modesAnySample,
              highQualityPercent: c.highQualityPercent,
              klToUniform: c.klToUniform,
              purity: p.purity,
              distinctTopModes: p.distinctTopModes,
            };
            trace.evals.push(e);
            ctx.out.appendMetrics({ type: 'eval', setting: label, ...e });
            allModes = s.evaluation.stopAtAllModes && c.modes === totalModes;
            if (done === s.steps || allModes) {
              trace.final = g;
              const codes = s.codes.categorical > 0 ? { name: 'codes', values: g.labels, what: 'the categorical code c' } : undefined;
              arrayFiles.push(...arrays.samples(label, done, g.points, 2, { what: 'generated samples G(z, c)', labels: codes }));
            }
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
      disposeInfoGan(model);
      ctx.progress.done();
    }
    traces.push(trace);
    const last = trace.evals[trace.evals.length - 1];
    const row: InfoGanRow = {
      setting: label,
      stepAllModes: firstAll(trace.evals, 'modes', totalModes),
      stepAllModesAnySample: firstAll(trace.evals, 'modesAnySample', totalModes),
      modes: last.modes,
      modesAnySample: last.modesAnySample,
      highQualityPercent: last.highQualityPercent,
      klToUniform: last.klToUniform,
      purity: last.purity,
      distinctTopModes: last.distinctTopModes,
      miFinal: withMi ? recentMi.reduce((a, b) => a + b, 0) / recentMi.length : NaN,
      seconds: (performance.now() - t0) / 1000,
    };
    rows.push(row);
    // stepAllModes is null (not a number) when all modes were never covered, as the issue asks.
    for (const [k, v] of Object.entries(row)) if (k !== 'setting' && k !== 'seconds') metrics[`${prefix(label)}${k}`] = v as number;
    ctx.progress.note(
      `${label}: all ${totalModes} modes at step ${row.stepAllModes ?? 'never'}; final modes ${row.modes} (≥1 sample: ${row.modesAnySample}), high-quality ${row.highQualityPercent.toFixed(1)}%, purity ${row.purity.toFixed(3)}, MI ${row.miFinal.toFixed(3)} nats (${row.seconds.toFixed(0)} s)`,
    );
  }
  if (traces.length === 0) throw new AllDiverged(failures);
  const files = renderInfoGanFigures(
    cfg.name,
    traces,
    samplerOf({ kind: 'grid', ...cfg.settings[0].cfg.data }).centres!,
    cfg.settings[0].cfg,
    codeEntropy(cfg.settings[0].cfg.codes),
    ctx.out,
    cfg,
  );
  const allRows = [...(rows as unknown as Record<string, unknown>[]), ...failureRows(failures)];
  files.push(
    ctx.out.writeJson('table.json', allRows),
    ctx.out.write('table.md', tableMarkdown(cfg.name, traces, rows, codeEntropy(cfg.settings[0].cfg.codes))),
  );
  appendFailures(ctx.out, 'table.md', failures);
  files.push(...arrayFiles);
  return { metrics, rows: allRows, files, ...(failures.length ? { failures } : {}) };
}

function tableMarkdown(name: string, traces: InfoGanTrace[], rows: InfoGanRow[], hc: number): string {
  const f = (v: number | null, d = 2) => (v === null ? 'never' : Number.isFinite(v) ? v.toFixed(d) : '–');
  return [
    `# ${name}`,
    '',
    `stepAllModes: first evaluated step with every mode holding ≥ minCount samples; MI in nats (H(c) = ${hc.toFixed(3)} bounds it).`,
    '',
    '| setting | what | stepAllModes | stepAllModes (≥1 sample) | modes | modes (≥1 sample) | high-quality % | KL(modes ‖ unif) | purity | distinct top modes | final MI | seconds |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r, i) =>
        `| ${r.setting} | ${traces[i].title} | ${f(r.stepAllModes, 0)} | ${f(r.stepAllModesAnySample, 0)} | ${r.modes} | ${r.modesAnySample} | ${f(r.highQualityPercent, 1)} | ${f(r.klToUniform, 3)} | ${f(r.purity, 3)} | ${r.distinctTopModes} | ${f(r.miFinal, 3)} | ${f(r.seconds, 0)} |`,
    ),
    '',
  ].join('\n');
}
