/**
 * How a sweep's cells get run: plan (plan.ts, shared) → submit → poll → collect (collect.ts,
 * shared). Two executors implement submit and poll: child processes on this machine
 * (localExecutor.ts) and a Slurm job array (slurmExecutor.ts).
 */
import { countCells, formatCounts, type CellCounts, type ExecutorKind, type Sweep, type SweepCell } from './plan.js';

export interface Executor {
  readonly kind: ExecutorKind;
  /** hands the cells over to run (they are pending; earlier attempts already retired). */
  submit(sweep: Sweep, cells: SweepCell[]): Promise<void>;
  /** refreshes every unfinished cell's status; true while some cell may still change. */
  poll(sweep: Sweep): Promise<boolean>;
  /** waits up to `ms`, or less when a cell's state changed. */
  idle(ms: number): Promise<void>;
  /**
   * A signal arrived while the sweep is followed. Local: forwarded to the running cells (with
   * `force`, SIGKILL), no new cell starts. Slurm: the array keeps running, following stops.
   */
  interrupt(signal: NodeJS.Signals, force: boolean): void;
}

export interface FollowOptions {
  pollMs: number;
  /** a cell finished (once per cell). */
  onCell?(cell: SweepCell): void;
  /** the counts changed. */
  onCounts?(n: CellCounts): void;
  /** stop following (e.g. a signal for a Slurm sweep). */
  shouldStop?(): boolean;
}

/** Polls until no cell can change any more (or shouldStop), saving sweep.json whenever a cell changed. */
export async function follow(sweep: Sweep, ex: Executor, o: FollowOptions): Promise<void> {
  const seen = new Map(sweep.record.cells.map((c) => [c.index, c.status]));
  let last = '';
  for (;;) {
    const active = await ex.poll(sweep);
    let changed = false;
    for (const c of sweep.record.cells) {
      if (seen.get(c.index) !== c.status) {
        changed = true;
        if (c.status !== 'pending' && c.status !== 'running') o.onCell?.(c);
        seen.set(c.index, c.status);
      }
    }
    if (changed) sweep.save();
    const n = countCells(sweep.record.cells);
    if (formatCounts(n) !== last) {
      last = formatCounts(n);
      o.onCounts?.(n);
    }
    if (!active || o.shouldStop?.()) return;
    await ex.idle(o.pollMs);
    if (o.shouldStop?.()) return;
  }
}
