/**
 * Experiments end to end on tiny configs: what a run writes, that the same seed gives the same
 * numbers, that bad configs fail at load time with the field named, and that a run which hits a
 * NaN keeps a readable partial record.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentProgress } from '../../src/experiments/context.js';
import { prepareConfig, readExperimentFile, runExperiment } from '../../src/experiments/runExperiment.js';

const tiny = (over: Record<string, unknown> = {}) => ({
  name: 'tiny-mi',
  task: 'mi-benchmark',
  seed: 1,
  steps: 60,
  logEvery: 10,
  batchSize: 32,
  data: { kind: 'staircase', dim: 2, levels: [0.5, 1] },
  critic: { kind: 'concat', hidden: [16] },
  optimizer: { kind: 'adam', learningRate: 0.001 },
  estimators: ['mine', 'remine'],
  baselines: [{ kind: 'ksg', samples: 200, k: 3, repeats: 2 }],
  evaluation: { skip: 5 },
  ...over,
});

const outRoot = () => mkdtempSync(join(tmpdir(), 'infobound-run-'));
const lines = (p: string) =>
  readFileSync(p, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('runExperiment (mi-benchmark)', () => {
  it('writes config, run record, metrics.jsonl, summary with rows, the table and PNG plots', async () => {
    const o = await runExperiment(tiny(), { out: outRoot(), progress: silentProgress, backend: 'wasm' });
    expect(o.status).toBe('completed');
    for (const f of ['config.json', 'run.json', 'metrics.jsonl', 'summary.json', 'table.md', 'table.json']) expect(existsSync(join(o.dir, f))).toBe(true);
    const summary = JSON.parse(readFileSync(join(o.dir, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('completed');
    expect(summary.seed).toBe(1);
    expect(summary.backend.name).toBe('wasm');
    // the run names infobound's own version (package.json), not only the checkout's git commit
    expect(JSON.parse(readFileSync(join(o.dir, 'run.json'), 'utf8')).infobound).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    // two estimators × two levels + KSG × two levels
    expect(summary.rows).toHaveLength(6);
    expect(summary.rows[0]).toMatchObject({ estimator: 'mine', trueMI: 0.5 });
    for (const k of ['mean', 'bias', 'variance', 'mse']) expect(Number.isFinite(summary.rows[0][k])).toBe(true);
    expect(summary.rows[0].mse).toBeCloseTo(summary.rows[0].bias ** 2 + summary.rows[0].variance, 10);
    // 60 steps logged every 10 (+ the first) for each estimator
    expect(lines(join(o.dir, 'metrics.jsonl'))).toHaveLength(2 * 7);
    const pngs = (summary.files as string[]).filter((f) => f.endsWith('.png'));
    expect(pngs.length).toBeGreaterThan(0);
    for (const p of pngs) expect(readFileSync(join(o.dir, p)).subarray(1, 4).toString()).toBe('PNG');
  });

  it('is reproducible: the same seed, config and backend give identical metrics; another seed does not', async () => {
    const run = async (seed: number) => {
      const o = await runExperiment(tiny({ baselines: [] }), { out: outRoot(), seed, progress: silentProgress, backend: 'wasm' });
      return lines(join(o.dir, 'metrics.jsonl')).map((l) => l.estimate);
    };
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('stops a diverging run at the divergence guard with a clear message and keeps the metrics logged before it', async () => {
    // SGD with a huge step drives the critic's scores off within a few steps: the estimate leaves
    // ±1e4 nats (the default divergenceLimit) before e^T overflows.
    const o = await runExperiment(tiny({ estimators: ['mine-biased'], baselines: [], optimizer: { kind: 'sgd', learningRate: 1e8 }, logEvery: 1 }), {
      out: outRoot(),
      progress: silentProgress,
      backend: 'wasm',
    });
    expect(o.status).toBe('failed');
    expect(o.error).toMatch(/"\w+" reached \S+ at step \d+, beyond the divergence limit ±10000/);
    const summary = JSON.parse(readFileSync(join(o.dir, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('failed');
    expect(summary.failures).toEqual([expect.objectContaining({ setting: 'default', estimator: 'mine-biased' })]);
    expect(lines(join(o.dir, 'metrics.jsonl')).length).toBeGreaterThan(0);
  });

  it('without the guard (divergenceLimit 1e300) the same run stops at the NaN/∞ instead', async () => {
    const o = await runExperiment(
      tiny({ estimators: ['mine-biased'], baselines: [], optimizer: { kind: 'sgd', learningRate: 1e8 }, logEvery: 1, divergenceLimit: 1e300 }),
      {
        out: outRoot(),
        progress: silentProgress,
        backend: 'wasm',
      },
    );
    expect(o.status).toBe('failed');
    expect(o.error).toMatch(/training produced (NaN|Infinity|-Infinity) in "\w+" at step \d+/);
  });
});

describe('experiment validation', () => {
  it('an unknown estimator is named with the valid kinds', () => {
    expect(() => prepareConfig(tiny({ estimators: ['mine', 'minee'] }), {})).toThrow(/estimators\[1\]\.kind: unknown estimator "minee"; expected one of mine/);
  });
  it('a negative batch size is named', () => {
    expect(() => prepareConfig(tiny({ batchSize: -4 }), {})).toThrow(/batchSize must be ≥ 2, got -4/);
  });
  it('an unknown top-level key is named', () => {
    expect(() => prepareConfig(tiny({ stpes: 10 }), {})).toThrow(/stpes: unknown key/);
  });
  it('an unknown task is named', () => {
    expect(() => prepareConfig(tiny({ task: 'vae' }), {})).toThrow(/task: unknown task "vae"; expected one of mi-benchmark, .*gan/);
  });
  it('a bad value inside a varied setting is found at load time', () => {
    expect(() => prepareConfig(tiny({ data: { kind: 'gaussian', dim: 2, rho: 0.5 }, vary: { 'data.rho': [0.5, 1.5] } }), {})).toThrow(/data\.rho must be ≤/);
  });
  it('--steps must be a positive integer', () => {
    expect(() => prepareConfig(tiny(), { steps: 0 })).toThrow(/--steps must be a positive integer, got 0/);
  });
  it('a file that is not JSON names the file', () => {
    const p = join(outRoot(), 'bad.json');
    writeFileSync(p, '{ "name": "x", ');
    expect(() => readExperimentFile(p)).toThrow(/bad\.json is not valid JSON/);
  });
  it('a missing file names the path', () => {
    expect(() => readExperimentFile('/nonexistent/exp.json')).toThrow(/cannot read experiment file \/nonexistent\/exp\.json: ENOENT/);
  });
  it('every shipped experiment validates', () => {
    for (const f of ['mi-staircase-20d', 'mi-gaussian-2d', 'mi-onehot']) {
      expect(() => prepareConfig(readExperimentFile(join('experiments', `${f}.json`)), {})).not.toThrow();
    }
  });
});

describe('run directories', () => {
  it('two runs of the same experiment and seed started in the same second get different directories', async () => {
    const { claimRunDir } = await import('../../src/io/runDir.js');
    const parent = outRoot();
    const a = claimRunDir(parent, '20261125-000000-s0'),
      b = claimRunDir(parent, '20261125-000000-s0');
    expect(a).not.toBe(b);
    expect(b).toMatch(/-s0-2$/);
  });
});
