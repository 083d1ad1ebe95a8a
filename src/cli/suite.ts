/**
 * `infobound suite`: the estimator suite (experiments/mi-suite.json, task "mi-suite") as one
 * command — every estimator through estimateMI on tasks with known MI, a task × estimator table of
 * mean, bias and std, and a |bias| heat-map, in a run directory like `infobound run` writes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, expectObject } from '../config/validate.js';
import { readExperimentFile, runExperiment } from '../experiments/runExperiment.js';
import { createProgress } from './progress.js';
import { PACKAGE_ROOT } from '../util/packageInfo.js';

export const SUITE_USAGE = `infobound suite [--quick] [--estimators a,b] [--seeds N] [--steps N] [--seed S] [--json] [--out DIR] [--backend B] [--file F]
  runs experiments/mi-suite.json (or F): every estimator on tasks with known MI; writes table.md/json and bias-heatmap.png
  --quick          the file's "quick" overrides (small n, few steps: a smoke run of a minute or two)
  --estimators     only these estimators (their labels in the file, comma-separated)
  --json           print one JSON object (status, run directory, rows) on stdout instead of the table`;

function intFlag(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n)) throw new ConfigError(`--${name} must be an integer, got "${v}"`);
  return n;
}

export async function cmdSuite(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      quick: { type: 'boolean' },
      estimators: { type: 'string' },
      seeds: { type: 'string' },
      steps: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      out: { type: 'string' },
      backend: { type: 'string' },
      file: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(SUITE_USAGE + '\n');
    return 0;
  }
  if (positionals.length)
    throw new ConfigError(`suite takes no file argument (got ${positionals.join(' ')}); use --file F for another suite. usage: ${SUITE_USAGE.split('\n')[0]}`);
  const file = values.file ?? join(PACKAGE_ROOT, 'experiments', 'mi-suite.json');
  if (!existsSync(file)) throw new ConfigError(`suite file not found: ${file}`);
  const raw = readExperimentFile(file);
  const { quick, ...rest } = raw;
  let cfg: Record<string, unknown> = rest;
  if (values.quick) {
    if (quick === undefined) throw new ConfigError(`--quick: ${file} has no "quick" overrides`);
    cfg = { ...rest, ...expectObject(quick, 'quick'), name: `${String(raw.name)}-quick` };
  }
  if (values.estimators !== undefined) {
    const want = values.estimators
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const list = (Array.isArray(cfg.estimators) ? cfg.estimators : []) as unknown[];
    const labelOf = (e: unknown) =>
      typeof e === 'string'
        ? e
        : typeof e === 'object' && e !== null
          ? String((e as { label?: string; kind?: string }).label ?? (e as { kind?: string }).kind)
          : String(e);
    const labels = list.map(labelOf);
    const unknown = want.filter((w) => !labels.includes(w));
    if (unknown.length) throw new ConfigError(`--estimators: ${unknown.map((u) => JSON.stringify(u)).join(', ')} not in ${file}; it has ${labels.join(', ')}`);
    cfg.estimators = list.filter((e) => want.includes(labelOf(e)));
  }
  const seeds = intFlag(values.seeds, 'seeds');
  if (seeds !== undefined) {
    if (seeds < 1) throw new ConfigError(`--seeds must be ≥ 1, got ${seeds}`);
    cfg.seeds = seeds;
  }
  let stop: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stop) process.exit(sig === 'SIGTERM' ? 143 : 130);
    stop = sig;
    process.stderr.write(`\n${sig}: stopping after this step (again to quit at once)…\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let outcome: Awaited<ReturnType<typeof runExperiment>>;
  try {
    outcome = await runExperiment(cfg, {
      steps: intFlag(values.steps, 'steps'),
      seed: intFlag(values.seed, 'seed'),
      backend: values.backend,
      out: values.out,
      progress: createProgress(),
      shouldStop: () => stop !== null,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const ok = outcome.status === 'completed';
  if (values.json) {
    process.stdout.write(
      JSON.stringify(
        { status: outcome.status, dir: outcome.dir, error: outcome.error, metrics: outcome.result?.metrics, rows: outcome.result?.rows },
        (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
      ) + '\n',
    );
  } else if (ok) {
    process.stdout.write('\n' + readFileSync(join(outcome.dir, 'table.md'), 'utf8') + `\n${outcome.status}: ${outcome.dir}\n`);
  } else {
    process.stderr.write(`\n${outcome.status}: ${outcome.error}\nthe partial record is in ${outcome.dir}\n`);
  }
  return ok ? 0 : outcome.status === 'interrupted' ? (stop === 'SIGTERM' ? 143 : 130) : 1;
}
