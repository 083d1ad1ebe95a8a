/**
 * An MI benchmark with `"workers": N` (src/experiments/miWorkers.ts): its estimators train in child
 * processes and the run directory holds what an in-process run writes — the same metrics lines in
 * the same order, the same table, the same per-step arrays; a stop keeps what was done; a worker
 * that fails fails the run with the estimator named.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentProgress, type Progress } from '../../src/experiments/context.js';
import { runExperiment } from '../../src/experiments/runExperiment.js';

// the children's OpenBLAS threads as this process's (tiny matmuls run on one thread either way)
process.env.OPENBLAS_NUM_THREADS ??= '1';

const tiny = (over: Record<string, unknown> = {}) => ({
  name: 'tiny-workers',
  task: 'mi-benchmark',
  seed: 3,
  steps: 40,
  logEvery: 10,
  batchSize: 16,
  data: { kind: 'staircase', dim: 2, levels: [0.5, 1] },
  critic: { kind: 'concat', hidden: [8] },
  optimizer: { kind: 'adam', learningRate: 0.001 },
  estimators: ['mine', 'nwj', { kind: 'remine', lambda: 1 }],
  evaluation: { skip: 2 },
  ...over,
});

const out = () => mkdtempSync(join(tmpdir(), 'infobound-workers-'));
const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');

describe('mi-benchmark workers', () => {
  it('two workers write the same metrics.jsonl, table and per-step estimates as one process', async () => {
    const one = await runExperiment(tiny(), { out: out(), progress: silentProgress, backend: 'wasm' });
    const two = await runExperiment(tiny({ workers: 2 }), { out: out(), progress: silentProgress, backend: 'wasm' });
    expect([one.status, two.status]).toEqual(['completed', 'completed']);
    expect(read(two.dir, 'metrics.jsonl')).toBe(read(one.dir, 'metrics.jsonl'));
    // the same table, and a line saying how the estimators ran
    const workersLine = /^Estimators trained 2 at a time in child processes, OPENBLAS_NUM_THREADS=1 each \(run\.json's thread count is this process's\)\.\n\n/m;
    expect(read(two.dir, 'table.md')).toMatch(workersLine);
    expect(read(two.dir, 'table.md').replace(workersLine, '')).toBe(read(one.dir, 'table.md'));
    expect(read(two.dir, 'table.json')).toBe(read(one.dir, 'table.json'));
    const npy = (d: string) =>
      readFileSync(
        join(
          d,
          JSON.parse(read(d, 'summary.json')).files.find((f: string) => f.endsWith('.npy')),
        ),
      );
    expect(npy(two.dir).equals(npy(one.dir))).toBe(true);
  }, 120_000);

  it("progress counts every estimator's steps, and the children's level results arrive as notes", async () => {
    const notes: string[] = [];
    let last = { done: 0, total: 0 };
    const progress: Progress = { start() {}, done() {}, tick: (done, total) => (last = { done, total }), note: (l) => notes.push(l) };
    await runExperiment(tiny({ workers: 2 }), { out: out(), progress, backend: 'wasm' });
    expect(last).toEqual({ done: 3 * 40, total: 3 * 40 });
    expect(notes).toContainEqual(expect.stringMatching(/^3 estimators, 2 at a time in child processes \(OPENBLAS_NUM_THREADS=\d+ each\)$/));
    expect(notes.filter((l) => / I=0\.500: mean /.test(l))).toHaveLength(3);
  }, 120_000);

  it("progress counts a setting's own steps when `vary` sets them (3 estimators × 30, not × the file's 40)", async () => {
    let last = { done: 0, total: 0 };
    const progress: Progress = { start() {}, done() {}, note() {}, tick: (done, total) => (last = { done, total }) };
    await runExperiment(tiny({ workers: 2, vary: { steps: [30] } }), { out: out(), progress, backend: 'wasm' });
    expect(last).toEqual({ done: 3 * 30, total: 3 * 30 });
  }, 120_000);

  it('a stop request ends the run as interrupted with the metrics lines the workers wrote', async () => {
    let polls = 0;
    const o = await runExperiment(tiny({ workers: 2, steps: 20_000, logEvery: 50 }), {
      out: out(),
      progress: silentProgress,
      backend: 'wasm',
      // true once the children have had time to start and train a little
      shouldStop: () => ++polls > 10,
    });
    expect(o.status).toBe('interrupted');
    const lines = read(o.dir, 'metrics.jsonl').trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThan((3 * 20_000) / 50);
  }, 120_000);
});
