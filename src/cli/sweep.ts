/**
 * `infobound sweep`: run an experiment over a grid × seeds, here (child processes) or on Slurm (a
 * job array), and the commands that follow a sweep directory afterwards:
 *
 *   infobound sweep <experiment> --grid key=v1,v2 … [--seeds N] [--executor local|slurm] …
 *   infobound sweep status <sweep-dir>     each cell's state (summaries, squeue/sacct)
 *   infobound sweep collect <sweep-dir>    comparison.md/json and charts from the finished cells
 *   infobound sweep resume <sweep-dir>     runs again the cells that did not complete
 *
 * Exit codes: 0 all cells completed (or, for a Slurm sweep without --wait, submitted); 1 some cell
 * did not complete (the comparison is still written for the rest); 2 a usage or config error
 * (nothing is created); 130 / 143 stopped by SIGINT / SIGTERM.
 */
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseBackendName } from '../backend/backend.js';
import { ConfigError } from '../config/validate.js';
import { checkOutputDir } from '../io/outputDir.js';
import { readExperimentFile } from '../experiments/runExperiment.js';
import { applyOutcome, describeUnfinished, readCellOutcome, writeComparison } from '../experiments/sweep/collect.js';
import { follow, type Executor } from '../experiments/sweep/executor.js';
import { LocalExecutor } from '../experiments/sweep/localExecutor.js';
import { countCells, createSweep, formatCounts, parseGridArg, Sweep, type SlurmSettings, type SweepCell } from '../experiments/sweep/plan.js';
import { checkSlurmSettings, requireSbatch, SlurmExecutor } from '../experiments/sweep/slurmExecutor.js';
import { createProgress } from './progress.js';
import { cmdReport } from './report.js';
import { experimentPath } from './experimentPath.js';

export const SWEEP_USAGE = `usage:
  infobound sweep <experiment.json> --grid key=v1,v2 [--grid …] [--seeds N] [--seed S] [--steps N] [--backend B]
                  [--out DIR] [--report] [--executor local|slurm] [--parallel P]
                  [--partition P] [--time HH:MM:SS] [--cpus-per-task C] [--mem M] [--gpus G] [--sbatch-arg "…"]… [--wait]
  infobound sweep status <sweep-dir>
  infobound sweep collect <sweep-dir> [--report]
  infobound sweep resume <sweep-dir> [--wait] [--parallel P] [--report] [Slurm options, replacing the recorded ones]

  --executor local (default): each cell is a child process here, --parallel at a time.
  --executor slurm: one Slurm job array, one array task per cell (sbatch; the sweep directory must be
    on a file system the compute nodes share); returns after submitting, or follows the array with --wait.
    --parallel P caps the tasks running at once (--array=…%P); --sbatch-arg is split at spaces.`;

const OPTIONS = {
  grid: { type: 'string', multiple: true },
  seeds: { type: 'string' },
  seed: { type: 'string' },
  steps: { type: 'string' },
  backend: { type: 'string' },
  out: { type: 'string' },
  report: { type: 'boolean' },
  executor: { type: 'string' },
  parallel: { type: 'string' },
  wait: { type: 'boolean' },
  partition: { type: 'string' },
  time: { type: 'string' },
  'cpus-per-task': { type: 'string' },
  mem: { type: 'string' },
  gpus: { type: 'string' },
  'sbatch-arg': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K] extends { multiple: true } ? string[] : (typeof OPTIONS)[K] extends { type: 'boolean' } ? boolean : string;
};

const SLURM_FLAGS = ['partition', 'time', 'cpus-per-task', 'mem', 'gpus', 'sbatch-arg'] as const;
const ALLOWED: Record<string, readonly string[]> = {
  status: [],
  collect: ['report'],
  resume: ['wait', 'parallel', 'report', ...SLURM_FLAGS],
};

/** An experiment argument: a file, or the name of a shipped experiment. */

function intFlag(v: string | undefined, name: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`--${name} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}

/**
 * The command that runs a cell, as this process was started (the compiled CLI, or the sources
 * under tsx), with absolute paths: the cells may start elsewhere (a Slurm node, another cwd).
 */
export function cliCommand(): string[] {
  const flags: string[] = [];
  const abs = (flag: string, spec: string) => {
    if (/^(file|node|data):/.test(spec) || isAbsolute(spec)) return spec;
    const relative = spec.startsWith('./') || spec.startsWith('../');
    if (flag === '--import' || flag === '--loader' || flag === '--experimental-loader')
      return relative ? pathToFileURL(resolve(spec)).href : import.meta.resolve(spec);
    return relative ? resolve(spec) : spec;
  };
  const takesModule = ['--import', '--require', '-r', '--loader', '--experimental-loader'];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    if (takesModule.includes(a) && i + 1 < argv.length) flags.push(a, abs(a, argv[++i]));
    else if (eq > 0 && takesModule.includes(a.slice(0, eq))) flags.push(`${a.slice(0, eq)}=${abs(a.slice(0, eq), a.slice(eq + 1))}`);
    else flags.push(a);
  }
  return [process.execPath, ...flags, resolve(process.argv[1])];
}

function slurmSettings(v: Flags, base?: SlurmSettings): SlurmSettings {
  const s: SlurmSettings = {
    ...(base ?? { cpusPerTask: 1, sbatchArgs: [] }),
    ...(v.partition !== undefined ? { partition: v.partition } : {}),
    ...(v.time !== undefined ? { time: v.time } : {}),
    ...(v.mem !== undefined ? { mem: v.mem } : {}),
    ...(v.gpus !== undefined ? { gpus: v.gpus } : {}),
  };
  const cpus = intFlag(v['cpus-per-task'], 'cpus-per-task', 1);
  if (cpus !== undefined) s.cpusPerTask = cpus;
  if (v['sbatch-arg']) s.sbatchArgs = v['sbatch-arg'].flatMap((a) => a.trim().split(/\s+/).filter(Boolean));
  const p = intFlag(v.parallel, 'parallel', 1);
  if (p !== undefined) s.maxRunning = p;
  checkSlurmSettings(s);
  return s;
}

function parseFlags(argv: string[]): { positionals: string[]; values: Flags } {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS }) as { positionals: string[]; values: Flags };
  } catch (e) {
    throw new ConfigError(`sweep: ${(e as Error).message}`);
  }
}

const out = (s: string) => process.stdout.write(s + '\n');
const err = (s: string) => process.stderr.write(s + '\n');
const resumeHint = (sweep: Sweep) => (flag: string) => `\`infobound sweep resume ${sweep.dir} ${flag} …\``;
const signalCode = (s: NodeJS.Signals) => (s === 'SIGTERM' ? 143 : 130);
const pollMs = (ex: Executor) => (ex.kind === 'slurm' ? 1000 * Number(process.env.INFOBOUND_SLURM_POLL_SECONDS ?? 10) : 1000);

export async function cmdSweep(argv: string[]): Promise<number> {
  const { positionals, values } = parseFlags(argv);
  const [first, ...rest] = positionals;
  if (values.help || first === undefined) {
    out(SWEEP_USAGE);
    return values.help ? 0 : 2;
  }
  if (Object.hasOwn(ALLOWED, first)) {
    if (rest.length !== 1) throw new ConfigError(`usage: infobound sweep ${first} <sweep-dir>`);
    const given = Object.keys(values).filter((k) => !ALLOWED[first].includes(k));
    if (given.length)
      throw new ConfigError(
        `--${given[0]} does not apply to \`infobound sweep ${first}\`${ALLOWED[first].length ? `; it takes ${ALLOWED[first].map((k) => `--${k}`).join(', ')}` : ''}`,
      );
    const sweep = Sweep.load(rest[0]);
    if (first === 'status') return status(sweep);
    if (first === 'collect') return collect(sweep, values);
    return resume(sweep, values);
  }
  if (rest.length) throw new ConfigError(`sweep: one experiment expected, got ${JSON.stringify([first, ...rest])}; ${SWEEP_USAGE.split('\n')[1].trim()}`);
  return start(first, values);
}

async function start(expArg: string, v: Flags): Promise<number> {
  const file = resolve(experimentPath(expArg));
  const raw = readExperimentFile(file);
  const executor = v.executor ?? 'local';
  if (executor !== 'local' && executor !== 'slurm') throw new ConfigError(`--executor ${JSON.stringify(executor)}: expected local or slurm`);
  if (executor === 'local') {
    const stray = ([...SLURM_FLAGS, 'wait'] as const).find((k) => v[k] !== undefined);
    if (stray) throw new ConfigError(`--${stray} applies to --executor slurm only`);
  }
  // the name only: whether it is installed is up to where the cells run (a cluster node may differ)
  if (v.backend !== undefined) {
    try {
      parseBackendName(v.backend, '--backend');
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
  }
  const nSeeds = intFlag(v.seeds, 'seeds', 1) ?? 1;
  const base = intFlag(v.seed, 'seed', 0) ?? (typeof raw.seed === 'number' ? raw.seed : 0);
  const slurm = executor === 'slurm' ? slurmSettings(v) : undefined;
  if (slurm) requireSbatch();
  const parallel = executor === 'local' ? (intFlag(v.parallel, 'parallel', 1) ?? 1) : 1;
  const outRoot = resolve(v.out ?? 'outputs');
  checkOutputDir(outRoot, '--out');
  const sweep = createSweep(
    {
      raw,
      file,
      grid: (v.grid ?? []).map((g) => parseGridArg(g, String(raw.task))),
      seeds: Array.from({ length: nSeeds }, (_, i) => base + i),
      steps: intFlag(v.steps, 'steps', 1),
      backend: v.backend,
      parallel,
      executor,
      command: cliCommand(),
      cwd: process.cwd(),
      slurm,
    },
    outRoot,
  );
  const cells = sweep.record.cells;
  if (executor === 'local') return runLocal(sweep, cells, parallel, v);
  const ex = new SlurmExecutor(resumeHint(sweep));
  try {
    await ex.submit(sweep, cells);
  } catch (e) {
    // nothing ran: leave no sweep directory behind
    rmSync(sweep.dir, { recursive: true, force: true });
    throw e;
  }
  const job = sweep.record.slurm!.jobs.at(-1)!.jobId;
  out(`sweep ${sweep.record.experiment}: ${cells.length} cells submitted to Slurm as job array ${job} → ${sweep.dir}`);
  if (!v.wait) {
    out(`  infobound sweep status ${sweep.dir}   the cells' progress`);
    out(`  infobound sweep collect ${sweep.dir}   the comparison of the cells that finished`);
    out(`  scancel ${job}   cancels the array`);
    return 0;
  }
  return followSlurm(sweep, ex, v);
}

/** Runs cells as child processes, forwarding SIGINT/SIGTERM; then writes the comparison. */
async function runLocal(sweep: Sweep, cells: SweepCell[], parallel: number, v: Flags): Promise<number> {
  const ex = new LocalExecutor(parallel);
  const progress = createProgress();
  let stopped: NodeJS.Signals | null = null;
  const onSignal = (s: NodeJS.Signals) => {
    if (stopped) {
      // a second signal: no waiting for the cells
      ex.interrupt(s, true);
      for (const c of sweep.record.cells) if (c.status === 'running') Object.assign(c, { status: 'interrupted', error: `killed by a second ${s}` });
      delete sweep.record.local;
      sweep.save();
      process.exit(signalCode(stopped));
    }
    stopped = s;
    err(`\n${s}: stopping the sweep; the running cells stop after their current step and are recorded as interrupted (again to quit at once)…`);
    ex.interrupt(s, false);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    progress.start(`sweep ${sweep.record.experiment}: ${cells.length} cells, ${parallel} at a time`, cells.length);
    await ex.submit(sweep, cells);
    sweep.save();
    let done = 0;
    await follow(sweep, ex, {
      pollMs: pollMs(ex),
      onCell: (c) => {
        progress.note(`${c.label} seed ${c.seed}: ${c.status === 'completed' ? 'completed' : describeUnfinished(c)}`);
        progress.tick(++done, cells.length);
      },
    });
    progress.done();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  sweep.save();
  const code = finish(sweep, v);
  if (stopped) {
    err(`interrupted by ${stopped}; \`infobound sweep resume ${sweep.dir}\` runs the cells that did not complete`);
    return signalCode(stopped);
  }
  return code;
}

/** Follows a Slurm array until every cell ended; a signal stops following (the array runs on). */
async function followSlurm(sweep: Sweep, ex: SlurmExecutor, v: Flags): Promise<number> {
  let stopped: NodeJS.Signals | null = null;
  const onSignal = (s: NodeJS.Signals) => {
    if (stopped) process.exit(signalCode(stopped));
    stopped = s;
    ex.interrupt();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const t0 = performance.now();
  try {
    await follow(sweep, ex, {
      pollMs: pollMs(ex),
      shouldStop: () => stopped !== null,
      onCell: (c) => err(`${c.label} seed ${c.seed}: ${c.status === 'completed' ? 'completed' : describeUnfinished(c)}`),
      onCounts: (n) => err(`[${new Date().toTimeString().slice(0, 8)}] ${formatCounts(n)}${ex.warnings.length ? ` (${ex.warnings.join('; ')})` : ''}`),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (stopped) {
    const jobs = sweep.record.slurm!.jobs.map((j) => j.jobId).join(' ');
    err(`${stopped}: stopped following; the job array keeps running on Slurm (\`infobound sweep status ${sweep.dir}\`; \`scancel ${jobs}\` cancels it)`);
    return signalCode(stopped);
  }
  err(`sweep followed for ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return finish(sweep, v);
}

/** Writes the comparison, prints the outcome; 0 when every cell completed, else 1. */
function finish(sweep: Sweep, v: Flags): number {
  const files = writeComparison(sweep);
  const cells = sweep.record.cells;
  const ok = cells.filter((c) => c.status === 'completed').length;
  out(`\nsweep: ${ok}/${cells.length} cells completed → ${sweep.dir}`);
  for (const c of cells.filter((c) => c.status !== 'completed')) out(`  ${c.label} seed ${c.seed}: ${describeUnfinished(c)}`);
  for (const f of files) out(`  ${f}`);
  if (v.report) cmdReport(sweep.dir);
  return ok === cells.length ? 0 : 1;
}

const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** A local sweep's process is running (it owns sweep.json then). */
const localDriverAlive = (sweep: Sweep) => {
  const l = sweep.record.local;
  return Boolean(l && l.host === hostname() && l.pid !== process.pid && processAlive(l.pid));
};

/**
 * Brings the cells' statuses up to date from their summaries (and Slurm); returns the Slurm
 * executor used, if any. A local sweep whose process is gone: cells it was running are interrupted.
 */
async function refresh(sweep: Sweep): Promise<SlurmExecutor | null> {
  if (sweep.record.executor === 'slurm') {
    const ex = new SlurmExecutor(resumeHint(sweep));
    await ex.poll(sweep);
    sweep.save();
    return ex;
  }
  if (localDriverAlive(sweep)) return null;
  let changed = false;
  for (const c of sweep.record.cells) {
    if (c.status !== 'pending' && c.status !== 'running') continue;
    const o = readCellOutcome(c);
    if (o) applyOutcome(c, o);
    else if (c.status === 'running') Object.assign(c, { status: 'interrupted', error: 'the sweep process stopped before this cell finished' });
    else continue;
    changed = true;
  }
  if (changed || sweep.record.local) {
    delete sweep.record.local;
    sweep.save();
  }
  return null;
}

/** The cells `sweep resume` runs: not completed, and not still queued or running (on Slurm, or in a live local sweep). */
function toRunAgain(sweep: Sweep, localAlive: boolean): SweepCell[] {
  if (localAlive) return [];
  return sweep.record.cells.filter((c) => c.status !== 'completed' && !((c.status === 'pending' || c.status === 'running') && c.slurm));
}

async function status(sweep: Sweep): Promise<number> {
  const ex = await refresh(sweep);
  const rec = sweep.record;
  const jobs = rec.slurm?.jobs.map((j) => j.jobId) ?? [];
  const live = rec.executor === 'local' && localDriverAlive(sweep);
  out(
    `sweep ${rec.experiment} (${rec.executor}${jobs.length ? `, job array ${jobs.join(', ')}` : ''}${live ? `, running in process ${rec.local!.pid}` : ''}) ${sweep.dir}`,
  );
  out(`  ${formatCounts(countCells(rec.cells))}`);
  for (const w of ex?.warnings ?? []) out(`  warning: ${w}`);
  const width = Math.max(...rec.cells.map((c) => `${c.label} seed ${c.seed}`.length));
  for (const c of rec.cells) {
    const what =
      c.status === 'completed'
        ? 'completed'
        : c.status === 'pending'
          ? c.slurm
            ? `pending${ex?.reasons.get(c.index) ? ` (${ex.reasons.get(c.index)})` : ''}`
            : live
              ? 'pending'
              : 'pending (never ran)'
          : c.status === 'running'
            ? 'running'
            : describeUnfinished(c);
    out(`  ${`${c.label} seed ${c.seed}`.padEnd(width)}  ${what}${c.slurm ? `  [${c.slurm.jobId}_${c.slurm.taskId}]` : ''}`);
  }
  const todo = toRunAgain(sweep, live).length;
  if (todo) out(`  \`infobound sweep resume ${sweep.dir}\` runs the ${todo} that did not complete`);
  return todo ? 1 : 0;
}

async function collect(sweep: Sweep, v: Flags): Promise<number> {
  await refresh(sweep);
  const n = countCells(sweep.record.cells);
  if (n.running + n.pending) err(`sweep: ${n.running + n.pending} cells have not finished yet; comparing the ${n.done} that completed`);
  return finish(sweep, v);
}

async function resume(sweep: Sweep, v: Flags): Promise<number> {
  if (localDriverAlive(sweep))
    throw new ConfigError(`sweep resume ${sweep.dir}: the sweep is still running (process ${sweep.record.local!.pid}); stop it first`);
  const rec = sweep.record;
  if (rec.executor === 'local' && SLURM_FLAGS.some((k) => v[k] !== undefined))
    throw new ConfigError(`sweep resume: this sweep ran locally; Slurm options do not apply`);
  // checked before anything changes; applied after the refresh (which reads sweep.json again)
  const settings = rec.executor === 'slurm' ? slurmSettings(v, rec.slurm) : undefined;
  if (settings) requireSbatch();
  await refresh(sweep);
  if (settings) rec.slurm = { ...settings, jobs: rec.slurm?.jobs ?? [] };
  // a Slurm cell still queued or running is left alone
  const todo = toRunAgain(sweep, false);
  if (todo.length === 0) {
    const n = countCells(rec.cells);
    out(`sweep resume: nothing to run again (${formatCounts(n)})`);
    return n.done === rec.cells.length ? finish(sweep, v) : 0;
  }
  // the cells run with this installation of infobound (the recorded one may be gone)
  rec.command = cliCommand();
  for (const c of todo) sweep.retire(c);
  sweep.save();
  out(`sweep resume: running ${todo.length} of ${rec.cells.length} cells again: ${todo.map((c) => `${c.label} seed ${c.seed}`).join('; ')}`);
  if (rec.executor === 'local') {
    const parallel = intFlag(v.parallel, 'parallel', 1) ?? rec.parallel ?? 1;
    return runLocal(sweep, todo, parallel, v);
  }
  const ex = new SlurmExecutor(resumeHint(sweep));
  await ex.submit(sweep, todo);
  out(`submitted as job array ${rec.slurm!.jobs.at(-1)!.jobId}`);
  return v.wait ? followSlurm(sweep, ex, v) : 0;
}
