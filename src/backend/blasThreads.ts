/**
 * How many OpenBLAS threads a process gets when P processes share the machine (sweep cells, MI
 * benchmark workers).
 */
import { availableParallelism } from 'node:os';

/**
 * OpenBLAS starts a spinning thread per core in every process: with P processes at once each gets
 * its share of the cores (a user's OPENBLAS_NUM_THREADS wins). The thread count changes results (README).
 */
export function localBlasThreads(parallel: number, env: NodeJS.ProcessEnv = process.env): string {
  return env.OPENBLAS_NUM_THREADS ?? String(Math.max(1, Math.floor(availableParallelism() / parallel)));
}
