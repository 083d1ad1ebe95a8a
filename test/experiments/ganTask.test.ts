import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentProgress } from '../../src/experiments/context.js';
import { prepareConfig, readExperimentFile, runExperiment } from '../../src/experiments/runExperiment.js';

const tiny = (over: Record<string, unknown> = {}) => ({
  name: 'tiny-gan',
  task: 'gan',
  seed: 2,
  steps: 40,
  logEvery: 10,
  batchSize: 32,
  data: { kind: 'grid', side: 3, spacing: 2, std: 0.1 },
  generator: { hidden: [16] },
  discriminator: { hidden: [16] },
  optimizer: { kind: 'adam', learningRate: 0.001, beta1: 0.5 },
  mi: { beta: 1, estimator: 'mine', critic: { kind: 'concat', hidden: [16] } },
  vary: { 'mi.beta': [0, 1] },
  evaluation: { every: 20, samples: 300, snapshots: [20, 40] },
  ...over,
});

describe('gan task', () => {
  it('trains each setting, evaluates, and writes samples, KDE, curves and modes figures', async () => {
    const o = await runExperiment(tiny(), { out: mkdtempSync(join(tmpdir(), 'ib-gan-')), progress: silentProgress, backend: 'wasm' });
    expect(o.status).toBe('completed');
    const summary = JSON.parse(readFileSync(join(o.dir, 'summary.json'), 'utf8'));
    for (const k of ['beta=0.modes', 'beta=1.modes', 'beta=1.highQualityPercent', 'beta=1.klToUniform', 'beta=1.kdeLogLikRealUnderGen']) expect(typeof summary.metrics[k]).toBe('number');
    for (const f of ['samples-beta=0.png', 'samples-beta=1.png', 'kde.png', 'modes.png', 'curves-beta=1.png']) expect(existsSync(join(o.dir, f))).toBe(true);
    const lines = readFileSync(join(o.dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const train1 = lines.filter((l) => l.type === 'train' && l.setting === 'beta=1');
    expect(train1.length).toBe(5);
    for (const k of ['advGradNorm', 'miGradNorm', 'clipScale']) expect(typeof train1[1][k]).toBe('number');
    expect(lines.filter((l) => l.type === 'eval')).toHaveLength(4);
  });
  it('a shortened run keeps only the snapshots inside it', () => {
    const { cfg } = prepareConfig(tiny(), { steps: 25 });
    expect((cfg as { settings: { cfg: { evaluation: { snapshots: number[] } } }[] }).settings[0].cfg.evaluation.snapshots).toEqual([20]);
  });
  it('an unknown generator key is named', () => {
    expect(() => prepareConfig(tiny({ generator: { hiden: [4] } }), {})).toThrow(/generator\.hiden: unknown key/);
  });
  it('a negative β is rejected', () => {
    expect(() => prepareConfig(tiny({ vary: { 'mi.beta': [0, -1] } }), {})).toThrow(/mi\.beta must be ≥ 0, got -1/);
  });
  it('the shipped GAN experiments validate', () => {
    for (const f of ['minegan-25gaussians', 'minegan-swissroll']) expect(() => prepareConfig(readExperimentFile(join('experiments', `${f}.json`)), {})).not.toThrow();
  });
});
