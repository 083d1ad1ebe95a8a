/**
 * The `ib` task: the information bottleneck on permutation-invariant MNIST (Belghazi et al. 2018
 * §5.3, Table 3), MINE-estimated I(X; Z) with three encoder families against the variational IB
 * of Alemi et al. 2017. Each setting (`vary`) trains from the same seed for `epochs` epochs of
 * shuffled minibatches; after every epoch it measures the test error with one sample of z and with
 * the softmax averaged over `evaluation.samples` samples, and saves a checkpoint (every variable,
 * optimizer slots, estimator state, generator states, the metrics so far) from which `--resume`
 * continues with the same numbers as an uninterrupted run.
 */
import type { z } from 'zod';
import { parseWith } from '../config/schemaTools.js';
import { ConfigError, expectObject } from '../config/validate.js';
import { loadImageDataset, subsetByClasses, takeFirst, IMAGE_SIZE, NUM_CLASSES, type ImageDataset, type ImageSplit } from '../data/mnist.js';
import {
  finishCheckpoints,
  keepEpochCheckpoint,
  parseCheckpointConfig,
  readCheckpoint,
  truncateMetrics,
  writeCheckpoint,
  type CheckpointConfig,
} from '../io/checkpoint.js';
import { parseEstimatorConfig } from '../mi/registry.js';
import {
  createIbModel,
  disposeIbModel,
  getIbModelState,
  IB_MI_FIELDS,
  ibTestError,
  ibTrainStep,
  setIbLearningRate,
  setIbModelState,
  type IbModel,
  type IbModelConfig,
} from '../models/ib.js';
import { mapRows } from '../nets/mlp.js';
import { runLoop } from '../train/loop.js';
import { parseOptimizerConfig } from '../train/optimizer.js';
import { deriveSeed } from '../util/hash.js';
import { Rng } from '../util/rng.js';
import type { RunContext, RunFailure, TaskResult } from './context.js';
import { ArrayExports } from './arrayExports.js';
import { AllDiverged, appendFailures, divergenceGuard, failureRows, recordDivergence } from './failures.js';
import { parseCriticConfig } from './criticConfig.js';
import type { FigureOptions } from './figureOutput.js';
import { renderIbFigures } from './ibFigures.js';
import { cartesian, labelOf, setPath } from './paths.js';
import { TASK_SCHEMAS } from './schema.js';

export type IbDataConfig = {
  kind: 'embedded' | 'idx' | 'fashion';
  /** IDX directory (idx: required; fashion: default Debian's). */
  dir?: string;
  /** embedded: train/test sizes and the seed of the fixed split (independent of the run seed). */
  trainSize: number;
  testSize: number;
  splitSeed: number;
  /** keep only these classes (e.g. [0, 1] for a quick 2-class run). */
  classes?: number[];
  /** use only the first n train / test images (after `classes`). */
  trainLimit?: number;
  testLimit?: number;
};

export interface IbSettingConfig {
  epochs: number;
  /** optional cap on the total number of steps (`--steps`); the last, partial epoch is evaluated too. */
  steps?: number;
  batchSize: number;
  data: IbDataConfig;
  model: Omit<IbModelConfig, 'inputDim' | 'numClasses'>;
  /** learning rate × decay every `every` epochs (Alemi et al.: 0.97 every 2). */
  schedule: { decay: number; every: number };
  /** samples: of z per test image for the averaged-softmax error; polyak: the decay of the weights' EMA also evaluated (0: off). */
  evaluation: { samples: number; polyak: number };
  /** false: none; else what stays after the run completes (src/io/checkpoint.ts; run-wide: the first setting's). */
  checkpoint: CheckpointConfig;
}

export interface IbConfig {
  name: string;
  task: 'ib';
  seed: number;
  logEvery: number;
  settings: { label: string; cfg: IbSettingConfig }[];
  figures: FigureOptions;
}

/**
 * One setting from the schema's validated, defaulted object (src/experiments/schema.ts: types,
 * ranges and constant defaults); here: what depends on other fields (VIB needs the gaussian
 * encoder, rate "mi" an estimator, IDX data a directory), the task's optimizer defaults, and the
 * shapes the model and checkpoint code take.
 */
function parseSetting(raw: Record<string, unknown>): IbSettingConfig {
  const c = parseWith(TASK_SCHEMAS.ib, raw);
  const { encoder, rate } = c;
  if (rate === 'vib' && encoder.kind !== 'gaussian')
    throw new ConfigError(`encoder.kind: rate "vib" needs the gaussian encoder (its KL to N(0, I) has a closed form), got "${encoder.kind}"`);
  // Alemi et al. §4.1: Adam, lr 1e-4, β1 = 0.5, β2 = 0.999; MINE Table 3 follows them.
  const optimizer = parseOptimizerConfig(c.optimizer, 'optimizer', { learningRate: 1e-4, beta1: 0.5, beta2: 0.999 });
  // β weights I(X; Z) whichever way it is estimated (the MI regularizer, or VIB's KL bound): it
  // lives at mi.beta as in every task. mi.estimator "none" trains no statistics network (VIB only).
  const m = c.mi;
  let mi: IbModelConfig['mi'];
  if (m.estimator === 'none') {
    if (rate === 'mi') throw new ConfigError('mi.estimator: rate "mi" needs an estimator (e.g. "mine"), got "none"');
  } else {
    mi = {
      estimator: parseEstimatorConfig(m.estimator, 'mi.estimator'),
      critic: parseCriticConfig(m.critic, 'mi.critic'),
      clip: m.clip,
      optimizer: m.optimizer === undefined ? optimizer : parseOptimizerConfig(m.optimizer, 'mi.optimizer', optimizer),
    };
  }
  // the VIB authors' demo evaluates an EMA of the weights with decay 0.999 (src/train/polyak.ts); false or 0 turns it off
  const polyak = c.evaluation.polyak === false ? 0 : c.evaluation.polyak;
  const cfg: IbSettingConfig = {
    epochs: c.epochs,
    batchSize: c.batchSize,
    data: dataOf(c.data),
    model: { encoder, beta: m.beta, rate, mi, optimizer, polyak },
    schedule: c.schedule,
    evaluation: { samples: c.evaluation.samples, polyak },
    checkpoint: parseCheckpointConfig(c.checkpoint),
  };
  if (c.steps !== undefined) cfg.steps = c.steps;
  return cfg;
}

/** The images a setting uses: the schema's `data` with the embedded split's defaults. */
function dataOf(o: z.output<typeof TASK_SCHEMAS.ib>['data']): IbDataConfig {
  const { kind, dir } = o;
  if (kind === 'idx' && !dir) throw new ConfigError('data.dir is required for data.kind "idx" (the directory holding the four IDX files)');
  if (kind !== 'embedded' && (o.trainSize !== undefined || o.testSize !== undefined || o.splitSeed !== undefined)) {
    throw new ConfigError(`data.trainSize/testSize/splitSeed apply to data.kind "embedded" only (the IDX sets come split); use data.trainLimit/testLimit`);
  }
  const d: IbDataConfig = { kind, dir, trainSize: o.trainSize ?? 8000, testSize: o.testSize ?? 2000, splitSeed: o.splitSeed ?? 0 };
  if (o.classes !== undefined) d.classes = o.classes;
  if (o.trainLimit !== undefined) d.trainLimit = o.trainLimit;
  if (o.testLimit !== undefined) d.testLimit = o.testLimit;
  return d;
}

/**
 * `vary` is either an object of config paths → value lists (every combination is a setting, as in
 * the gan task) or a list of labelled settings, each a set of path → value overrides:
 * `[{ "label": "VIB", "rate": "vib" }, { "label": "MINE-IB additive", "encoder.kind": "additive" }]`.
 */
export function parseIb(raw: Record<string, unknown>): IbConfig {
  const top = parseWith(TASK_SCHEMAS.ib, raw);
  let combos: { label: string; set: { path: string; value: unknown }[] }[];
  if (Array.isArray(raw.vary)) {
    if (raw.vary.length === 0) throw new ConfigError('vary must not be an empty list');
    combos = raw.vary.map((item, i) => {
      const o = expectObject(item, `vary[${i}]`);
      const set = Object.entries(o)
        .filter(([k]) => k !== 'label')
        .map(([path, value]) => ({ path, value }));
      const label = typeof o.label === 'string' && o.label ? o.label : labelOf(set);
      return { label, set };
    });
    const labels = combos.map((c) => c.label);
    const dup = labels.find((l, i) => labels.indexOf(l) !== i);
    if (dup) throw new ConfigError(`vary: two settings share the label "${dup}"`);
  } else {
    const axes =
      raw.vary === undefined
        ? []
        : Object.entries(expectObject(raw.vary, 'vary')).map(([path, values]) => {
            if (!Array.isArray(values) || values.length === 0) throw new ConfigError(`vary.${path} must be a non-empty list of values`);
            return { path, values };
          });
    combos = cartesian(axes).map((set) => ({ label: labelOf(set), set }));
  }
  const settings = combos.map(({ label, set }) => {
    const copy = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
    delete copy.vary;
    for (const s of set) {
      if (s.path === 'vary' || s.path.startsWith('vary.')) throw new ConfigError(`vary: a setting cannot set "${s.path}"`);
      setPath(copy, s.path, s.value);
    }
    try {
      return { label, cfg: parseSetting(copy) };
    } catch (e) {
      if (e instanceof ConfigError && combos.length > 1) throw new ConfigError(`setting "${label}": ${e.message}`);
      throw e;
    }
  });
  return { name: String(raw.name), task: 'ib', seed: top.seed, logEvery: top.logEvery, settings, figures: { formats: [...top.figures.formats] } };
}

export function loadIbData(d: IbDataConfig): ImageSplit {
  const split =
    d.kind === 'embedded'
      ? loadImageDataset({ source: 'embedded', seed: d.splitSeed, trainSize: d.trainSize, testSize: d.testSize })
      : d.kind === 'idx'
        ? loadImageDataset({ source: 'idx', dir: d.dir! })
        : loadImageDataset({ source: 'fashion', dir: d.dir });
  const shape = (ds: ImageDataset, limit?: number) => {
    let s = d.classes ? subsetByClasses(ds, d.classes) : ds;
    if (limit !== undefined) s = takeFirst(s, Math.min(limit, s.n));
    return s;
  };
  return {
    train: shape(split.train, d.trainLimit),
    test: shape(split.test, d.testLimit),
    source: split.source + (d.classes ? `, classes ${d.classes.join(',')}` : ''),
  };
}

/** What the figures and the checkpoint keep of one setting. */
export interface IbTrace {
  label: string;
  rate: 'mi' | 'vib';
  /** logged steps and their numbers (loss, ce, rate, mi, …). */
  steps: number[];
  curves: Record<string, (number | null)[]>;
  evals: IbEval[];
}

export interface IbEval {
  epoch: number;
  step: number;
  learningRate: number;
  /** test misclassification in %, one sample of z per image. */
  errorOneSamplePct: number;
  /** test misclassification in %, softmax averaged over `samples` samples of z. */
  errorAvgPct: number;
  /** the same two errors with the Polyak-averaged weights (absent when evaluation.polyak is 0). */
  polyakErrorOneSamplePct?: number;
  polyakErrorAvgPct?: number;
  /** means over the epoch's training steps. */
  trainErrorPct: number;
  trainCe: number;
  /** I(X; Z) estimated by T (NaN without a statistics network). */
  mi: number;
  /** the rate term the loss used (the MI estimate, or VIB's KL). */
  rate: number;
}

const CHECKPOINT = 'checkpoint.bin';

type RngState = ReturnType<Rng['getState']>;
interface CheckpointMeta {
  version: 1;
  experiment: string;
  seed: number;
  /** index of the setting in progress; `epoch` epochs of it are done. */
  setting: number;
  epoch: number;
  step: number;
  learningRate: number;
  rngs: { data: RngState; step: RngState; eval: RngState };
  estimatorState: Record<string, number> | null;
  metricsLines: number;
  /** settings finished before this one, and this one's trace so far. */
  done: IbTrace[];
  current: IbTrace | null;
  /** settings that diverged before this checkpoint (skipped, recorded). */
  failures?: RunFailure[];
}

function mean(xs: number[]): number {
  const f = xs.filter(Number.isFinite);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN;
}

function settingMetrics(t: IbTrace): Record<string, number> {
  const last = t.evals[t.evals.length - 1];
  if (!last) return {};
  const out: Record<string, number> = { errorAvgPct: last.errorAvgPct, errorOneSamplePct: last.errorOneSamplePct };
  if (last.polyakErrorAvgPct !== undefined)
    Object.assign(out, { polyakErrorAvgPct: last.polyakErrorAvgPct, polyakErrorOneSamplePct: last.polyakErrorOneSamplePct });
  Object.assign(out, { trainErrorPct: last.trainErrorPct, rate: last.rate, epochs: last.epoch });
  if (Number.isFinite(last.mi)) out.mi = last.mi;
  return out;
}

export async function runIb(cfg: IbConfig, ctx: RunContext): Promise<TaskResult> {
  let resume: CheckpointMeta | null = null;
  let resumeArrays: Parameters<typeof setIbModelState>[1]['arrays'] = [];
  if (ctx.resume) {
    if (!ctx.out.exists(CHECKPOINT))
      throw new ConfigError(
        `--resume: ${ctx.out.dir} has no ${CHECKPOINT} (the run saved none; checkpoint: false, or it stopped before its first epoch ended)`,
      );
    const c = readCheckpoint(ctx.out.path(CHECKPOINT));
    resume = c.meta as unknown as CheckpointMeta;
    if (resume.version !== 1 || resume.experiment !== cfg.name || resume.seed !== ctx.seed)
      throw new ConfigError(`--resume: the checkpoint is of ${resume.experiment} seed ${resume.seed}, not ${cfg.name} seed ${ctx.seed}`);
    resumeArrays = c.arrays;
    // drop lines logged after the checkpoint: they will be logged again, identically
    truncateMetrics(ctx.out, resume.metricsLines);
    ctx.progress.note(`resuming setting ${resume.setting + 1}/${cfg.settings.length} after epoch ${resume.epoch} (step ${resume.step})`);
  }
  const traces: IbTrace[] = resume ? [...resume.done] : [];
  const failures: RunFailure[] = resume?.failures ? [...resume.failures] : [];
  const dataCache = new Map<string, ImageSplit>();
  let metricsLines = resume?.metricsLines ?? 0;
  const log = (rec: Record<string, unknown>) => {
    ctx.out.appendMetrics(rec);
    metricsLines++;
  };
  const arrays = new ArrayExports(ctx.out, cfg.settings.length);
  const arrayFiles: string[] = [];
  for (let si = resume?.setting ?? 0; si < cfg.settings.length; si++) {
    const { label, cfg: s } = cfg.settings[si];
    const key = JSON.stringify(s.data);
    if (!dataCache.has(key)) dataCache.set(key, loadIbData(s.data));
    const data = dataCache.get(key)!;
    const train = data.train,
      test = data.test;
    const spe = Math.floor(train.n / s.batchSize);
    if (spe < 1) throw new ConfigError(`batchSize ${s.batchSize} exceeds the ${train.n} training images`);
    const totalSteps = Math.min(s.epochs * spe, s.steps ?? Infinity);
    const epochs = Math.ceil(totalSteps / spe);
    // Same seed for every setting: the comparison is between models, not initialisations.
    const base = new Rng(deriveSeed(ctx.seed, 'ib'));
    const netRng = base.split(),
      dataRng = base.split(),
      stepRng = base.split(),
      evalRng = base.split();
    const model: IbModel = createIbModel({ ...s.model, inputDim: IMAGE_SIZE, numClasses: NUM_CLASSES }, netRng);
    let trace: IbTrace = { label, rate: s.model.rate, steps: [], curves: {}, evals: [] };
    let epoch0 = 0;
    let lr = s.model.optimizer.learningRate;
    try {
      if (resume && resume.setting === si && resume.current) {
        await setIbModelState(model, { arrays: resumeArrays, estimatorState: resume.estimatorState });
        dataRng.setState(resume.rngs.data);
        stepRng.setState(resume.rngs.step);
        evalRng.setState(resume.rngs.eval);
        trace = resume.current;
        epoch0 = resume.epoch;
        lr = resume.learningRate;
      }
      resumeArrays = [];
      ctx.progress.start(`${label}: ${epochs} epochs × ${spe} steps`, totalSteps);
      const xb = new Float32Array(s.batchSize * IMAGE_SIZE);
      const yb = new Int32Array(s.batchSize);
      for (let e = epoch0; e < epochs; e++) {
        setIbLearningRate(model, lr);
        const order = dataRng.permutation(train.n);
        const first = e * spe,
          last = Math.min((e + 1) * spe, totalSteps);
        const epochNumbers: Record<string, number[]> = { mi: [], rate: [], ce: [], batchError: [] };
        await runLoop({
          startStep: first,
          steps: last,
          logEvery: cfg.logEvery,
          shouldStop: ctx.shouldStop,
          divergence: divergenceGuard(ctx),
          onProgress: (d) => ctx.progress.tick(first + d, totalSteps),
          allowNonFinite: model.mi ? ['clipScale'] : [...IB_MI_FIELDS, ...(s.model.rate === 'mi' ? ['rate'] : [])],
          step: (i) => {
            const b = i - first;
            for (let k = 0; k < s.batchSize; k++) {
              const j = order[b * s.batchSize + k];
              xb.set(train.images.subarray(j * IMAGE_SIZE, (j + 1) * IMAGE_SIZE), k * IMAGE_SIZE);
              yb[k] = train.labels[j];
            }
            const r = ibTrainStep(model, xb, yb, stepRng);
            for (const f of Object.keys(epochNumbers)) epochNumbers[f].push(r[f as keyof typeof r]);
            return r;
          },
          onLog: (i, n) => {
            const clean = Object.fromEntries(Object.entries(n).map(([k, v]) => [k, Number.isFinite(v) ? v : null]));
            log({ type: 'train', setting: label, step: i, epoch: e, ...clean });
            trace.steps.push(i);
            for (const [k, v] of Object.entries(clean)) (trace.curves[k] ??= []).push(v);
          },
        });
        const te = ibTestError(model, test.images, test.labels, s.evaluation.samples, evalRng);
        const avg = model.average;
        const tp = avg ? avg.withAveraged(() => ibTestError(model, test.images, test.labels, s.evaluation.samples, evalRng)) : null;
        const ev: IbEval = {
          epoch: e + 1,
          step: last,
          learningRate: lr,
          errorOneSamplePct: 100 * te.errorOneSample,
          errorAvgPct: 100 * te.errorAveraged,
          ...(tp ? { polyakErrorOneSamplePct: 100 * tp.errorOneSample, polyakErrorAvgPct: 100 * tp.errorAveraged } : {}),
          trainErrorPct: 100 * mean(epochNumbers.batchError),
          trainCe: mean(epochNumbers.ce),
          mi: mean(epochNumbers.mi),
          rate: mean(epochNumbers.rate),
        };
        trace.evals.push(ev);
        log({ type: 'eval', setting: label, ...Object.fromEntries(Object.entries(ev).map(([k, v]) => [k, Number.isFinite(v) ? v : null])) });
        ctx.progress.note(
          `${label} epoch ${e + 1}/${epochs}: test error ${ev.errorAvgPct.toFixed(2)}% (${s.evaluation.samples} samples), ${ev.errorOneSamplePct.toFixed(2)}% (1 sample)${tp ? `; Polyak-averaged weights ${ev.polyakErrorAvgPct!.toFixed(2)}% / ${ev.polyakErrorOneSamplePct!.toFixed(2)}%` : ''}; ${s.model.rate === 'vib' ? 'KL' : 'I(X;Z)'} ${ev.rate.toFixed(3)}`,
        );
        if ((e + 1) % s.schedule.every === 0) lr *= s.schedule.decay;
        if (s.checkpoint) {
          const st = await getIbModelState(model);
          const meta: CheckpointMeta = {
            version: 1,
            experiment: cfg.name,
            seed: ctx.seed,
            setting: si,
            epoch: e + 1,
            step: last,
            learningRate: lr,
            rngs: { data: dataRng.getState(), step: stepRng.getState(), eval: evalRng.getState() },
            estimatorState: st.estimatorState,
            metricsLines,
            done: traces,
            current: trace,
            failures,
          };
          writeCheckpoint(ctx.out, CHECKPOINT, { meta: meta as unknown as Record<string, unknown>, arrays: st.arrays });
          if (s.checkpoint.keep === 'all') keepEpochCheckpoint(ctx.out, CHECKPOINT, si + 1, e + 1);
        }
      }
      // μ(x), the encoder's noise-free code, of every test image as .npy, for analysis in Python
      const z = model.encoder.zDim;
      const codes = mapRows(test.images, IMAGE_SIZE, z, 500, (t) => model.encoder.deterministic(t));
      arrayFiles.push(
        ...arrays.latents(label, codes, z, `the encoder's noise-free code of each test image (μ(x) for the gaussian encoder; label: its class)`, test.labels),
      );
    } catch (err) {
      // a diverged setting is recorded and skipped; the others still run
      if (!recordDivergence(err, { setting: label }, failures, ctx.progress)) throw err;
      resume = null;
      continue;
    } finally {
      disposeIbModel(model);
      ctx.progress.done();
    }
    traces.push(trace);
    resume = null;
  }
  const metrics: Record<string, number> = {};
  for (const t of traces) for (const [k, v] of Object.entries(settingMetrics(t))) metrics[traces.length > 1 ? `${t.label}.${k}` : k] = v;
  if (traces.length === 0) throw new AllDiverged(failures);
  const files = [...renderIbFigures({ ...cfg, settings: cfg.settings.filter((x) => traces.some((t) => t.label === x.label)) }, traces, ctx.out), ...arrayFiles];
  appendFailures(ctx.out, 'table.md', failures);
  const rows = [...traces.map((t) => ({ setting: t.label, ...settingMetrics(t) })), ...failureRows(failures)];
  const policy = cfg.settings[0].cfg.checkpoint;
  if (policy) finishCheckpoints(ctx.out, CHECKPOINT, policy.keep);
  return { metrics, rows, files, ...(failures.length ? { failures } : {}) };
}
