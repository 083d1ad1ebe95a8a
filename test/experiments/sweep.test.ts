/** A sweep as a user runs it: grid × seeds in child processes, a failing cell reported, a comparison written. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareCells, parseGridArg, type SweepCell } from '../../src/experiments/sweep.js';

describe('grid arguments', () => {
  it('maps GAN aliases to config paths and types the values', () => {
    expect(parseGridArg('beta=0,0.5,1', 'gan')).toEqual({ key: 'beta', path: 'mi.beta', values: [0, 0.5, 1] });
    expect(parseGridArg('estimator=mine,eta-mine', 'gan').values).toEqual(['mine', 'eta-mine']);
    expect(parseGridArg('estimator=mine,nwj', 'mi-benchmark')).toMatchObject({ path: 'estimators', values: [['mine'], ['nwj']] });
  });
  it('rejects a malformed grid naming it', () => {
    expect(() => parseGridArg('beta:0,1', 'gan')).toThrow('--grid "beta:0,1": expected key=value1,value2,… (e.g. beta=0,0.5,1)');
  });
});

describe('comparison over seeds', () => {
  it('gives mean ± population std per metric and lists failed seeds', () => {
    const cell = (seed: number, modes?: number): SweepCell => ({ label: 'beta=1', seed, overrides: [{ path: 'mi.beta', value: 1 }], dir: '', status: modes === undefined ? 'failed' : 'completed', error: modes === undefined ? 'boom' : undefined, metrics: modes === undefined ? undefined : { modes } });
    const [row] = compareCells([{ key: 'beta', path: 'mi.beta', values: [1] }], [cell(0, 24), cell(1, 25), cell(2)]);
    expect(row.metrics.modes).toEqual({ mean: 24.5, std: 0.5, n: 2 });
    expect(row.failed).toEqual([{ seed: 2, error: 'boom' }]);
  });
});

describe('infobound sweep', () => {
  it('runs beta × seeds in parallel child processes and writes the comparison', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ib-sweep-'));
    const exp = join(dir, 'sw.json');
    writeFileSync(exp, JSON.stringify({ name: 'sw', task: 'gan', steps: 20, logEvery: 10, batchSize: 16, data: { kind: 'grid', side: 2, spacing: 2, std: 0.1 }, generator: { hidden: [8] }, discriminator: { hidden: [8] }, mi: { beta: 1, critic: { kind: 'concat', hidden: [8] } }, evaluation: { every: 20, samples: 100, snapshots: [20] } }));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sweep', exp, '--grid', 'beta=0,1', '--seeds', '2', '--parallel', '2', '--out', join(dir, 'out')], { encoding: 'utf8', env: { ...process.env, INFOBOUND_BACKEND: 'wasm' }, timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/sweep: 4\/4 cells completed/);
    const sweepDir = join(dir, 'out', 'sw', readdirSync(join(dir, 'out', 'sw'))[0]);
    const cmp = JSON.parse(readFileSync(join(sweepDir, 'comparison.json'), 'utf8'));
    expect(cmp.rows.map((x: { cell: string; seeds: number }) => [x.cell, x.seeds])).toEqual([['beta=0', 2], ['beta=1', 2]]);
    expect(cmp.rows[1].metrics.modes.n).toBe(2);
    expect(readFileSync(join(sweepDir, 'comparison.md'), 'utf8')).toMatch(/\| beta \| seeds ok \|/);
    expect(readdirSync(sweepDir).some((f) => f.startsWith('comparison-') && f.endsWith('.png'))).toBe(true);
  });
});
