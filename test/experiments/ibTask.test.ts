/**
 * The ib task end to end on tiny data: a short MINE-IB run on a 2-class subset of the embedded
 * digits reaches a low test error; a run interrupted (StopRequested) and resumed from its
 * checkpoint gives the same metrics and the same final weights, to the bit, as an uninterrupted run
 * of the same seed; config errors name the field; the shipped experiment validates.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentProgress } from '../../src/experiments/context.js';
import type { IbConfig } from '../../src/experiments/ibTask.js';
import { prepareConfig, readExperimentFile, runExperiment } from '../../src/experiments/runExperiment.js';
import { parseGridArg } from '../../src/experiments/sweep.js';
import { readCheckpoint } from '../../src/io/checkpoint.js';

const tiny = (over: Record<string, unknown> = {}) => ({
  name: 'tiny-ib',
  task: 'ib',
  seed: 3,
  epochs: 3,
  batchSize: 50,
  logEvery: 4,
  data: { kind: 'embedded', trainSize: 1000, testSize: 400, classes: [0, 1], trainLimit: 200, testLimit: 100 },
  encoder: { kind: 'gaussian', hidden: [32], zDim: 8, noiseDim: 4 },
  mi: { beta: 0.001, estimator: 'mine', critic: { kind: 'concat', hidden: [16] } },
  optimizer: { kind: 'adam', learningRate: 0.002 },
  evaluation: { samples: 4 },
  ...over,
});

const tmp = () => mkdtempSync(join(tmpdir(), 'ib-task-'));
const lines = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('ib task', () => {
  it('MINE-IB (gaussian encoder) on digits 0 vs 1 reaches < 5 % test error in 4 short epochs', async () => {
    const o = await runExperiment(tiny({ epochs: 4 }), { out: tmp(), progress: silentProgress, backend: 'wasm' });
    expect(o.status).toBe('completed');
    const s = JSON.parse(readFileSync(join(o.dir, 'summary.json'), 'utf8'));
    // 0 vs 1 is separable by a linear classifier on pixels; a chance-level model would be at ~50 %
    expect(s.metrics.errorAvgPct).toBeLessThan(5);
    expect(s.metrics.errorOneSamplePct).toBeLessThan(5);
    expect(s.metrics.epochs).toBe(4);
    // Polyak averaging is on by default (decay 0.999, the VIB demo's): its two errors are reported beside the raw ones
    expect(typeof s.metrics.polyakErrorAvgPct).toBe('number');
    expect(typeof s.metrics.polyakErrorOneSamplePct).toBe('number');
    const evals = lines(o.dir).filter((l) => l.type === 'eval');
    expect(evals.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    // Alemi et al.'s schedule: × 0.97 every 2 epochs
    expect(evals.map((e) => e.learningRate)).toEqual([0.002, 0.002, 0.002 * 0.97, 0.002 * 0.97]);
    for (const f of ['table.md', 'error.png', 'mi.png', 'checkpoint.bin']) expect(readFileSync(join(o.dir, f)).length).toBeGreaterThan(0);
  }, 60_000);

  it('interrupted after a step of epoch 2 and resumed: the same metrics.jsonl and the same final weights as an uninterrupted run', async () => {
    const cfg = tiny({
      epochs: 3,
      logEvery: 1,
      encoder: { kind: 'additive', hidden: [16], zDim: 4 },
      mi: { beta: 0.001, estimator: 'mine', critic: { kind: 'concat', hidden: [8] } },
      evaluation: { samples: 2 },
      data: { kind: 'embedded', trainSize: 1000, testSize: 400, trainLimit: 100, testLimit: 40 },
    });
    const full = await runExperiment(cfg, { out: tmp(), progress: silentProgress, backend: 'wasm' });
    expect(full.status).toBe('completed');
    let polls = 0;
    // 2 steps per epoch: stop after the 3rd step (inside epoch 2, after epoch 1's checkpoint)
    const cut = await runExperiment(cfg, { out: tmp(), progress: silentProgress, backend: 'wasm', shouldStop: () => ++polls >= 3 });
    expect(cut.status).toBe('interrupted');
    expect(readCheckpoint(join(cut.dir, 'checkpoint.bin')).meta.epoch).toBe(1);
    const resumed = await runExperiment(cfg, { resume: cut.dir, progress: silentProgress, backend: 'wasm' });
    expect(resumed.status).toBe('completed');
    expect(resumed.dir).toBe(cut.dir);
    expect(readFileSync(join(cut.dir, 'metrics.jsonl'), 'utf8')).toBe(readFileSync(join(full.dir, 'metrics.jsonl'), 'utf8'));
    const a = readCheckpoint(join(full.dir, 'checkpoint.bin')),
      b = readCheckpoint(join(cut.dir, 'checkpoint.bin'));
    expect(b.arrays.map((x) => x.name)).toEqual(a.arrays.map((x) => x.name));
    // the Polyak average (and its update count: 6 steps) is part of the checkpoint, compared bit for bit below
    expect(Array.from(a.arrays.find((x) => x.name === 'avg/model/steps')!.data)).toEqual([6]);
    expect(a.arrays.filter((x) => x.name.startsWith('avg/model/')).length).toBeGreaterThan(1);
    for (const [i, x] of a.arrays.entries()) expect(Buffer.from(b.arrays[i].data.buffer)).toEqual(Buffer.from(x.data.buffer));
    const run = JSON.parse(readFileSync(join(cut.dir, 'run.json'), 'utf8'));
    expect(run.resumes).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(cut.dir, 'summary.json'), 'utf8')).metrics).toEqual(
      JSON.parse(readFileSync(join(full.dir, 'summary.json'), 'utf8')).metrics,
    );
  }, 90_000);

  it('--resume with a different config names the differing field', async () => {
    const cfg = tiny({
      epochs: 1,
      data: { kind: 'embedded', trainSize: 1000, testSize: 400, trainLimit: 100, testLimit: 50 },
      encoder: { hidden: [8], zDim: 2 },
    });
    const o = await runExperiment(cfg, { out: tmp(), progress: silentProgress, backend: 'wasm' });
    await expect(
      runExperiment({ ...cfg, mi: { ...(cfg.mi as object), beta: 0.5 } }, { resume: o.dir, progress: silentProgress, backend: 'wasm' }),
    ).rejects.toThrow(/config differs from the run's config\.json at settings\.0\.cfg\.model\.beta/);
  }, 30_000);

  it('--resume refuses a run whose process is still alive (two writers on one directory)', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ seed: 3, pid: process.ppid, startedAt: new Date().toISOString() }));
    writeFileSync(join(dir, 'config.json'), '{}');
    await expect(runExperiment(tiny(), { resume: dir, progress: silentProgress, backend: 'wasm' })).rejects.toThrow(
      new RegExp(`the run is still going \\(process ${process.ppid}\\)`),
    );
  });

  it('vary as a labelled list gives one setting per entry; VIB needs the gaussian encoder', () => {
    const { cfg } = prepareConfig(
      tiny({
        vary: [
          { label: 'VIB', rate: 'vib', 'mi.estimator': 'none' },
          { label: 'add', 'encoder.kind': 'additive' },
        ],
      }),
      {},
    );
    const c = cfg as IbConfig;
    expect(c.settings.map((s) => [s.label, s.cfg.model.rate, s.cfg.model.encoder.kind, s.cfg.model.mi === undefined])).toEqual([
      ['VIB', 'vib', 'gaussian', true],
      ['add', 'mi', 'additive', false],
    ]);
    expect(() => prepareConfig(tiny({ rate: 'vib', encoder: { kind: 'propagated' } }), {})).toThrow(/encoder\.kind: rate "vib" needs the gaussian encoder/);
  });

  it('evaluation.polyak sets the decay of the averaged weights; false or 0 turns it off', () => {
    const decay = (over: Record<string, unknown>) => (prepareConfig(tiny(over), {}).cfg as IbConfig).settings[0].cfg.model.polyak;
    expect([decay({}), decay({ evaluation: { polyak: 0.99 } }), decay({ evaluation: { polyak: false } }), decay({ evaluation: { polyak: 0 } })]).toEqual([
      0.999, 0.99, 0, 0,
    ]);
    expect(() => prepareConfig(tiny({ evaluation: { polyak: 1 } }), {})).toThrow(/evaluation\.polyak must be 0 \(off\) or a decay in \(0, 1\), got 1/);
  });

  it('config errors name the field and what was expected', () => {
    expect(() => prepareConfig(tiny({ encoder: { kind: 'laplace' } }), {})).toThrow(
      /encoder\.kind: unknown value "laplace"; expected one of gaussian, additive, propagated/,
    );
    expect(() => prepareConfig(tiny({ data: { kind: 'idx' } }), {})).toThrow(/data\.dir is required for data\.kind "idx"/);
    expect(() => prepareConfig(tiny({ data: { kind: 'embedded', classes: [3] } }), {})).toThrow(/data\.classes must be a list of at least two class ids/);
    expect(() => prepareConfig(tiny({ schedule: { decay: 1.5 } }), {})).toThrow(/schedule\.decay must be ≤ 1, got 1\.5/);
    expect(() => prepareConfig(tiny({ betaa: 1 }), {})).toThrow(/betaa: unknown key/);
    // β is the MI term's weight, at mi.beta as in every task
    expect(() => prepareConfig(tiny({ beta: 0.01 }), {})).toThrow(/^beta: moved to mi\.beta/);
    expect(() => prepareConfig(tiny({ vary: [{ label: 'x' }, { label: 'x' }] }), {})).toThrow(/two settings share the label "x"/);
  });

  it("the shipped ib-mnist experiment validates (4 settings at the papers' β, Adam and schedule); sweep keys map to config paths", () => {
    const { cfg } = prepareConfig(readExperimentFile(join('experiments', 'ib-mnist.json')), {});
    const c = cfg as IbConfig;
    expect(c.settings.map((s) => s.label)).toEqual(['VIB (Alemi et al.)', 'MINE-IB gaussian', 'MINE-IB additive', 'MINE-IB propagated']);
    for (const s of c.settings)
      expect([s.cfg.model.beta, s.cfg.batchSize, s.cfg.model.optimizer.learningRate, s.cfg.schedule.decay, s.cfg.model.encoder.zDim]).toEqual([
        1e-3, 100, 1e-4, 0.97, 256,
      ]);
    expect(parseGridArg('encoder=gaussian,additive', 'ib')).toEqual({ key: 'encoder', path: 'encoder.kind', values: ['gaussian', 'additive'] });
    expect(parseGridArg('beta=0.001,0.01', 'ib').path).toBe('mi.beta');
  });
});
