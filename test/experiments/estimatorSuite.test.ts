/** The mi-suite task: config parsing, a tiny run through runExperiment, its table and heat-map. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMiSuite, type SuiteRow } from '../../src/experiments/estimatorSuite.js';
import { readExperimentFile, runExperiment } from '../../src/experiments/runExperiment.js';
import { silentProgress } from '../../src/experiments/context.js';
import { knownMiTask, parseKnownMiConfig } from '../../src/data/knownMi.js';

const tiny = {
  name: 'suite-tiny',
  task: 'mi-suite',
  seeds: 2,
  n: 200,
  steps: 20,
  evalEvery: 10,
  critic: { kind: 'concat', hidden: [8] },
  tasks: [
    { kind: 'gaussian-dense', dim: 1, correlation: 0.75 },
    { kind: 'gaussian-random', dim: 2, distributionSeed: 'per-seed', label: 'random' },
  ],
  estimators: ['mine', { label: 'nce', kind: 'infonce', critic: { kind: 'separable', hidden: [8], embedding: 4 } }, 'ksg'],
};

describe('mi-suite config', () => {
  it('resolves defaults, labels and per-estimator critics', () => {
    const c = parseMiSuite(structuredClone(tiny));
    expect(c.tasks.map((t) => t.label)).toEqual(['gauss-dense 1×1', 'random']);
    expect(c.tasks[0]).toMatchObject({ n: 200, testFraction: 0.5, perSeedDistribution: false });
    expect(c.tasks[1].perSeedDistribution).toBe(true);
    expect(c.estimators.map((e) => e.label)).toEqual(['mine', 'nce', 'ksg']);
    expect(c.estimators[1].critic).toMatchObject({ kind: 'separable', embedding: 4 });
  });

  it('the shipped experiments/mi-suite.json validates, with and without its quick overrides', () => {
    const { quick, ...raw } = readExperimentFile('experiments/mi-suite.json');
    const full = parseMiSuite(structuredClone(raw));
    expect(full.tasks).toHaveLength(13);
    expect(full.tasks.every((t) => t.n === 5000 && t.testFraction === 0.5)).toBe(true);
    expect(parseMiSuite({ ...structuredClone(raw), ...(quick as object) }).tasks).toHaveLength(4);
  });

  it('nTest gives an exact held-out count: n 6000, nTest 1000 is 5K train / 1K test', () => {
    const c = parseMiSuite({ ...structuredClone(tiny), n: 6000, nTest: 1000 });
    expect(Math.round(c.tasks[0].n * c.tasks[0].testFraction)).toBe(1000);
  });

  it.each([
    [{ estimators: ['mine', 'mine'] }, /estimators: "mine" appears twice; give one of them a different "label"/],
    [{ nTest: 50, testFraction: 0.2 }, /give testFraction or nTest, not both/],
    [{ tasks: [{ kind: 'gaussian-dense', dim: 0 }] }, /tasks\[0\]\.dim must be ≥ 1/],
    [{ tasks: [{ kind: 'onehot', categories: 4, distributionSeed: 'per-seed' }] }, /"per-seed" applies to gaussian-random tasks only/],
    [{ estimators: [{ kind: 'ksg', k: 500 }] }, /gauss-dense 1×1 × ksg\(k=500\): estimator\.k = 500 needs more than 500 rows/],
    [{ stepz: 3 }, /stepz: unknown key/],
  ])('rejects %j', (patch, message) => {
    expect(() => parseMiSuite({ ...structuredClone(tiny), ...patch })).toThrow(message);
  });
});

describe('mi-suite run', () => {
  it('runs every task × estimator × seed through estimateMI and writes the table, its JSON and the |bias| heat-map', async () => {
    const out = mkdtempSync(join(tmpdir(), 'suite-'));
    const o = await runExperiment(structuredClone(tiny), { out, progress: silentProgress, backend: 'wasm' });
    expect(o.status).toBe('completed');
    for (const f of ['table.md', 'table.json', 'bias-heatmap.png', 'metrics.jsonl', 'summary.json']) expect(existsSync(join(o.dir, f))).toBe(true);
    const rows = JSON.parse(readFileSync(join(o.dir, 'table.json'), 'utf8')) as SuiteRow[];
    expect(rows).toHaveLength(6);
    for (const r of rows) {
      expect(r.seeds).toHaveLength(2);
      expect(r.bias).toBeCloseTo(r.seeds.reduce((a, s) => a + s.estimate - s.trueMI, 0) / 2, 10);
    }
    const g = rows.find((r) => r.task === 'gauss-dense 1×1' && r.estimator === 'ksg')!;
    expect(g.trueMI).toBeCloseTo(-0.5 * Math.log(1 - 0.75 ** 2), 12);
    // per-seed distribution: each seed's truth is that of its own random covariance
    const rnd = rows.find((r) => r.task === 'random' && r.estimator === 'mine')!;
    const randomTruth = (s: number) => knownMiTask(parseKnownMiConfig({ kind: 'gaussian-random', dim: 2, distributionSeed: s }, 't')).trueMI;
    expect(rnd.seeds.map((s) => s.trueMI)).toEqual([randomTruth(0), randomTruth(1)]);
    const md = readFileSync(join(o.dir, 'table.md'), 'utf8');
    expect(md).toMatch(/\| task \| true MI \| mine \| nce \| ksg \|/);
    expect(md).toMatch(/\| gauss-dense 1×1 \| 0\.41 \| /);
    expect(readFileSync(join(o.dir, 'bias-heatmap.png')).subarray(1, 4).toString()).toBe('PNG');
  });
});
