import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentProgress } from '../../src/experiments/context.js';
import { settingTitle } from '../../src/experiments/ganFigures.js';
import { dataMoments, standardizeRows } from '../../src/data/standardize.js';
import { createGan, miSpent, resultLine, samplerOf, type GanSettingConfig } from '../../src/experiments/ganTask.js';
import { prepareConfig, readExperimentFile, runExperiment } from '../../src/experiments/runExperiment.js';
import { disposeGan } from '../../src/models/gan.js';
import { Rng } from '../../src/util/rng.js';

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

/** Runs a config on wasm into a fresh directory. */
const run = (cfg: Record<string, unknown>) => runExperiment(cfg, { out: mkdtempSync(join(tmpdir(), 'ib-gan-')), progress: silentProgress, backend: 'wasm' });
/** A run's metrics.jsonl lines, parsed. */
const metricLines = (dir: string): Record<string, any>[] =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
const trainLines = (dir: string) => metricLines(dir).filter((l) => l.type === 'train');

describe('gan task', () => {
  it('trains each setting, evaluates, and writes samples, KDE, curves and modes figures', async () => {
    const o = await run(tiny());
    expect(o.status).toBe('completed');
    const summary = JSON.parse(readFileSync(join(o.dir, 'summary.json'), 'utf8'));
    for (const k of ['beta=0.modes', 'beta=1.modes', 'beta=1.highQualityPercent', 'beta=1.klToUniform', 'beta=1.kdeLogLikRealUnderGen'])
      expect(typeof summary.metrics[k]).toBe('number');
    for (const f of ['samples-beta=0.png', 'samples-beta=1.png', 'kde.png', 'modes.png', 'curves-beta=1.png']) expect(existsSync(join(o.dir, f))).toBe(true);
    const lines = metricLines(o.dir);
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
  it("mi.betaSchedule sets the regularizer's β at every step: a linear 1 → 0 over 40 steps logs β = 1 − step/40", async () => {
    const o = await run(
      tiny({ vary: {}, mi: { beta: 1, betaSchedule: { kind: 'linear', to: 0 }, estimator: 'mine', critic: { kind: 'concat', hidden: [16] } } }),
    );
    expect(o.status).toBe('completed');
    const train = trainLines(o.dir);
    for (const l of train) expect(l.beta).toBeCloseTo(1 - l.step / 40, 12);
  });
  it('a schedule that reaches β = 0 before the last step runs to the end (the clip scale is undefined at β = 0, not a divergence)', async () => {
    const o = await run(
      tiny({
        steps: 20,
        vary: {},
        evaluation: { every: 20, samples: 300, snapshots: [20] },
        mi: { beta: 1, betaSchedule: { kind: 'step', to: 0, start: 10 }, estimator: 'mine', critic: { kind: 'concat', hidden: [16] } },
      }),
    );
    expect(o.status).toBe('completed');
    const last = trainLines(o.dir).pop()!;
    expect([last.step, last.beta, last.clipScale]).toEqual([19, 0, null]);
  });
  it("a schedule that starts at β = 0 still builds the statistics network; discriminator.optimizer is D's own", () => {
    const { cfg } = prepareConfig(
      tiny({
        vary: {},
        mi: { beta: 0, betaSchedule: { kind: 'step', to: 1, start: 10 } },
        discriminator: { hidden: [16], optimizer: { kind: 'adam', learningRate: 0.004 } },
      }),
      {},
    );
    const s = (cfg as { settings: { cfg: GanSettingConfig }[] }).settings[0].cfg;
    expect(s.mi.betaSchedule).toEqual({ kind: 'step', to: 1, start: 10, end: 40 });
    expect([s.discriminator.optimizer.learningRate, s.optimizer.learningRate]).toEqual([0.004, 0.001]);
    const gan = createGan(s, new Rng(0));
    expect(gan.mi).not.toBeNull();
    disposeGan(gan);
  });
  it("learningRateSchedule scales G's and D's learning rates (logged as learningRateFactor); once β stays 0, T is no longer trained", async () => {
    const o = await run(
      tiny({
        steps: 20,
        vary: {},
        evaluation: { every: 20, samples: 300, snapshots: [20] },
        discriminator: { hidden: [16], steps: 2, optimizer: { learningRate: 0.004 } },
        learningRateSchedule: { kind: 'linear', to: 0.1, start: 10 },
        mi: { beta: 1, betaSchedule: { kind: 'linear', to: 0, end: 10 }, estimator: 'mine', critic: { kind: 'concat', hidden: [16] } },
      }),
    );
    expect(o.status).toBe('completed');
    const train = trainLines(o.dir);
    // factor 1 up to step 10, then 1 → 0.1 linearly by step 20
    for (const l of train) expect(l.learningRateFactor).toBeCloseTo(l.step <= 10 ? 1 : 1 - (0.9 * (l.step - 10)) / 10, 12);
    const last = train.pop()!;
    expect([last.beta, last.mi, last.clipScale]).toEqual([0, null, null]);
  });
  it('miSpent: true from the step a β schedule to 0 has ended; never for a schedule to β > 0', () => {
    const setting = (betaSchedule: unknown) =>
      (prepareConfig(tiny({ vary: {}, mi: { beta: 1, betaSchedule } }), {}).cfg as { settings: { cfg: GanSettingConfig }[] }).settings[0].cfg;
    const lin = setting({ kind: 'linear', to: 0, end: 30 });
    expect([miSpent(lin, 29), miSpent(lin, 30)]).toEqual([false, true]);
    const step = setting({ kind: 'step', to: 0, start: 10 });
    expect([miSpent(step, 9), miSpent(step, 10)]).toEqual([false, true]);
    const up = setting({ kind: 'linear', to: 0.5, end: 30 });
    expect(miSpent(up, 39)).toBe(false);
    expect(lin.discriminator.steps).toBe(1);
    expect(lin.learningRateSchedule).toBeNull();
  });
  it("dataMoments and standardizeRows: the grid's per-coordinate mean 0 and std √(spacing²·(side² − 1)/12 + std²); a round trip is the identity", () => {
    const sampler = samplerOf({ kind: 'grid', side: 5, spacing: 2, std: 0.05 });
    const m = dataMoments(sampler);
    for (let j = 0; j < 2; j++) {
      expect(Math.abs(m.mean[j])).toBeLessThan(0.06);
      expect(m.std[j]).toBeCloseTo(Math.sqrt(8 + 0.0025), 1);
    }
    expect(dataMoments(sampler)).toEqual(m); // a fixed seed: the same scale in every run
    const x = new Float32Array([4, -4, 0.5, 2]);
    const y = standardizeRows(new Float32Array(x), m);
    expect(y[0]).toBeCloseTo((4 - m.mean[0]) / m.std[0], 5);
    expect(y[1]).toBeCloseTo((-4 - m.mean[1]) / m.std[1], 5);
    const back = standardizeRows(y, m, true);
    for (let i = 0; i < 4; i++) expect(back[i]).toBeCloseTo(x[i], 5);
  });
  it("standardize and uniform noise: a run completes with its samples in the data's coordinates", async () => {
    const o = await run(tiny({ steps: 20, vary: {}, standardize: true, noise: 'uniform', evaluation: { every: 20, samples: 300, snapshots: [20] } }));
    expect(o.status).toBe('completed');
    const { cfg } = prepareConfig(tiny({ vary: {} }), {});
    const s = (cfg as { settings: { cfg: GanSettingConfig }[] }).settings[0].cfg;
    expect([s.standardize, s.noise]).toEqual([false, 'gaussian']);
  });
  it('the result line says what each number means', () => {
    const { cfg } = prepareConfig(tiny({ vary: {}, mi: { beta: 1, betaSchedule: { kind: 'cosine', to: 0, end: 30 } } }), {});
    const s = (cfg as { settings: { cfg: GanSettingConfig }[] }).settings[0].cfg;
    const line = resultLine(
      'default',
      s,
      { step: 40, modes: 8, modesAnySample: 9, highQualityPercent: 81.25, klToUniform: 0.0123, kdeLogLikRealUnderGen: -1.5, kdeLogLikGenUnderReal: 0 },
      samplerOf(s.data),
    );
    expect(line).toBe(
      "MINEGAN (β 1 → 0, cosine over steps 0–30) after 40 steps: modes 8/9 with ≥ 20 of 300 samples (9/9 with ≥ 1, PacGAN's count); high-quality 81.3% (samples within 3σ = 0.30 of a mode centre); KL(modes ‖ uniform) 0.012; KDE log-lik(real | G) -1.500",
    );
  });
  it('figure titles name the β schedule: "MINEGAN (β 1 → 0, mine)", "MINEGAN (β = 0.5, mine)", "GAN (β = 0)"', () => {
    const setting = (mi: Record<string, unknown>) =>
      (prepareConfig(tiny({ vary: {}, mi: { estimator: 'mine', ...mi } }), {}).cfg as { settings: { cfg: GanSettingConfig }[] }).settings[0].cfg;
    expect(settingTitle('default', setting({ beta: 1, betaSchedule: { kind: 'linear', to: 0, end: 30 } }))).toBe('MINEGAN (β 1 → 0, mine)');
    expect(settingTitle('default', setting({ beta: 0.5 }))).toBe('MINEGAN (β = 0.5, mine)');
    expect(settingTitle('gan', setting({ beta: 0 }))).toBe('GAN (β = 0) [gan]');
  });
  it('the shipped GAN experiments validate', () => {
    for (const f of ['minegan-25gaussians', 'minegan-swissroll'])
      expect(() => prepareConfig(readExperimentFile(join('experiments', `${f}.json`)), {})).not.toThrow();
  });
});
