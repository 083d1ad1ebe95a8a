/**
 * The Slurm executor: the cells are one job array (sbatch --array), one array task per cell
 * (array task id = the cell's index in sweep.json), each running `infobound run` exactly as the
 * local executor does — the same node, CLI and arguments, absolute paths, in the same working
 * directory — with OPENBLAS_NUM_THREADS = --cpus-per-task. Nothing runs between infobound and the
 * scheduler: sbatch submits, and a cell's state is read from its summary.json and from Slurm
 * (squeue while queued or running; afterwards sacct where accounting is on, else `scontrol show
 * job` while Slurm keeps the finished job, else the task's log). The sweep directory must be on a
 * file system the compute nodes share.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ConfigError } from '../../config/validate.js';
import { applyOutcome, readCellOutcome } from './collect.js';
import type { Executor } from './executor.js';
import { cellArgs, type Sweep, type SlurmSettings, type SweepCell, type SweepRecord } from './plan.js';

/** A Slurm command that failed: its message, printed as one line without a stack trace. */
export class SlurmError extends ConfigError {}

/** Checks the settings the way sbatch would, before anything is created. */
export function checkSlurmSettings(s: SlurmSettings): void {
  if (!Number.isInteger(s.cpusPerTask) || s.cpusPerTask < 1) throw new ConfigError(`--cpus-per-task must be a positive integer, got ${s.cpusPerTask}`);
  // sbatch --time: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS
  if (s.time !== undefined && !/^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d{1,2}(:\d{1,2}(:\d{1,2})?)?)$/.test(s.time)) {
    throw new ConfigError(`--time ${JSON.stringify(s.time)}: expected minutes, MM:SS, HH:MM:SS or D-HH:MM:SS (sbatch --time), e.g. 02:00:00`);
  }
  if (s.mem !== undefined && !/^\d+[KMGT]?$/i.test(s.mem))
    throw new ConfigError(`--mem ${JSON.stringify(s.mem)}: expected a size such as 4G or 4000M (sbatch --mem)`);
  if (s.gpus !== undefined && !/^([A-Za-z0-9_-]+:)?\d+$/.test(s.gpus))
    throw new ConfigError(`--gpus ${JSON.stringify(s.gpus)}: expected a count or type:count, e.g. 1 or a100:1 (sbatch --gpus)`);
  if (s.partition !== undefined && !/^[A-Za-z0-9_.,-]+$/.test(s.partition))
    throw new ConfigError(`--partition ${JSON.stringify(s.partition)}: expected a partition name`);
  if (s.maxRunning !== undefined && (!Number.isInteger(s.maxRunning) || s.maxRunning < 1))
    throw new ConfigError(`--parallel must be a positive integer, got ${s.maxRunning}`);
}

/** The absolute path of a program on PATH, or null. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | null {
  for (const d of path.split(delimiter).filter(Boolean)) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

/** Fails with a clear line when sbatch is missing (checked before the sweep directory is created). */
export function requireSbatch(): void {
  if (!findOnPath('sbatch'))
    throw new ConfigError(
      "sbatch not found on PATH: --executor slurm runs where Slurm's commands are (a cluster's login node; Debian: apt-get install slurm-client)",
    );
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a Slurm command (with a time limit: a sick controller must not hang the sweep). */
function run(cmd: string, args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 120_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
      if (e && e.code === 'ENOENT')
        return reject(new SlurmError(`${cmd} not found on PATH: --executor slurm needs Slurm's commands (sbatch, squeue, scontrol)`));
      if (e?.killed) return reject(new SlurmError(`${cmd} ${args.join(' ')} did not answer within 120 s`));
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr });
    });
  });
}

const oneLine = (s: string) =>
  s
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' | ');

/** Single-quotes a word for bash. */
const shq = (s: string) => (/^[A-Za-z0-9_./=:,+@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** "0-3,7,9-10": the cell indexes as an sbatch --array list. */
export function arraySpec(indexes: number[]): string {
  const xs = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    parts.push(i === j ? String(xs[i]) : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The job-array script: one `case` branch per cell, each exec-ing that cell's `infobound run`. */
export function renderScript(rec: SweepRecord, sbatchArgv: string[]): string {
  const s = rec.slurm!;
  return [
    '#!/bin/bash',
    `# infobound sweep ${rec.experiment}: one Slurm array task per cell (task id = the cell's index in sweep.json).`,
    '# Written by infobound and submitted as',
    `#   sbatch ${sbatchArgv.map(shq).join(' ')}`,
    '# (--array lists the cells to run; `infobound sweep resume` submits it again for the cells that did not complete).',
    '# OpenBLAS: one thread per CPU Slurm gives the task.',
    `export OPENBLAS_NUM_THREADS=${s.cpusPerTask}`,
    'case "${SLURM_ARRAY_TASK_ID:-}" in',
    ...rec.cells.map((c) => `  ${c.index}) exec ${[...rec.command, ...cellArgs(rec, c)].map(shq).join(' ')} ;;  # ${c.label} seed ${c.seed}`),
    '  *) echo "infobound: this sweep has no cell ${SLURM_ARRAY_TASK_ID:-(not run as an array task)}" >&2; exit 2 ;;',
    'esac',
    '',
  ].join('\n');
}

/** What Slurm says about one array task. */
export interface TaskState {
  state: string;
  reason?: string;
  exitCode?: string;
  source: 'squeue' | 'sacct' | 'scontrol' | 'log';
}

/** `squeue -h -r -o '%F|%K|%T|%r'` lines → `${job}_${task}` → state (tasks still queued or running). */
export function parseSqueue(out: string): Map<string, TaskState> {
  const m = new Map<string, TaskState>();
  for (const line of out.split('\n')) {
    const [job, task, state, reason] = line.trim().split('|');
    if (job && /^\d+$/.test(task ?? '') && state)
      m.set(`${job}_${task}`, { state, reason: reason && reason !== 'None' ? reason : undefined, source: 'squeue' });
  }
  return m;
}

/** `sacct -n -P -X -o JobID,State,ExitCode` lines ("12_3|CANCELLED by 0|0:15") → state. */
export function parseSacct(out: string): Map<string, TaskState> {
  const m = new Map<string, TaskState>();
  for (const line of out.split('\n')) {
    const [id, state, exitCode] = line.trim().split('|');
    if (/^\d+_\d+$/.test(id ?? '') && state) m.set(id, { state: state.split(' ')[0], exitCode, source: 'sacct' });
  }
  return m;
}

/** `scontrol -o show job <array job>` lines → state (kept by Slurm for MinJobAge after the end). */
export function parseScontrol(out: string): Map<string, TaskState> {
  const m = new Map<string, TaskState>();
  for (const line of out.split('\n')) {
    const f = (k: string) => new RegExp(`(?:^| )${k}=(\\S+)`).exec(line)?.[1];
    const job = f('ArrayJobId');
    const task = f('ArrayTaskId');
    const state = f('JobState');
    if (job && task && /^\d+$/.test(task) && state) m.set(`${job}_${task}`, { state, reason: f('Reason'), exitCode: f('ExitCode'), source: 'scontrol' });
  }
  return m;
}

/** slurmstepd's line in a task's log when Slurm stopped it ("*** JOB 12 ON n1 CANCELLED AT … DUE TO TIME LIMIT ***"). */
function stateFromLog(log: string): TaskState | undefined {
  if (!existsSync(log)) return undefined;
  const text = readFileSync(log, 'utf8');
  if (/\*\*\* JOB \d+ ON \S+ CANCELLED AT \S+ DUE TO TIME LIMIT/.test(text)) return { state: 'TIMEOUT', source: 'log' };
  if (/\*\*\* JOB \d+ ON \S+ CANCELLED AT/.test(text)) return { state: 'CANCELLED', source: 'log' };
  return undefined;
}

function logTail(log: string): string {
  if (!existsSync(log)) return `no log at ${log}`;
  const lines = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
  return lines.length ? `log ${log}: ${lines.slice(-2).join(' | ')}` : `empty log ${log}`;
}

const QUEUED = new Set(['PENDING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD', 'SUSPENDED', 'STOPPED']);
const RUNNING = new Set(['RUNNING', 'CONFIGURING', 'COMPLETING', 'RESIZING', 'SIGNALING', 'STAGE_OUT']);

/** A cell's status from its summary (if any) and what Slurm says about its task. */
export function cellFromSlurm(cell: SweepCell, rec: SweepRecord, q: TaskState | undefined, resumeHint: (flag: string) => string): void {
  const outcome = readCellOutcome(cell);
  if (outcome?.status === 'completed') return applyOutcome(cell, outcome);
  const state = q?.state;
  if (state && QUEUED.has(state)) {
    cell.status = 'pending';
    return;
  }
  if (state && RUNNING.has(state)) {
    cell.status = 'running';
    return;
  }
  const log = cell.slurm?.log ?? '';
  const via = q ? `Slurm state ${state}${q.source === 'log' ? ' (from its log)' : ''}` : '';
  const detail = outcome?.error ? `; the run: ${outcome.error}` : '';
  switch (state) {
    case 'TIMEOUT':
      cell.status = 'timeout';
      cell.error = `ran out of time at the time limit ${rec.slurm?.time ? `--time ${rec.slurm.time}` : "(the partition's default)"} (${via}); ${resumeHint('--time')} resubmits it with more`;
      break;
    case 'CANCELLED':
      cell.status = 'cancelled';
      cell.error = `${via}, e.g. scancel${detail}`;
      break;
    case 'OUT_OF_MEMORY':
      cell.status = 'failed';
      cell.error = `ran out of memory${rec.slurm?.mem ? ` at --mem ${rec.slurm.mem}` : ''} (${via}); ${resumeHint('--mem')} resubmits it with more`;
      break;
    case 'FAILED':
    case 'COMPLETED':
    case undefined:
      if (outcome) applyOutcome(cell, outcome);
      else {
        cell.status = 'failed';
        cell.error = q
          ? `exited${q.exitCode ? ` (exit code ${q.exitCode})` : ''} without writing summary.json (${via}); ${logTail(log)}`
          : `no summary.json, and Slurm no longer knows job ${cell.slurm?.jobId}_${cell.slurm?.taskId}; ${logTail(log)}`;
      }
      break;
    default:
      // NODE_FAIL, BOOT_FAIL, DEADLINE, PREEMPTED, …
      cell.status = 'failed';
      cell.error = `${via}${detail}`;
  }
}

export class SlurmExecutor implements Executor {
  readonly kind = 'slurm' as const;
  /** the latest queue reason per cell index ("Resources", "Priority", …), for `sweep status`. */
  readonly reasons = new Map<number, string>();
  /** problems asking Slurm (e.g. squeue failed): the cells keep their last known status. */
  warnings: string[] = [];
  private stopped = false;

  /** resumeHint('--time') → "`infobound sweep resume DIR --time …`", for messages. */
  constructor(private readonly resumeHint: (flag: string) => string) {}

  async submit(sweep: Sweep, cells: SweepCell[]): Promise<void> {
    const rec = sweep.record;
    const s = rec.slurm!;
    mkdirSync(sweep.path('logs'), { recursive: true });
    const indexes = cells.map((c) => c.index);
    const argv = [
      '--parsable',
      `--array=${arraySpec(indexes)}${s.maxRunning ? `%${s.maxRunning}` : ''}`,
      `--job-name=infobound-${rec.experiment}`,
      `--output=${join(sweep.path('logs'), '%A_%a.out')}`,
      `--chdir=${rec.cwd}`,
      `--cpus-per-task=${s.cpusPerTask}`,
      ...(s.time ? [`--time=${s.time}`] : []),
      ...(s.partition ? [`--partition=${s.partition}`] : []),
      ...(s.mem ? [`--mem=${s.mem}`] : []),
      ...(s.gpus ? [`--gpus=${s.gpus}`] : []),
      ...s.sbatchArgs,
    ];
    const script = sweep.write('sweep.sbatch', renderScript(rec, [...argv, sweep.path('sweep.sbatch')]));
    const r = await run('sbatch', [...argv, script]);
    const jobId = /^(\d+)(;\S*)?$/m.exec(r.stdout.trim())?.[1];
    if (r.code !== 0 || !jobId)
      throw new SlurmError(`sbatch refused the job array: ${oneLine(r.stderr) || oneLine(r.stdout) || `exit code ${r.code}, no message`}`);
    s.jobs.push({ jobId, cells: indexes, submittedAt: new Date().toISOString() });
    for (const c of cells) {
      c.status = 'pending';
      c.slurm = { jobId, taskId: c.index, log: join(sweep.path('logs'), `${jobId}_${c.index}.out`) };
    }
    sweep.save();
  }

  /**
   * Reads sweep.json again (a `sweep resume` elsewhere may have submitted cells), then each
   * unfinished cell's state: summary.json, squeue, then sacct / scontrol / the log for tasks that
   * left the queue.
   */
  async poll(sweep: Sweep): Promise<boolean> {
    sweep.reload();
    this.warnings = [];
    this.reasons.clear();
    const open = sweep.record.cells.filter((c) => c.status === 'pending' || c.status === 'running');
    const submitted = open.filter((c) => c.slurm);
    if (submitted.length === 0) return false;
    const jobs = [...new Set(submitted.map((c) => c.slurm!.jobId))];
    const states = new Map<string, TaskState>();
    // where Slurm cannot be asked (no squeue here, a controller that does not answer), the cells'
    // summaries still tell which finished; the others keep their last known status
    const fromSummaries = (why: string) => {
      this.warnings.push(`${why}; cells without a summary.json keep their last known status`);
      for (const c of submitted) {
        const o = readCellOutcome(c);
        if (o) applyOutcome(c, o);
      }
      return sweep.record.cells.some((c) => (c.status === 'pending' || c.status === 'running') && c.slurm);
    };
    let q: Ran;
    try {
      q = await run('squeue', ['-h', '-r', '-j', jobs.join(','), '-o', '%F|%K|%T|%r']);
    } catch (e) {
      return fromSummaries((e as Error).message);
    }
    // squeue fails for job ids Slurm has forgotten: ask one job at a time then
    const queued = q.code === 0 ? parseSqueue(q.stdout) : await this.squeueEach(jobs);
    if (!queued) return fromSummaries(`squeue failed: ${oneLine(q.stderr)}`);
    for (const [k, v] of queued) states.set(k, v);
    const key = (c: SweepCell) => `${c.slurm!.jobId}_${c.slurm!.taskId}`;
    const gone = submitted.filter((c) => !states.has(key(c)) && readCellOutcome(c)?.status !== 'completed');
    if (gone.length) {
      const goneJobs = [...new Set(gone.map((c) => c.slurm!.jobId))];
      const a = await run('sacct', ['-n', '-P', '-X', '-j', goneJobs.join(','), '-o', 'JobID,State,ExitCode']).catch(() => null);
      // without accounting (sacct: "accounting storage is disabled"), scontrol knows recent jobs
      const known = a && a.code === 0 ? parseSacct(a.stdout) : new Map<string, TaskState>();
      for (const j of goneJobs.filter((j) => ![...known.keys()].some((k) => k.startsWith(`${j}_`)))) {
        const sc = await run('scontrol', ['-o', 'show', 'job', j]).catch(() => null);
        if (sc && sc.code === 0) for (const [k, v] of parseScontrol(sc.stdout)) known.set(k, v);
      }
      for (const c of gone) {
        const st = known.get(key(c)) ?? stateFromLog(c.slurm!.log);
        if (st) states.set(key(c), st);
      }
    }
    for (const c of submitted) {
      const st = states.get(key(c));
      cellFromSlurm(c, sweep.record, st, this.resumeHint);
      if (c.status === 'pending' && st?.reason) this.reasons.set(c.index, st.reason);
    }
    return sweep.record.cells.some((c) => (c.status === 'pending' || c.status === 'running') && c.slurm);
  }

  private async squeueEach(jobs: string[]): Promise<Map<string, TaskState> | null> {
    const all = new Map<string, TaskState>();
    let anyOk = false;
    for (const j of jobs) {
      const r = await run('squeue', ['-h', '-r', '-j', j, '-o', '%F|%K|%T|%r']);
      if (r.code === 0) {
        anyOk = true;
        for (const [k, v] of parseSqueue(r.stdout)) all.set(k, v);
      } else if (/Invalid job id/i.test(r.stderr)) anyOk = true;
    }
    return anyOk ? all : null;
  }

  private wake: (() => void) | null = null;

  idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  interrupt(): void {
    this.stopped = true;
    this.wake?.();
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}
