#!/usr/bin/env node
/**
 * The infobound command line. The backend is chosen here, once, from --backend or
 * INFOBOUND_BACKEND; library code never chooses it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/validate.js';
import { readExperimentFile, runExperiment } from '../experiments/runExperiment.js';
import { parseGridArg, runSweep } from '../experiments/sweep.js';
import { createProgress } from './progress.js';
import { cmdReport } from './report.js';

/** steps of the `start` job: a few minutes on two cores. */
const START_STEPS = 3000;

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const USAGE = `infobound — GANs and information bottlenecks with neural MI estimators

usage:
  infobound start                      the main job: a short MINEGAN on 25 Gaussians, with sample and KDE plots
  infobound run <experiment.json> [--steps N] [--seed S] [--backend B] [--out DIR] [--set path=value …]
                                       run one experiment; outputs go to DIR/<experiment>/<run-id>/ (DIR = outputs);
                                       --set overrides a config field (JSON value), e.g. --set mi.beta=0.5
                                       --resume RUN_DIR continues a run from its last checkpoint (ib task)
  infobound sweep <experiment.json> --grid key=v1,v2 [--grid …] [--seeds N] [--parallel P] [--steps N]
                                       run the grid × seeds (keys: config paths, or beta/estimator/clip for GANs,
                                       estimator/rho for MI benchmarks, beta/estimator/encoder/rate/clip for ib)
                                       and write comparison.md/json and charts
  infobound report <dir> [--open]      write index.html for a run or sweep directory (charts, tables, figures),
                                       or, for any other directory (e.g. outputs), an index of the runs under it;
                                       run and sweep take --report to write it when they finish
  infobound eval msssim <a.png> <b.png> [--scales N] [--window W]
                                       MS-SSIM of two images of the same size (greyscale by BT.601 luma)
  infobound train-classifier [--epochs N] [--data embedded|idx --dir D] [--out DIR]
                                       train the MNIST classifier for reconstruction accuracy (default out: models/mnist-classifier)
  infobound list                       the shipped experiments
  infobound help

backends (--backend or INFOBOUND_BACKEND): node-gpu, node, wasm, cpu; default: the first that loads.`;

function experimentPath(arg: string): string {
  if (existsSync(arg)) return arg;
  const shipped = join(PACKAGE_ROOT, 'experiments', arg.endsWith('.json') ? arg : `${arg}.json`);
  if (existsSync(shipped)) return shipped;
  throw new ConfigError(`experiment file not found: ${arg} (also looked for ${shipped}); see \`infobound list\``);
}

function intFlag(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new ConfigError(`--${name} must be an integer, got "${v}"`);
  return n;
}

/** `--set a.b=value`: the value as JSON when it parses (numbers, lists, objects), else as a string. */
function parseSet(arg: string): { path: string; value: unknown } {
  const m = /^([A-Za-z0-9_.]+)=(.*)$/.exec(arg);
  if (!m) throw new ConfigError(`--set ${JSON.stringify(arg)}: expected path=value, e.g. mi.beta=0.5`);
  let value: unknown = m[2];
  try {
    value = JSON.parse(m[2]);
  } catch {
    /* a plain string */
  }
  return { path: m[1], value };
}

type Values = Record<string, string | boolean | string[] | undefined>;

async function cmdRun(file: string, values: Values, extraSteps?: number, extraOverrides: { path: string; value: unknown }[] = []): Promise<number> {
  const raw = readExperimentFile(experimentPath(file));
  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write('\nstopping after this step (Ctrl-C again to quit at once)…\n');
  };
  process.on('SIGINT', onSigint);
  const progress = createProgress();
  const outcome = await runExperiment(raw, {
    steps: intFlag(values.steps as string | undefined, 'steps') ?? extraSteps,
    seed: intFlag(values.seed as string | undefined, 'seed'),
    backend: values.backend as string | undefined,
    out: values.out as string | undefined,
    runDir: values['run-dir'] as string | undefined,
    resume: values.resume as string | undefined,
    overrides: [...extraOverrides, ...((values.set as string[] | undefined) ?? []).map(parseSet)],
    progress,
    shouldStop: () => stop,
  });
  process.off('SIGINT', onSigint);
  if (values.report) cmdReport(outcome.dir);
  const files = outcome.result?.files ?? [];
  if (outcome.status === 'completed') {
    process.stdout.write(`\n${outcome.status}: ${outcome.dir}\n`);
    for (const f of files) process.stdout.write(`  ${f}\n`);
    return 0;
  }
  process.stderr.write(`\n${outcome.status}: ${outcome.error}\nthe partial record is in ${outcome.dir} (metrics.jsonl, summary.json)\n`);
  return outcome.status === 'interrupted' ? 130 : 1;
}

export async function main(argv: string[]): Promise<number> {
  // eval and train-classifier parse their own flags
  if (argv[0] === 'eval') return (await import('./eval.js')).cmdEval(argv.slice(1));
  if (argv[0] === 'train-classifier') return (await import('./trainClassifier.js')).cmdTrainClassifier(argv.slice(1));
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      steps: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      out: { type: 'string' },
      set: { type: 'string', multiple: true },
      'run-dir': { type: 'string' },
      resume: { type: 'string' },
      grid: { type: 'string', multiple: true },
      seeds: { type: 'string' },
      parallel: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      report: { type: 'boolean' },
      open: { type: 'boolean' },
    },
  });
  const [cmd, ...rest] = positionals;
  if (values.help || cmd === undefined || cmd === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  switch (cmd) {
    case 'start':
      // The main job, no download, no flags: a short MINEGAN (β = 1) on 25 Gaussians, writing its
      // sample scatter and KDE density maps.
      return cmdRun('minegan-25gaussians', values, values.steps === undefined ? START_STEPS : undefined, [
        { path: 'vary', value: {} },
        { path: 'evaluation.snapshots', value: [500, 1000, START_STEPS] },
      ]);
    case 'run':
      if (rest.length !== 1) throw new ConfigError('usage: infobound run <experiment.json> [--steps N] [--seed S] [--backend B] [--out DIR]');
      return cmdRun(rest[0], values);
    case 'sweep': {
      if (rest.length !== 1) throw new ConfigError('usage: infobound sweep <experiment.json> --grid key=v1,v2 [--grid …] [--seeds N] [--parallel P]');
      const file = experimentPath(rest[0]);
      const raw = readExperimentFile(file);
      const nSeeds = intFlag(values.seeds as string | undefined, 'seeds') ?? 1;
      if (nSeeds < 1) throw new ConfigError(`--seeds must be ≥ 1, got ${nSeeds}`);
      const base = intFlag(values.seed as string | undefined, 'seed') ?? (typeof raw.seed === 'number' ? raw.seed : 0);
      const grid = ((values.grid as string[] | undefined) ?? []).map((g) => parseGridArg(g, String(raw.task)));
      const progress = createProgress();
      const r = await runSweep({
        experimentFile: resolve(file),
        experimentName: String(raw.name),
        task: String(raw.task),
        grid,
        seeds: Array.from({ length: nSeeds }, (_, i) => base + i),
        parallel: intFlag(values.parallel as string | undefined, 'parallel') ?? 1,
        out: resolve((values.out as string | undefined) ?? 'outputs'),
        steps: intFlag(values.steps as string | undefined, 'steps'),
        backend: values.backend as string | undefined,
        progress,
        // each cell runs this same CLI (compiled or under tsx) in a child process
        command: [process.execPath, ...process.execArgv, process.argv[1]],
      });
      const failed = r.cells.filter((c) => c.status !== 'completed').length;
      process.stdout.write(`\nsweep: ${r.cells.length - failed}/${r.cells.length} cells completed → ${r.dir}\n`);
      for (const f of r.files) process.stdout.write(`  ${f}\n`);
      if (values.report) cmdReport(r.dir);
      return failed === r.cells.length ? 1 : 0;
    }
    case 'report':
      if (rest.length !== 1) throw new ConfigError('usage: infobound report <run-or-sweep-or-outputs-dir> [--open]');
      return cmdReport(rest[0], Boolean(values.open));
    case 'list': {
      const dir = join(PACKAGE_ROOT, 'experiments');
      for (const f of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
        const raw = readExperimentFile(join(dir, f));
        process.stdout.write(`${f.replace(/\.json$/, '').padEnd(24)} ${String(raw.description ?? '')}\n`);
      }
      return 0;
    }
    default:
      throw new ConfigError(`unknown command "${cmd}"; expected one of start, run, sweep, report, list, help`);
  }
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly || process.env.INFOBOUND_CLI === '1') {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      const err = e as Error;
      process.stderr.write(`infobound: ${err instanceof ConfigError || err.name === 'TypeError' && /parseArgs|Unknown option/.test(err.message) ? err.message : err.stack ?? String(err)}\n`);
      process.exit(2);
    },
  );
}
