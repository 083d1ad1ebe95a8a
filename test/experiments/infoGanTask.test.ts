/** The infogan task on a tiny config (tens of steps): outputs, summary metrics, config errors. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentProgress } from '../../src/experiments/context.js';
import { prepareConfig, readExperimentFile, runExperiment } from '../../src/experiments/runExperiment.js';
import { parseGridArg } from '../../src/experiments/sweep.js';

const tiny = (over: Record<string, unknown> = {}) => ({
  name: 'tiny-infogan',
  task: 'infogan',
  seed: 1,
  steps: 30,
  logEvery: 10,
  batchSize: 32,
  codes: { categorical: 4 },
  data: { kind: 'grid', side: 2, spacing: 2, std: 0.1 },
  generator: { hidden: [16] },
  discriminator: { hidden: [16] },
  mi: { beta: 1, critic: { kind: 'concat', hidden: [16] }, head: { hidden: [16] } },
  vary: { 'mi.estimator': ['none', 'infogan', 'mine'] },
  evaluation: { every: 15, samples: 200, miWindow: 10 },
  ...over,
});

describe('infogan task', () => {
  it('trains each setting and writes per-setting metrics, a table and the figures', async () => {
    const o = await runExperiment(tiny(), { out: mkdtempSync(join(tmpdir(), 'ib-infogan-')), progress: silentProgress, backend: 'wasm' });
    expect(o.status).toBe('completed');
    const summary = JSON.parse(readFileSync(join(o.dir, 'summary.json'), 'utf8'));
    for (const s of ['none', 'infogan', 'mine']) {
      for (const k of ['modes', 'modesAnySample', 'highQualityPercent']) expect(typeof summary.metrics[`estimator=${s}.${k}`]).toBe('number');
      // purity is a share, or NaN (written "NaN") when no sample is near a mode yet
      const purity = summary.metrics[`estimator=${s}.purity`];
      expect(purity === 'NaN' || (purity >= 0 && purity <= 1)).toBe(true);
      // the first step with all 4 modes covered, or null (never) — never a made-up number
      const step = summary.metrics[`estimator=${s}.stepAllModes`];
      expect(step === null || [15, 30].includes(step)).toBe(true);
    }
    // the final MI estimate: the Q-head bound is ≤ H(c) = log 4; the plain GAN has none
    expect(summary.metrics['estimator=infogan.miFinal']).toBeLessThanOrEqual(Math.log(4) + 1e-6);
    expect(summary.metrics['estimator=none.miFinal']).toBe('NaN');
    for (const f of ['samples.png', 'modes.png', 'purity.png', 'mi.png', 'curves-estimator=infogan.png', 'table.md', 'table.json'])
      expect(existsSync(join(o.dir, f))).toBe(true);
    const lines = readFileSync(join(o.dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'eval' && l.setting === 'estimator=mine').map((l) => l.step)).toEqual([15, 30]);
    expect(readFileSync(join(o.dir, 'table.md'), 'utf8')).toMatch(/\| estimator=infogan \| InfoGAN Q head \(β = 1\) \|/);
  });
  it('stopAtAllModes ends a setting at the first evaluation with every mode captured (standardized data mapped back)', async () => {
    // One mode (a 1×1 grid): G starts near 0 in standardized coordinates, i.e. within 3σ of the
    // mode after mapping back, so the first evaluation (step 10) already has it; 200 steps are not run.
    const one = tiny({
      steps: 200,
      standardize: true,
      codes: { categorical: 2 },
      data: { kind: 'grid', side: 1, spacing: 2, std: 0.1 },
      vary: { 'mi.estimator': ['mine'] },
      evaluation: { every: 10, samples: 100, minCount: 1, stopAtAllModes: true },
    });
    const o = await runExperiment(one, { out: mkdtempSync(join(tmpdir(), 'ib-infogan-')), progress: silentProgress, backend: 'wasm' });
    const m = JSON.parse(readFileSync(join(o.dir, 'summary.json'), 'utf8')).metrics;
    expect(m.stepAllModes).toBe(10);
    expect(m.modes).toBe(1);
    const lines = readFileSync(join(o.dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'eval').map((l) => l.step)).toEqual([10]);
    expect(Math.max(...lines.filter((l) => l.type === 'train').map((l) => l.step))).toBeLessThan(10);
    expect(existsSync(join(o.dir, 'samples-step10.npy'))).toBe(true);
  });
  it('the same seed reproduces the numbers', async () => {
    const one = { ...tiny({ steps: 10, vary: { 'mi.estimator': ['eta-mine'] }, evaluation: { every: 10, samples: 100 } }) };
    const run = async () => {
      const o = await runExperiment(one, { out: mkdtempSync(join(tmpdir(), 'ib-infogan-')), progress: silentProgress, backend: 'wasm' });
      return JSON.parse(readFileSync(join(o.dir, 'summary.json'), 'utf8')).metrics;
    };
    expect(await run()).toEqual(await run());
  });
  it('an unknown estimator is named with every valid kind', () => {
    expect(() => prepareConfig(tiny({ vary: { 'mi.estimator': ['mien'] } }), {})).toThrow(
      /mi\.estimator\.kind: unknown estimator "mien"; expected one of infogan, none, mine, /,
    );
  });
  it('code sizes that do not fit are errors naming the field', () => {
    expect(() => prepareConfig(tiny({ codes: { categorical: 1 } }), {})).toThrow(/codes\.categorical must be 0 \(none\) or ≥ 2/);
    expect(() => prepareConfig(tiny({ codes: { categorical: 0, continuous: 0 } }), {})).toThrow(/codes: need codes\.categorical ≥ 2 or codes\.continuous ≥ 1/);
    expect(() => prepareConfig(tiny({ codes: { categorical: 2.5 } }), {})).toThrow(/codes\.categorical must be an integer, got 2\.5/);
    expect(() => prepareConfig(tiny({ data: { kind: 'swissroll' } }), {})).toThrow(/data\.kind must be "grid" for the infogan task/);
  });
  it('sweeps take the short grid names beta and estimator', () => {
    expect(parseGridArg('estimator=infogan,mine', 'infogan')).toEqual({ key: 'estimator', path: 'mi.estimator', values: ['infogan', 'mine'] });
    expect(parseGridArg('beta=0,1', 'infogan').path).toBe('mi.beta');
  });
  it('the shipped experiment validates: 25 categorical codes, one per mode of the 5×5 grid', () => {
    const { cfg } = prepareConfig(readExperimentFile(join('experiments', 'infogan-25gaussians.json')), {});
    const c = cfg as { settings: { cfg: { codes: { categorical: number }; data: { side: number } } }[] };
    expect(c.settings.map((s) => s.cfg.codes.categorical)).toEqual([25, 25, 25, 25, 25]);
    expect(c.settings.every((s) => (s.cfg as unknown as { evaluation: { stopAtAllModes: boolean } }).evaluation.stopAtAllModes)).toBe(true);
    expect(c.settings[0].cfg.data.side ** 2).toBe(25);
  });
});
