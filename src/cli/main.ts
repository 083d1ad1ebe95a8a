#!/usr/bin/env node
/**
 * The infobound command line. The backend is chosen here, once, from --backend or
 * INFOBOUND_BACKEND; library code never chooses it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, parseConfigJson } from '../config/validate.js';
import { describeFailure } from '../experiments/failures.js';
import { readExperimentFile, runExperiment } from '../experiments/runExperiment.js';
import { PACKAGE_ROOT, packageVersion } from '../util/packageInfo.js';
import { createProgress } from './progress.js';
import { cmdReport } from './report.js';
import { experimentPath } from './experimentPath.js';

/** steps of the `start` job: about a minute and a half on one core (the shipped experiment's budget). */
const START_STEPS = 5000;

/**
 * What `start` changes in experiments/minegan-25gaussians.json for a run of `steps` steps: MINEGAN
 * alone (no `vary`: the file's β = 0 contrast is left out to stay near two minutes), with the file's
 * schedules scaled to the steps — β 1 → 0 over the first 2/3 (the MI term spreads G over the modes
 * early, the plain adversarial loss sharpens them after), the learning rates falling linearly to a
 * tenth over the last third — and sample snapshots within the run. At the default 5,000 steps the
 * schedules are the file's (issue 15: seeds 0–11, 25/25 modes with ≥ 20 of 2,500 samples,
 * 92–95 % high-quality, KL 0.013–0.040; the same recipe at β = 0 covered 1 and 4 modes on seeds 0/1).
 */
export function startOverrides(steps: number): { path: string; value: unknown }[] {
  const twoThirds = Math.max(1, Math.round((2 * steps) / 3));
  const snapshots = [...new Set([500, 1000, twoThirds])].filter((s) => s < steps).sort((a, b) => a - b);
  return [
    { path: 'vary', value: {} },
    { path: 'mi.betaSchedule', value: { kind: 'linear', to: 0, end: twoThirds } },
    { path: 'learningRateSchedule', value: { kind: 'linear', to: 0.1, start: Math.min(twoThirds, steps - 1) } },
    { path: 'evaluation.snapshots', value: steps > 0 ? [...snapshots, steps] : [START_STEPS] },
  ];
}

const USAGE = `infobound — GANs and information bottlenecks with neural MI estimators

usage:
  infobound start                      the main job: a short MINEGAN on 25 Gaussians, with sample and KDE plots
  infobound run <experiment.json> [--steps N] [--seed S] [--backend B] [--out DIR] [--set path=value …]
                                       run one experiment; outputs go to DIR/<experiment>/<run-id>/ (DIR = outputs);
                                       --set overrides a config field (JSON value), e.g. --set mi.beta=0.5
                                       --resume RUN_DIR continues a run from its last checkpoint (ib task)
  infobound sweep <experiment.json> --grid key=v1,v2 [--grid …] [--seeds N] [--parallel P] [--steps N]
                [--executor local|slurm] [--partition P] [--time T] [--cpus-per-task C] [--wait] …
                                       run the grid × seeds (keys: config paths, or beta/estimator/clip for GANs,
                                       estimator/rho for MI benchmarks, beta/estimator/encoder/rate/clip for ib)
                                       here or as a Slurm job array, and write comparison.md/json and charts
  infobound sweep status|collect|resume <sweep-dir>
                                       a sweep's cells; compare those that finished; run the rest again
                                       (infobound sweep --help for all options)
  infobound report <dir> [--open]      write index.html for a run or sweep directory (charts, tables, figures),
                                       or, for any other directory (e.g. outputs), an index of the runs under it;
                                       run and sweep take --report to write it when they finish
  infobound eval msssim <a.png> <b.png> [--scales N] [--window W]
                                       MS-SSIM of two images of the same size (greyscale by BT.601 luma)
  infobound train-classifier [--epochs N] [--data embedded|idx --dir D] [--out DIR]
                                       train the MNIST classifier for reconstruction accuracy (default out: models/mnist-classifier)
  infobound estimate <x-file> [<y-file>] [--x-cols a:b --y-cols c:d] [--estimator K] [--steps N] [--seeds S] [--json] [--out DIR]
                                       MI between the rows of two .npy/.csv/.tsv/.json files (or two column ranges of one),
                                       held-out estimate in nats (infobound estimate --help for all options)
  infobound suite [--quick] [--estimators a,b] [--seeds N] [--json] [--out DIR]
                                       every estimator on tasks with known MI (experiments/mi-suite.json): bias table, |bias| heat-map
  infobound validate <experiment.json …>
                                       check experiment files without running them: one line per problem, naming the field
  infobound schema                     print the experiment format as a JSON Schema (schema/experiment.schema.json;
                                       an experiment's "$schema" key points editors to it)
  infobound list                       the shipped experiments
  infobound help | --version

Ctrl-C (SIGINT) or SIGTERM stops a run after the current step: summary.json says "interrupted",
metrics and checkpoints are kept, the exit code is 130 (143 for SIGTERM); a second one quits at once.
Exit codes: 0 done, 1 failed (or completed with diverged settings/estimators), 2 bad usage or config.
INFOBOUND_DEBUG=1 prints stack traces.

backends (--backend or INFOBOUND_BACKEND): node-gpu, node, wasm, cpu; default: the first that loads.`;

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
    value = parseConfigJson(m[2], `--set ${arg}`);
  } catch (e) {
    // 1e999 is JSON but not a number a run can use; anything else that is not JSON is a plain string
    if (e instanceof ConfigError) throw new ConfigError(`--set ${m[1]}: ${e.message.replace(/ in --set .*$/, '')}`);
  }
  return { path: m[1], value };
}

/**
 * `--seed -1`: parseArgs reads "-1" as an option and calls the value ambiguous; a negative number
 * after a flag is always that flag's value, so it is joined to it (`--seed=-1`) and then checked
 * (and refused) by the flag's own validation, with its own message.
 */
export function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (/^--[A-Za-z][\w-]*$/.test(a) && i + 1 < argv.length && /^-(\d|\.\d)/.test(argv[i + 1])) out.push(`${a}=${argv[++i]}`);
    else out.push(a);
  }
  return out;
}

/** The commands, for the unknown-command message (keep in step with the dispatch in main). */
const COMMANDS = ['start', 'run', 'sweep', 'estimate', 'suite', 'report', 'eval', 'train-classifier', 'validate', 'schema', 'list', 'help'];

/** Files of a stopped run that exist, for the message that points to them. */
function kept(dir: string): string {
  const files = ['summary.json', 'metrics.jsonl', 'checkpoint.bin', 'table.md'].filter((f) => existsSync(join(dir, f)));
  return files.length ? ` (${files.join(', ')})` : '';
}

type Values = Record<string, string | boolean | string[] | undefined>;

/** Exit codes of a run stopped by a signal: 128 + the signal's number, as shells report them. */
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

async function cmdRun(file: string, values: Values, extraSteps?: number, extraOverrides: { path: string; value: unknown }[] = []): Promise<number> {
  const raw = readExperimentFile(experimentPath(file));
  const sets = ((values.set as string[] | undefined) ?? []).map(parseSet);
  // two answers to one question: refuse rather than pick one silently
  if (values.steps !== undefined && sets.some((o) => o.path === 'steps'))
    throw new ConfigError('--steps and --set steps=… both give the number of training steps; use one of them');
  // The first SIGINT/SIGTERM asks the run to stop after the current step (the training loop yields
  // to the event loop, so this handler runs mid-run); the second quits at once.
  let stopSignal: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopSignal) process.exit(SIGNAL_EXIT[sig] ?? 130);
    stopSignal = sig;
    process.stderr.write(`\n${sig}: stopping after this step (${sig === 'SIGINT' ? 'Ctrl-C' : sig} again to quit at once)…\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = createProgress();
  let outcome: Awaited<ReturnType<typeof runExperiment>>;
  try {
    outcome = await runExperiment(raw, {
      steps: intFlag(values.steps as string | undefined, 'steps') ?? extraSteps,
      seed: intFlag(values.seed as string | undefined, 'seed'),
      backend: values.backend as string | undefined,
      out: values.out as string | undefined,
      runDir: values['run-dir'] as string | undefined,
      resume: values.resume as string | undefined,
      overrides: [...extraOverrides, ...sets],
      progress,
      shouldStop: () => stopSignal !== null,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (outcome.alreadyFinished) {
    process.stdout.write(`${outcome.dir} already finished (${outcome.status}); nothing to resume\n`);
    return 0;
  }
  if (values.report) cmdReport(outcome.dir);
  const files = outcome.result?.files ?? [];
  if (outcome.status === 'completed' || outcome.status === 'completed-with-failures') {
    process.stdout.write(`\n${outcome.status}: ${outcome.dir}\n`);
    for (const f of files) process.stdout.write(`  ${f}\n`);
    if (outcome.status === 'completed') return 0;
    process.stderr.write(
      `\n${outcome.failures!.length} diverged and stopped (the rest ran to the end; marked in the tables):\n${outcome.failures!.map((f) => `  ${describeFailure(f)}\n`).join('')}`,
    );
    return 1;
  }
  const why = outcome.status === 'interrupted' && stopSignal ? ` (${stopSignal})` : '';
  process.stderr.write(`\n${outcome.status}${why}: ${outcome.error}\nthe partial record is in ${outcome.dir}${kept(outcome.dir)}\n`);
  if (outcome.status === 'interrupted') return SIGNAL_EXIT[stopSignal ?? 'SIGINT'] ?? 130;
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  argv = joinNegativeValues(argv);
  if (argv[0] === '--version' || argv[0] === 'version') {
    process.stdout.write(`infobound ${packageVersion()}\n`);
    return 0;
  }
  // eval and train-classifier parse their own flags
  if (argv[0] === 'eval') return (await import('./eval.js')).cmdEval(argv.slice(1));
  if (argv[0] === 'train-classifier') return (await import('./trainClassifier.js')).cmdTrainClassifier(argv.slice(1));
  if (argv[0] === 'sweep') return (await import('./sweep.js')).cmdSweep(argv.slice(1));
  if (argv[0] === 'estimate') return (await import('./estimate.js')).cmdEstimate(argv.slice(1));
  if (argv[0] === 'suite') return (await import('./suite.js')).cmdSuite(argv.slice(1));
  if (argv[0] === 'schema') return (await import('./validate.js')).cmdSchema();
  if (argv[0] === 'validate') return (await import('./validate.js')).cmdValidate(argv.slice(1), experimentPath);
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      version: { type: 'boolean' },
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
  if (values.version) {
    process.stdout.write(`infobound ${packageVersion()}\n`);
    return 0;
  }
  if (values.help || cmd === undefined || cmd === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  switch (cmd) {
    case 'start': {
      const steps = intFlag(values.steps as string | undefined, 'steps') ?? START_STEPS;
      return cmdRun('minegan-25gaussians', values, values.steps === undefined ? START_STEPS : undefined, startOverrides(steps));
    }
    case 'run':
      if (rest.length !== 1) throw new ConfigError('usage: infobound run <experiment.json> [--steps N] [--seed S] [--backend B] [--out DIR]');
      return cmdRun(rest[0], values);
    case 'sweep':
      // flags before the word "sweep": the sweep module parses them with its own
      return (await import('./sweep.js')).cmdSweep(argv.filter((_, i) => i !== argv.indexOf('sweep')));
    case 'report':
      if (rest.length !== 1) throw new ConfigError('usage: infobound report <run-or-sweep-or-outputs-dir> [--open]');
      return cmdReport(rest[0], Boolean(values.open));
    case 'list': {
      const dir = join(PACKAGE_ROOT, 'experiments');
      for (const f of readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()) {
        const raw = readExperimentFile(join(dir, f));
        process.stdout.write(`${f.replace(/\.json$/, '').padEnd(24)} ${String(raw.description ?? '')}\n`);
      }
      return 0;
    }
    default:
      throw new ConfigError(`unknown command "${cmd}"; expected one of ${COMMANDS.join(', ')}`);
  }
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly || process.env.INFOBOUND_CLI === '1') {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      // a user's mistake (a config or flag): one line naming it, exit 2. Anything else is ours: one
      // line too, exit 1, and the stack trace only for developers (INFOBOUND_DEBUG=1).
      const userError = err instanceof ConfigError || /^ERR_PARSE_ARGS_/.test(String((err as NodeJS.ErrnoException).code ?? ''));
      const debug = process.env.INFOBOUND_DEBUG === '1';
      const line = err.message.split('\n')[0];
      if (debug) process.stderr.write(`infobound: ${err.stack ?? line}\n`);
      else process.stderr.write(`infobound: ${line}${userError ? '' : '\n(an internal error: INFOBOUND_DEBUG=1 prints its stack trace)'}\n`);
      process.exit(userError ? 2 : 1);
    },
  );
}
