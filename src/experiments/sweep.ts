/**
 * Sweeps: run an experiment over a grid of config values × seeds and compare. The pieces live in
 * sweep/: the plan and the sweep directory's record (plan.ts), the executor interface and its
 * follow loop (executor.ts), child processes here (localExecutor.ts) or a Slurm job array
 * (slurmExecutor.ts), and the comparison of the finished cells (collect.ts). The command line is
 * src/cli/sweep.ts.
 */
import type { Progress } from './context.js';
import { readExperimentFile } from './runExperiment.js';
import { writeComparison } from './sweep/collect.js';
import { follow } from './sweep/executor.js';
import { LocalExecutor } from './sweep/localExecutor.js';
import { createSweep, type GridAxis, type SweepCell } from './sweep/plan.js';

export {
  parseGridArg,
  validatePlan,
  createSweep,
  cellArgs,
  countCells,
  Sweep,
  type GridAxis,
  type SweepCell,
  type SweepRecord,
  type CellStatus,
  type ComparisonRow,
  type SlurmSettings,
} from './sweep/plan.js';
export { compareCells, comparedMetrics, readCellOutcome, writeComparison } from './sweep/collect.js';
export { follow, type Executor } from './sweep/executor.js';
export { LocalExecutor } from './sweep/localExecutor.js';
export { SlurmExecutor } from './sweep/slurmExecutor.js';

export interface LocalSweepOptions {
  experimentFile: string;
  grid: GridAxis[];
  seeds: number[];
  parallel: number;
  /** outputs root: the sweep goes to <out>/<experiment>/sweep-<id>/. */
  out: string;
  steps?: number;
  backend?: string;
  progress: Progress;
  /** the command that runs one cell: [executable, ...args before `run`], absolute paths. */
  command: string[];
}

/** A whole local sweep in one call (the library's entry; the CLI adds signals, Slurm, status and resume). */
export async function runSweep(o: LocalSweepOptions): Promise<{ dir: string; cells: SweepCell[]; files: string[] }> {
  const raw = readExperimentFile(o.experimentFile);
  const sweep = createSweep(
    {
      raw,
      file: o.experimentFile,
      grid: o.grid,
      seeds: o.seeds,
      steps: o.steps,
      backend: o.backend,
      parallel: o.parallel,
      executor: 'local',
      command: o.command,
      cwd: process.cwd(),
    },
    o.out,
  );
  const cells = sweep.record.cells;
  const ex = new LocalExecutor(o.parallel);
  o.progress.start(`sweep ${sweep.record.experiment}: ${cells.length} cells`, cells.length);
  await ex.submit(sweep, cells);
  let done = 0;
  await follow(sweep, ex, { pollMs: 1000, onCell: () => o.progress.tick(++done, cells.length) });
  o.progress.done();
  sweep.save();
  return { dir: sweep.dir, cells, files: writeComparison(sweep) };
}
