/**
 * Run and sweep directories written the way runExperiment and runSweep write them, with values
 * known in advance, so the report tests can say exactly what the page must show.
 */
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunDir } from '../../src/io/runDir.js';
import { lineChart } from '../../src/plot/lineChart.js';

export const tmpDir = (prefix: string) => mkdtempSync(join(tmpdir(), `infobound-${prefix}-`));

/** The logged steps of the fixture run: 0, 9, 19, …, 99 (the MI tasks log step 0 and every logEvery − 1). */
export const STEPS = [0, ...Array.from({ length: 10 }, (_, i) => 10 * i + 9)];
export const SETTINGS = ['batchSize=100', 'batchSize=10'];
export const TRUE_MI = Math.log(16);
/** distinct shapes per setting, so a drawn line can be matched to the values it was drawn from. */
export const estimateOf = (setting: number, step: number) =>
  setting === 0 ? TRUE_MI * (1 - Math.exp(-step / 30)) : 0.5 + 0.02 * step + 0.3 * Math.sin(step / 7);

export interface RunFixture {
  dir: string;
  /** 1-based line numbers of the garbage line and the truncated last line in metrics.jsonl. */
  garbageLine: number;
  truncatedLine: number;
  /** lines that parse. */
  goodLines: number;
}

/**
 * An MI-benchmark-like run killed mid-write: two settings × STEPS lines, a garbage line in the
 * middle, a NaN loss (written as "NaN", as RunDir does) and a truncated last line; no summary.json.
 */
export function writeRunFixture(opts: { killed?: boolean; dir?: string; startedAt?: string } = {}): RunFixture {
  const dir = opts.dir ?? tmpDir('run');
  const out = new RunDir(dir);
  out.writeJson('config.json', { name: 'fixture', task: 'mi-benchmark', steps: 100, note: 'a </script><script>alert(1)</script> in a string' });
  out.writeJson('run.json', {
    experiment: 'fixture',
    task: 'mi-benchmark',
    seed: 7,
    backend: { name: 'wasm', tfjs: '4.22.0' },
    argv: ['run', 'fixture.json'],
    startedAt: opts.startedAt ?? '2026-11-25T10:00:00.000Z',
  });
  let line = 0;
  let garbageLine = -1;
  SETTINGS.forEach((setting, si) => {
    for (const step of STEPS) {
      const est = estimateOf(si, step);
      // the second setting's loss diverges at step 49: RunDir writes the NaN as "NaN"
      out.appendMetrics({ setting, estimator: 'mine', step, estimate: est, loss: si === 1 && step === 49 ? NaN : -est, trueMI: TRUE_MI });
      line++;
      if (si === 0 && step === 19) {
        appendFileSync(out.path('metrics.jsonl'), 'Traceback (most recent call last): not JSON\n');
        garbageLine = ++line;
      }
    }
  });
  const goodLines = line - 1;
  let truncatedLine = -1;
  if (opts.killed !== false) {
    appendFileSync(out.path('metrics.jsonl'), '{"setting":"batchSize=10","estimator":"mine","step":10');
    truncatedLine = ++line;
  } else {
    out.writeJson('summary.json', {
      experiment: 'fixture',
      task: 'mi-benchmark',
      seed: 7,
      status: 'completed',
      wallSeconds: 12.5,
      metrics: { 'mine.bias': -0.25 },
      backend: { name: 'wasm', tfjs: '4.22.0' },
    });
  }
  out.write(
    'estimate.png',
    lineChart({ title: 'fixture', series: [{ name: 'estimate', x: STEPS, y: STEPS.map((s) => estimateOf(0, s)) }], width: 320, height: 200 }),
  );
  return { dir, garbageLine, truncatedLine, goodLines };
}

/** A sweep over beta ∈ {0, 1} × seeds {0, 1}: cell (beta, seed) has modes = 10 + 10·beta + seed. */
export function writeSweepFixture(): string {
  const dir = tmpDir('sweep');
  const out = new RunDir(dir);
  const grid = [{ key: 'beta', path: 'mi.beta', values: [0, 1] }];
  const cells = [0, 1].flatMap((beta) =>
    [0, 1].map((seed) => {
      const cellDir = join(dir, 'cells', `beta=${beta}-s${seed}`);
      const metrics = { modes: 10 + 10 * beta + seed, klToUniform: 0.5 - 0.2 * beta };
      const cell = new RunDir(cellDir);
      cell.writeJson('run.json', { experiment: 'gan-fixture', task: 'gan', seed });
      cell.writeJson('summary.json', { experiment: 'gan-fixture', status: 'completed', metrics, wallSeconds: 1 });
      for (const step of [0, 49, 99]) cell.appendMetrics({ type: 'train', setting: 'default', step, dLoss: 1.4 - step / 1000, clipScale: 0.3 });
      cell.appendMetrics({ type: 'eval', setting: 'default', step: 100, modes: metrics.modes });
      return { label: `beta=${beta}`, seed, overrides: [{ path: 'mi.beta', value: beta }], dir: cellDir, status: 'completed', metrics };
    }),
  );
  out.writeJson('sweep.json', { experiment: 'gan-fixture', grid, seeds: [0, 1], parallel: 1, steps: 100, cells });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  out.writeJson('comparison.json', {
    experiment: 'gan-fixture',
    grid,
    rows: [0, 1].map((beta) => ({
      cell: `beta=${beta}`,
      values: { beta },
      seeds: 2,
      failed: [],
      metrics: { modes: { mean: mean([10 + 10 * beta, 11 + 10 * beta]), std: 0.5, n: 2 }, klToUniform: { mean: 0.5 - 0.2 * beta, std: 0, n: 2 } },
    })),
  });
  return dir;
}
