/**
 * The arrays a run leaves for Python (src/experiments/arrayExports.ts): each `.npy` reads back as
 * written (our reader, and numpy when /usr/bin/python3 has it), `arrays.json` names its rows and
 * columns, and a tiny run of each task writes its arrays with the shapes its config implies.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArrayExports, ARRAY_INDEX } from '../../src/experiments/arrayExports.js';
import { silentProgress } from '../../src/experiments/context.js';
import { runExperiment } from '../../src/experiments/runExperiment.js';
import { readNpy } from '../../src/io/npy.js';
import { RunDir } from '../../src/io/runDir.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'infobound-arrays-'));
const index = (dir: string) => JSON.parse(readFileSync(join(dir, ARRAY_INDEX), 'utf8'));
const shapeOf = (dir: string, f: string) => readNpy(join(dir, f)).shape;

const python = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

describe('ArrayExports', () => {
  it('round trip: a float32 [3, 2] array and float64 per-step columns read back exactly, and arrays.json describes both', () => {
    const out = new RunDir(tmp());
    const a = new ArrayExports(out, 1);
    const points = Float32Array.from([0.5, -1, 2.25, 3, -0.125, 1e-7]);
    a.samples('default', 3000, points, 2);
    const trueMI = Float64Array.from([1, 1, 2]);
    const mine = Float64Array.from([0.9, Math.PI, NaN]);
    a.perStep(
      'estimates',
      'default',
      [
        { name: 'trueMI', values: trueMI },
        { name: 'mine', values: mine },
      ],
      'steps',
    );
    const s = readNpy(out.path('samples-step3000.npy'));
    expect(s.dtype).toBe('<f4');
    expect(s.shape).toEqual([3, 2]);
    expect(Array.from(s.data)).toEqual(Array.from(points));
    const e = readNpy(out.path('estimates.npy'));
    expect(e.dtype).toBe('<f8');
    expect(e.shape).toEqual([3, 3]);
    expect(Array.from(e.data)).toEqual([0, 1, 0.9, 1, 1, Math.PI, 2, 2, NaN]);
    expect(index(out.dir)).toEqual({
      'samples-step3000.npy': expect.objectContaining({ shape: [3, 2], dtype: 'float32', columns: ['x', 'y'], step: 3000 }),
      'estimates.npy': expect.objectContaining({ shape: [3, 3], dtype: 'float64', columns: ['step', 'trueMI', 'mine'] }),
    });
  });

  it('with several settings the setting is part of each name; labels go to a companion file', () => {
    const out = new RunDir(tmp());
    const a = new ArrayExports(out, 2);
    a.latents('beta=1', Float32Array.from([1, 2, 3, 4]), 2, 'codes', Int32Array.from([7, 9]));
    expect(shapeOf(out.dir, 'latents-beta=1.npy')).toEqual([2, 2]);
    expect(Array.from(readNpy(out.path('latents-labels-beta=1.npy')).data)).toEqual([7, 9]);
    expect(index(out.dir)['latents-beta=1.npy'].labels).toBe('latents-labels-beta=1.npy');
  });

  it.skipIf(!python)('numpy reads the files as written (skipped without /usr/bin/python3 and numpy)', () => {
    const out = new RunDir(tmp());
    const a = new ArrayExports(out, 1);
    a.samples('default', 10, Float32Array.from([1.5, -2, 0.25, 4]), 2);
    a.perStep('estimates', 'default', [{ name: 'trueMI', values: Float64Array.from([0.5, 0.5]) }], 'steps');
    const code = `import numpy as np, json, sys
s = np.load(sys.argv[1] + '/samples-step10.npy'); e = np.load(sys.argv[1] + '/estimates.npy')
print(json.dumps({'s': [str(s.dtype), list(s.shape), s.tolist()], 'e': [str(e.dtype), list(e.shape), e.tolist()]}))`;
    const r = spawnSync('/usr/bin/python3', ['-c', code, out.dir], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      s: [
        'float32',
        [2, 2],
        [
          [1.5, -2],
          [0.25, 4],
        ],
      ],
      e: [
        'float64',
        [2, 2],
        [
          [0, 0.5],
          [1, 0.5],
        ],
      ],
    });
  });
});

const run = async (cfg: Record<string, unknown>) => {
  const o = await runExperiment(cfg, { out: tmp(), progress: silentProgress, backend: 'wasm' });
  expect(o.error).toBeUndefined();
  return o.dir;
};

describe('a tiny run writes its arrays with the shapes its config implies', () => {
  it('mi-benchmark: estimates.npy is steps × (step, trueMI, one column per estimator)', async () => {
    const dir = await run({
      name: 'a-mi',
      task: 'mi-benchmark',
      steps: 30,
      logEvery: 10,
      batchSize: 16,
      data: { kind: 'gaussian', dim: 1, rho: 0.5 },
      critic: { kind: 'concat', hidden: [8] },
      estimators: ['mine', 'nwj'],
    });
    const e = readNpy(join(dir, 'estimates.npy'));
    expect(e.shape).toEqual([30, 4]);
    // true MI of 1-D Gaussians with ρ = 0.5: −½ log(1 − ρ²)
    expect(e.data[1]).toBeCloseTo(-0.5 * Math.log(1 - 0.25), 12);
    expect(e.data[29 * 4]).toBe(29);
    expect(index(dir)['estimates.npy'].columns).toEqual(['step', 'trueMI', 'mine', 'nwj']);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).files).toContain('estimates.npy');
  });
  it('gan: one samples-step<N>.npy per snapshot, evaluation.samples × 2', async () => {
    const dir = await run({
      name: 'a-gan',
      task: 'gan',
      steps: 20,
      logEvery: 10,
      batchSize: 32,
      data: { kind: 'grid' },
      generator: { hidden: [8] },
      discriminator: { hidden: [8] },
      evaluation: { samples: 100, every: 10, snapshots: [10, 20] },
    });
    expect(shapeOf(dir, 'samples-step10.npy')).toEqual([100, 2]);
    expect(shapeOf(dir, 'samples-step20.npy')).toEqual([100, 2]);
  });
  it('infogan: the final samples and their categorical codes', async () => {
    const dir = await run({
      name: 'a-infogan',
      task: 'infogan',
      steps: 10,
      logEvery: 5,
      batchSize: 16,
      codes: { categorical: 4 },
      data: { kind: 'grid', side: 2 },
      generator: { hidden: [8] },
      discriminator: { hidden: [8] },
      mi: { head: { hidden: [8] } },
      evaluation: { samples: 60, every: 10 },
    });
    expect(shapeOf(dir, 'samples-step10.npy')).toEqual([60, 2]);
    const codes = readNpy(join(dir, 'samples-step10-codes.npy'));
    expect(codes.shape).toEqual([60]);
    expect(Array.from(codes.data).every((c) => Number.isInteger(c) && c >= 0 && c < 4)).toBe(true);
  });
  it('ali (grid): the final samples, and F(x) of the held-out points with their modes', async () => {
    const dir = await run({
      name: 'a-ali',
      task: 'ali',
      steps: 10,
      logEvery: 5,
      batchSize: 16,
      latentDim: 3,
      data: { kind: 'grid', side: 2 },
      generator: { hidden: [8] },
      encoder: { hidden: [8] },
      discriminator: { hidden: [8] },
      reconDiscriminator: { hidden: [8] },
      evaluation: { samples: 50, reconSamples: 40, minCount: 1 },
    });
    expect(shapeOf(dir, 'samples-step10.npy')).toEqual([50, 2]);
    expect(shapeOf(dir, 'latents.npy')).toEqual([40, 3]);
    expect(shapeOf(dir, 'latents-labels.npy')).toEqual([40]);
  });
  it("ib: μ(x) of every test image (testLimit × zDim) and the images' classes", async () => {
    const dir = await run({
      name: 'a-ib',
      task: 'ib',
      epochs: 1,
      batchSize: 50,
      logEvery: 2,
      data: { kind: 'embedded', trainSize: 1000, testSize: 400, classes: [0, 1], trainLimit: 100, testLimit: 30 },
      encoder: { kind: 'gaussian', hidden: [16], zDim: 4, noiseDim: 4 },
      mi: { estimator: 'mine', critic: { kind: 'concat', hidden: [8] } },
      evaluation: { samples: 2 },
      checkpoint: false,
    });
    expect(shapeOf(dir, 'latents.npy')).toEqual([30, 4]);
    const labels = Array.from(readNpy(join(dir, 'latents-labels.npy')).data);
    expect(labels).toHaveLength(30);
    expect(new Set(labels)).toEqual(new Set([0, 1]));
  });
});
