/**
 * `infobound estimate <x-file> [<y-file>]`: the mutual information between the rows of two files
 * (or two column ranges of one file), by estimateMI (src/mi/estimateMI.ts): a critic trained on
 * one part of the rows, its bound evaluated on the held-out rest.
 *
 * Every input is checked before anything is written: files, columns, row counts, NaN/∞, flags.
 * A bad one is one line on stderr and exit 2, and no run directory exists. Progress goes to
 * stderr; stdout holds the result only (with --json: exactly one JSON object).
 */
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ready } from '../backend/backend.js';
import { ConfigError } from '../config/validate.js';
import { parseCriticConfig } from '../experiments/criticConfig.js';
import { parseColumns, readArrayFile, selectColumns, type ArrayTable } from '../io/arrayFile.js';
import { claimRunDir, gitCommit, makeRunId, RunDir } from '../io/runDir.js';
import { packageVersion } from '../util/packageInfo.js';
import { estimateMI, resolveEstimateOptions, type EstimateOptions, type EstimateResult } from '../mi/estimateMI.js';
import { lineChart, type LineSeries } from '../plot/lineChart.js';
import { createProgress } from './progress.js';

export const ESTIMATE_USAGE = `infobound estimate <x-file> [<y-file>] [options]
  files: .npy (float/int, 1-D or 2-D, C order), .csv/.tsv (numbers, optional header row), .json (array of rows)
  --x-cols a:b, --y-cols c:d   columns (0-based, half-open like Python; 3, 0:3, 5:, -1, 0,2,4:6);
                               with one file both are required
  --estimator K                mine (default), mine-biased, nwj, eta-mine, remine, remine-j, infonce, smile, js, ksg,
                               or a JSON config, e.g. '{"kind":"smile","clip":5}'
  --critic C                   concat (default, hidden 256,256), separable, bilinear, or a JSON critic config
  --steps N | --epochs E       training budget per seed (default 2000 steps; early stopping may end it sooner)
  --batch-size B               (default 64)    --learning-rate LR (default 5e-4)
  --test-fraction F            share of rows held out (default 0.5)
  --eval-every N, --patience P held-out evaluation interval (default steps/20) and early-stopping patience
                               in evaluations (default 5; "none" trains every step)
  --seeds S, --seed S          S independent trainings (mean ± std), and the base seed (default 1, 0)
  --no-standardize             do not z-score columns (default: z-score with the train rows' statistics)
  --json                       print one JSON object (estimate in nats, std, per seed, curves, options)
  --out DIR                    also write a run directory DIR/estimate/<run-id>/ (config, metrics, summary, curves.png)
  --backend B                  node-gpu, node, wasm or cpu`;

interface Inputs {
  x: ArrayTable;
  y: ArrayTable;
  describe: {
    x: { file: string; columns: number[] | 'all'; shape: [number, number] };
    y: { file: string; columns: number[] | 'all'; shape: [number, number] };
  };
}

function readInputs(files: string[], xCols?: string, yCols?: string): Inputs {
  if (files.length < 1 || files.length > 2)
    throw new ConfigError(`estimate needs one or two data files, got ${files.length}. usage: ${ESTIMATE_USAGE.split('\n')[0]}`);
  const [xf, yf] = files.length === 2 ? files : [files[0], files[0]];
  if (files.length === 1 && (xCols === undefined || yCols === undefined)) {
    throw new ConfigError(`with one file (${xf}), give both --x-cols and --y-cols (e.g. --x-cols 0:3 --y-cols 3:5)`);
  }
  const xt = readArrayFile(xf, { minRows: 2 });
  const yt = files.length === 2 ? readArrayFile(yf, { minRows: 2 }) : xt;
  const pick = (t: ArrayTable, spec: string | undefined, flag: string) =>
    spec === undefined
      ? { t, cols: 'all' as const }
      : (() => {
          const cols = parseColumns(spec, t.shape[1], flag);
          return { t: selectColumns(t, cols), cols };
        })();
  const px = pick(xt, xCols, '--x-cols');
  const py = pick(yt, yCols, '--y-cols');
  if (px.t.shape[0] !== py.t.shape[0]) {
    throw new ConfigError(`row counts differ: ${xf} has ${px.t.shape[0]} rows, ${yf} has ${py.t.shape[0]}; x and y must be paired row by row`);
  }
  return { x: px.t, y: py.t, describe: { x: { file: xf, columns: px.cols, shape: px.t.shape }, y: { file: yf, columns: py.cols, shape: py.t.shape } } };
}

function numberFlag(v: string | undefined, flag: string, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)))
    throw new ConfigError(`${flag} must be ${integer ? 'an integer' : 'a number'}, got "${v}"`);
  return n;
}

/** A JSON value when the flag looks like one, else the plain word. */
function jsonOrWord(v: string, flag: string): unknown {
  if (!/^\s*[{[]/.test(v)) return v;
  try {
    return JSON.parse(v);
  } catch (e) {
    throw new ConfigError(`${flag}: not valid JSON (${(e as Error).message}): ${v}`);
  }
}

function optionsFromFlags(values: Record<string, string | boolean | undefined>): EstimateOptions {
  const o: EstimateOptions = {};
  if (values.estimator !== undefined) o.estimator = jsonOrWord(values.estimator as string, '--estimator') as EstimateOptions['estimator'];
  if (values.critic !== undefined) {
    const c = jsonOrWord(values.critic as string, '--critic');
    o.critic = parseCriticConfig(typeof c === 'string' ? { kind: c } : c, '--critic');
  }
  o.steps = numberFlag(values.steps as string | undefined, '--steps', true);
  o.epochs = numberFlag(values.epochs as string | undefined, '--epochs', true);
  o.batchSize = numberFlag(values['batch-size'] as string | undefined, '--batch-size', true);
  o.learningRate = numberFlag(values['learning-rate'] as string | undefined, '--learning-rate', false);
  o.testFraction = numberFlag(values['test-fraction'] as string | undefined, '--test-fraction', false);
  o.evalEvery = numberFlag(values['eval-every'] as string | undefined, '--eval-every', true);
  if (values.patience !== undefined) o.patience = values.patience === 'none' ? null : numberFlag(values.patience as string, '--patience', true);
  o.seeds = numberFlag(values.seeds as string | undefined, '--seeds', true);
  o.seed = numberFlag(values.seed as string | undefined, '--seed', true);
  if (values['no-standardize']) o.standardize = false;
  for (const k of Object.keys(o) as (keyof EstimateOptions)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** Flag names in errors: the library's option names → the CLI's. */
const FLAG_OF: Record<string, string> = {
  batchSize: '--batch-size',
  learningRate: '--learning-rate',
  testFraction: '--test-fraction',
  evalEvery: '--eval-every',
  steps: '--steps',
  epochs: '--epochs',
  patience: '--patience',
  seeds: '--seeds',
  seed: '--seed',
  estimator: '--estimator',
};
function asFlagError(e: unknown): never {
  if (e instanceof ConfigError) {
    const m = /^([A-Za-z]+)(\b.*)$/s.exec(e.message);
    if (m && FLAG_OF[m[1]]) throw new ConfigError(`${FLAG_OF[m[1]]}${m[2]}`);
  }
  throw e;
}

const finite = (v: number) => (Number.isFinite(v) ? v : null);
function toJson(r: EstimateResult, describe: Inputs['describe']): string {
  return JSON.stringify({ ...r, inputs: describe }, (_k, v) => (typeof v === 'number' ? finite(v) : v));
}

function curvesChart(r: EstimateResult): Buffer {
  const series: LineSeries[] = r.curves.flatMap((c, i) => [
    { name: `seed ${i} held out`, x: c.step, y: c.test, colorIndex: i, markers: c.step.length < 40 },
    { name: `seed ${i} train`, x: c.step, y: c.train, colorIndex: i, dashed: true },
  ]);
  return lineChart({ title: `${r.estimator}: bound on held-out (solid) and train rows (dashed)`, xLabel: 'step', yLabel: 'nats', series });
}

function humanReport(r: EstimateResult, d: Inputs['describe'], dir: string | null): string {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : String(v));
  const lines = [
    `I(X; Y) ≈ ${f(r.estimate)}${r.perSeed.length > 1 ? ` ± ${f(r.std)}` : ''} nats (${f(r.estimateBits)} bits), held-out ${r.estimator} estimate${r.perSeed.length > 1 ? ` over ${r.perSeed.length} seeds (mean ± std)` : ''}`,
    `  data: x ${d.x.shape[0]}×${d.x.shape[1]} (${d.x.file}), y ${d.y.shape[0]}×${d.y.shape[1]} (${d.y.file}); ${r.nTrain} rows trained on, ${r.nTest} held out`,
    r.estimator === 'ksg'
      ? `  KSG on the train rows: ${f(r.trainEstimate)} nats`
      : `  train-rows bound ${f(r.trainEstimate)} nats (a train bound well above the held-out one means the critic over-fits)`,
  ];
  if (r.perSeed.length > 1) lines.push(`  per seed: ${r.perSeed.map((s) => f(s.estimate)).join(', ')}`);
  if (r.estimator !== 'ksg')
    lines.push(
      `  best held-out bound at step${r.perSeed.length > 1 ? 's' : ''} ${r.perSeed.map((s) => `${s.bestStep}/${s.steps}${s.stoppedEarly ? ' (early stop)' : ''}`).join(', ')}; ${r.wallSeconds.toFixed(1)} s on ${r.options.backend}`,
    );
  if (r.stopped) lines.push('  interrupted: the numbers cover the training done before Ctrl-C');
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  if (dir) lines.push(`  run directory: ${dir}`);
  return lines.join('\n') + '\n';
}

export async function cmdEstimate(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'x-cols': { type: 'string' },
      'y-cols': { type: 'string' },
      estimator: { type: 'string' },
      critic: { type: 'string' },
      steps: { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      'learning-rate': { type: 'string' },
      'test-fraction': { type: 'string' },
      'eval-every': { type: 'string' },
      patience: { type: 'string' },
      seeds: { type: 'string' },
      seed: { type: 'string' },
      'no-standardize': { type: 'boolean' },
      json: { type: 'boolean' },
      out: { type: 'string' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(ESTIMATE_USAGE + '\n');
    return 0;
  }
  // everything is checked before the backend loads or a directory is created
  const inputs = readInputs(positionals, values['x-cols'], values['y-cols']);
  const options = optionsFromFlags(values);
  let resolved: ReturnType<typeof resolveEstimateOptions>;
  try {
    resolved = resolveEstimateOptions(options, inputs.x.shape[0]);
  } catch (e) {
    asFlagError(e);
  }
  // the backend loads before any directory exists: a backend that cannot load is bad input too
  try {
    await ready({ backend: values.backend });
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }

  // the first SIGINT/SIGTERM stops after the current step (estimateMI yields to the event loop so
  // that this handler runs mid-training); the second quits at once
  let stop: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stop) process.exit(sig === 'SIGTERM' ? 143 : 130);
    stop = sig;
    process.stderr.write(`\n${sig}: stopping after this step (again to quit at once)…\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = createProgress();
  let out: RunDir | null = null;
  const started = new Date();
  const record: Record<string, unknown> = {
    command: 'estimate',
    seed: resolved.seed,
    infobound: packageVersion(),
    gitCommit: gitCommit(),
    node: process.version,
    argv: process.argv.slice(2),
    pid: process.pid,
    startedAt: started.toISOString(),
  };
  const { backend: _b, nTrain: _nt, nTest: _ns, ...configOptions } = resolved;
  const config = { task: 'estimate', inputs: inputs.describe, options: configOptions };
  let lastSeed = -1;
  try {
    options.shouldStop = () => stop !== null;
    options.onProgress = (p) => {
      if (p.seedIndex !== lastSeed) {
        if (lastSeed >= 0) progress.done();
        lastSeed = p.seedIndex;
        progress.start(`seed ${p.seedIndex + 1}/${p.seeds}`, p.steps);
      }
      progress.tick(p.step, p.steps);
      if (p.evaluation)
        out?.appendMetrics({ seed: p.seedIndex, step: p.step, heldOut: p.evaluation.test, train: p.evaluation.train, best: p.best, batch: p.trainBatch });
    };
    if (values.out !== undefined) {
      out = new RunDir(claimRunDir(resolve(values.out, 'estimate'), makeRunId(resolved.seed)));
      out.writeJson('config.json', config);
      out.writeJson('run.json', record);
      progress.note(`estimate → ${out.dir}`);
    }
    const r = await estimateMI(inputs.x, inputs.y, options);
    if (lastSeed >= 0) progress.done();
    const status = r.stopped ? 'interrupted' : 'completed';
    if (out) {
      out.writeJson('run.json', { ...record, backend: r.options.backend });
      const files = [basename(out.write('curves.png', curvesChart(r)))];
      const { curves: _c, perSeed, ...headline } = r;
      out.writeJson('summary.json', {
        ...record,
        status,
        wallSeconds: r.wallSeconds,
        finishedAt: new Date().toISOString(),
        metrics: {
          estimate: r.estimate,
          estimateBits: r.estimateBits,
          std: r.std,
          trainEstimate: r.trainEstimate,
          nTrain: r.nTrain,
          nTest: r.nTest,
          steps: r.steps,
        },
        result: { ...headline, perSeed: perSeed.map(({ curves: _pc, ...s }) => s) },
        files,
      });
    }
    process.stdout.write(values.json ? toJson(r, inputs.describe) + '\n' : humanReport(r, inputs.describe, out?.dir ?? null));
    return r.stopped ? (stop === 'SIGTERM' ? 143 : 130) : Number.isFinite(r.estimate) ? 0 : 1;
  } catch (e) {
    if (out) out.writeJson('summary.json', { ...record, status: 'failed', error: (e as Error).message, finishedAt: new Date().toISOString() });
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
