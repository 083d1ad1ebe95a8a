/**
 * The local executor: each cell is a child process running `infobound run`, up to `parallel` at a
 * time. A cell that fails or crashes is recorded with its error; the others still run. Signals are
 * forwarded to the running cells, which stop after their current step and record `interrupted`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { localBlasThreads } from '../../backend/blasThreads.js';
import { applyOutcome, readCellOutcome } from './collect.js';
import type { Executor } from './executor.js';
import { cellArgs, type Sweep, type SweepCell } from './plan.js';

export class LocalExecutor implements Executor {
  readonly kind = 'local' as const;
  private readonly children = new Map<number, ChildProcess>();
  private queue: SweepCell[] = [];
  private stopping: NodeJS.Signals | null = null;
  private started = false;
  private finished = false;
  private wake: (() => void) | null = null;

  constructor(private readonly parallel: number) {}

  async submit(sweep: Sweep, cells: SweepCell[]): Promise<void> {
    sweep.record.local = { pid: process.pid, host: hostname() };
    this.queue.push(...cells);
    const worker = async () => {
      for (let cell = this.queue.shift(); cell && !this.stopping; cell = this.queue.shift()) await this.runCell(sweep, cell);
    };
    this.started = true;
    // done when every worker has returned (a stop leaves the queue's cells pending: never ran)
    void Promise.all(Array.from({ length: Math.min(this.parallel, cells.length) }, worker)).then(() => {
      delete sweep.record.local;
      this.finished = true;
      this.changed();
    });
  }

  async poll(): Promise<boolean> {
    return this.started && !this.finished;
  }

  idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  interrupt(signal: NodeJS.Signals, force: boolean): void {
    this.stopping ??= signal;
    // children run in their own process group (a terminal's Ctrl-C reaches only the sweep), so each
    // gets exactly one signal from here
    for (const child of this.children.values()) child.kill(force ? 'SIGKILL' : signal);
  }

  private changed(): void {
    this.wake?.();
    this.wake = null;
  }

  private runCell(sweep: Sweep, cell: SweepCell): Promise<void> {
    const [exe, ...pre] = sweep.record.command;
    const env = { ...process.env, OPENBLAS_NUM_THREADS: localBlasThreads(this.parallel) };
    return new Promise((resolve) => {
      const child = spawn(exe, [...pre, ...cellArgs(sweep.record, cell)], { cwd: sweep.record.cwd, stdio: ['ignore', 'ignore', 'pipe'], env, detached: true });
      this.children.set(cell.index, child);
      cell.status = 'running';
      this.changed();
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr = (stderr + d.toString()).slice(-4000)));
      let closed = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
        if (closed) return;
        closed = true;
        this.children.delete(cell.index);
        const outcome = readCellOutcome(cell);
        if (outcome) applyOutcome(cell, outcome);
        else if (this.stopping || signal) {
          cell.status = 'interrupted';
          cell.error = `stopped by ${signal ?? this.stopping} before it wrote summary.json`;
        } else {
          cell.status = 'failed';
          const tail = stderr.trim().split('\n').slice(-3).join(' | ');
          cell.error = spawnError ? `could not start ${exe}: ${spawnError.message}` : `exit code ${code}: ${tail || 'no output'}`;
        }
        this.changed();
        resolve();
      };
      child.on('error', (e) => finish(null, null, e));
      child.on('close', (code, signal) => finish(code, signal));
    });
  }
}
