/** The ali task end to end on tiny networks: files written, metrics present, configs checked. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IMAGE_SIZE, loadImageDataset } from '../../src/data/mnist.js';
import { pca2 } from '../../src/experiments/aliFigures.js';
import { buildAli, loadAliData, parseAli, scheduleLearningRates } from '../../src/experiments/aliTask.js';
import { disposeAli } from '../../src/models/ali.js';
import { silentProgress } from '../../src/experiments/context.js';
import { prepareConfig, readExperimentFile, runExperiment } from '../../src/experiments/runExperiment.js';
import { parseGridArg } from '../../src/experiments/sweep.js';
import { Rng } from '../../src/util/rng.js';

const tiny = (over: Record<string, unknown> = {}) => ({
  name: 'tiny-ali',
  task: 'ali',
  seed: 2,
  steps: 30,
  logEvery: 10,
  batchSize: 32,
  data: { kind: 'grid', side: 3, spacing: 2, std: 0.1 },
  generator: { hidden: [16] },
  encoder: { hidden: [16] },
  discriminator: { hidden: [16] },
  reconDiscriminator: { hidden: [16] },
  optimizer: { kind: 'adam', learningRate: 0.001, beta1: 0.5 },
  mi: { beta: 1, estimator: 'mine', critic: { kind: 'concat', hidden: [16] } },
  vary: { variant: ['ali', 'alice-l2', 'alice-adv', 'ali-mi'] },
  evaluation: { every: 15, samples: 300, reconSamples: 200 },
  ...over,
});

const out = () => mkdtempSync(join(tmpdir(), 'ib-ali-'));

/** 4 steps of one variant on 200 embedded training digits (100 held out), z of 8. */
const runTinyMnist = (variant: string, evaluation: Record<string, unknown>) =>
  runExperiment(
    tiny({ steps: 4, batchSize: 16, latentDim: 8, data: { kind: 'mnist', trainSize: 200, testSize: 100 }, vary: { variant: [variant] }, evaluation }),
    { out: out(), progress: silentProgress, backend: 'wasm' },
  );

describe('ali task', () => {
  it('grid: trains every variant, evaluates modes and reconstruction error, writes the figures', async () => {
    const o = await runExperiment(tiny(), { out: out(), progress: silentProgress, backend: 'wasm' });
    expect(o.error).toBeUndefined();
    expect(o.status).toBe('completed');
    const summary = JSON.parse(readFileSync(join(o.dir, 'summary.json'), 'utf8'));
    for (const v of ['ali', 'alice-l2', 'alice-adv', 'ali-mi']) {
      for (const k of ['reconError', 'modes', 'highQualityPercent']) expect(typeof summary.metrics[`variant=${v}.${k}`], `${v} ${k}`).toBe('number');
      for (const f of ['samples', 'latent', 'curves']) expect(existsSync(join(o.dir, `${f}-variant=${v}.png`)), `${f} ${v}`).toBe(true);
    }
    expect(existsSync(join(o.dir, 'recon-error.png'))).toBe(true);
    const lines = readFileSync(join(o.dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // 30 steps, logEvery 10: steps 0, 9, 19, 29; evaluations at 15 and 30
    expect(lines.filter((l) => l.type === 'train' && l.setting === 'variant=ali-mi')).toHaveLength(4);
    expect(lines.filter((l) => l.type === 'eval' && l.setting === 'variant=alice-adv')).toHaveLength(2);
    const mi = lines.find((l) => l.type === 'train' && l.setting === 'variant=ali-mi' && l.step === 9);
    for (const k of ['mi', 'advGradNorm', 'miGradNorm', 'clipScale']) expect(typeof mi[k]).toBe('number');
  });
  it('mnist (embedded digits, classifier skipped): writes reconstructions, samples and the latent view', async () => {
    const o = await runTinyMnist('alice-l2', { samples: 64, reconSamples: 64, classifier: false });
    expect(o.error).toBeUndefined();
    const summary = JSON.parse(readFileSync(join(o.dir, 'summary.json'), 'utf8'));
    expect(summary.metrics.reconError).toBeGreaterThan(0);
    for (const f of ['reconstructions.png', 'samples.png', 'latent.png', 'curves.png']) expect(existsSync(join(o.dir, f)), f).toBe(true);
  });
  it('mnist: training digits for the generalization gap are the first of the training split, as many as the held-out digits', () => {
    const s = parseAli(tiny({ latentDim: 8, data: { kind: 'mnist', trainSize: 200, testSize: 100 }, evaluation: { reconSamples: 50 } })).settings[0].cfg;
    const d = loadAliData(s.data, s, 0, new Map());
    const split = loadImageDataset({ source: 'embedded', seed: 0, trainSize: 200, testSize: 100 });
    expect(d.trainSubset!.labels).toEqual(split.train.labels.subarray(0, 50));
    expect(d.trainSubset!.images).toEqual(split.train.images.subarray(0, 50 * IMAGE_SIZE));
    expect(d.heldOut).toEqual(split.test.images.subarray(0, 50 * IMAGE_SIZE));
  });
  it('mnist with the shipped classifier: reconstruction accuracy on held-out and on training digits, each a count of 50', async () => {
    const o = await runTinyMnist('ali', { samples: 64, reconSamples: 50, pairsPerClass: 2 });
    expect(o.error).toBeUndefined();
    // fewer than 64 held-out digits: the reconstructions figure shows 3 pairs of rows of 16
    expect(existsSync(join(o.dir, 'reconstructions.png'))).toBe(true);
    const m = JSON.parse(readFileSync(join(o.dir, 'summary.json'), 'utf8')).metrics;
    for (const k of ['reconAccuracyPercent', 'reconAccuracyTrainPercent']) {
      expect(m[k], k).toBeGreaterThanOrEqual(0);
      expect(m[k], k).toBeLessThanOrEqual(100);
      // 50 digits: a percentage in steps of 2
      expect(Number.isInteger(Math.round(m[k] * 1e6) / 2e6), `${k} = ${m[k]}`).toBe(true);
    }
  });
  it("learningRateSchedule scales G/F's, D's and D′'s learning rates, not the statistics network's", () => {
    const s = parseAli(
      tiny({
        variant: 'alice-adv',
        vary: undefined,
        discriminator: { hidden: [8], optimizer: { kind: 'adam', learningRate: 0.0002 } },
        learningRateSchedule: { kind: 'linear', to: 0.1, start: 10, end: 20 },
      }),
    ).settings[0].cfg;
    const m = buildAli(s, 2, new Rng(1));
    const rate = (o: unknown) => (o as { learningRate: number }).learningRate;
    // linear from 1 at step 10 to 0.1 at step 20: 0.55 at step 15 (src/train/betaSchedule.ts)
    expect(scheduleLearningRates(m, s, 15)).toBeCloseTo(0.55, 12);
    expect(rate(m.gfOptimizer)).toBeCloseTo(0.001 * 0.55, 15);
    expect(rate(m.rOptimizer)).toBeCloseTo(0.001 * 0.55, 15);
    expect(rate(m.dOptimizer)).toBeCloseTo(0.0002 * 0.55, 15);
    expect(scheduleLearningRates(m, s, 25)).toBeCloseTo(0.1, 12);
    expect(rate(m.dOptimizer)).toBeCloseTo(0.00002, 15);
    disposeAli(m);
    const mi = parseAli(tiny({ variant: 'ali-mi', vary: undefined, learningRateSchedule: { kind: 'linear', to: 0.1 } })).settings[0].cfg;
    const mm = buildAli(mi, 2, new Rng(1));
    scheduleLearningRates(mm, mi, 30);
    expect(rate(mm.gfOptimizer)).toBeCloseTo(0.0001, 15);
    expect(rate(mm.mi!.optimizer)).toBe(0.001);
    disposeAli(mm);
  });
  it('the same seed gives the same numbers', async () => {
    const cfg = tiny({ steps: 10, vary: { variant: ['ali-mi'] }, evaluation: { every: 10, samples: 200, reconSamples: 100 } });
    const a = await runExperiment(cfg, { out: out(), progress: silentProgress, backend: 'wasm' });
    const b = await runExperiment(cfg, { out: out(), progress: silentProgress, backend: 'wasm' });
    const m = (d: string) => JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')).metrics;
    expect(m(a.dir)).toEqual(m(b.dir));
  });
  it('config errors name the field and what was expected', () => {
    expect(() => prepareConfig(tiny({ vary: { variant: ['ali', 'alice'] } }), {})).toThrow(
      /variant: unknown value "alice"; expected one of ali, alice-l2, alice-adv, ali-mi/,
    );
    expect(() => prepareConfig(tiny({ encoder: { hidden: [4], noise: -1 } }), {})).toThrow(/encoder\.noise must be ≥ 0, got -1/);
    expect(() => prepareConfig(tiny({ encoder: { hidden: [4], noise: 'learnt' } }), {})).toThrow(
      /encoder\.noise must be a finite number or "learned", got "learnt"/,
    );
    expect(() => prepareConfig(tiny({ alice: { lambda: 0 } }), {})).toThrow(/alice\.lambda must be > 0, got 0/);
    expect(() => prepareConfig(tiny({ mi: { beta: 0 }, vary: { variant: ['ali-mi'] } }), {})).toThrow(/mi\.beta must be > 0 for variant "ali-mi"/);
    expect(() => prepareConfig(tiny({ data: { kind: 'mnist', source: 'idx' } }), {})).toThrow(/data\.dir is required/);
    expect(() => prepareConfig(tiny({ evaluation: { classifier: 3 } }), {})).toThrow(/evaluation\.classifier must be a directory/);
    expect(() => prepareConfig(tiny({ discriminator: { hiden: [4] } }), {})).toThrow(/discriminator\.hiden: unknown key/);
    expect(() => prepareConfig(tiny({ discriminator: { hidden: [4], dropout: 0.95 } }), {})).toThrow(/discriminator\.dropout must be ≤ 0\.9, got 0\.95/);
    expect(() => prepareConfig(tiny({ discriminator: { hidden: [4], inputNoise: -1 } }), {})).toThrow(/discriminator\.inputNoise must be ≥ 0, got -1/);
    expect(() => prepareConfig(tiny({ discriminator: { hidden: [4], optimizer: { learningRate: 0 } } }), {})).toThrow(
      /discriminator\.optimizer\.learningRate must be > 0, got 0/,
    );
  });
  it("discriminator.dropout / inputNoise / optimizer reach D (its own learning rate, the shared optimizer's other fields)", () => {
    const c = prepareConfig(tiny({ discriminator: { hidden: [4], dropout: 0.2, inputNoise: 0.1, optimizer: { learningRate: 0.0001 } } }), {}).cfg as {
      settings: { cfg: { discriminator: Record<string, unknown>; optimizer: Record<string, unknown> } }[];
    };
    const s = c.settings[0].cfg;
    expect(s.discriminator).toMatchObject({ hidden: [4], dropout: 0.2, inputNoise: 0.1, optimizer: { kind: 'adam', learningRate: 0.0001, beta1: 0.5 } });
    expect(s.optimizer.learningRate).toBe(0.001);
    const d = prepareConfig(tiny(), {}).cfg as typeof c;
    expect(d.settings[0].cfg.discriminator).toMatchObject({ dropout: 0, inputNoise: 0, optimizer: { learningRate: 0.001 } });
  });
  it('grid: D dropout and input noise train end to end', async () => {
    const o = await runExperiment(
      tiny({
        steps: 6,
        discriminator: { hidden: [16], dropout: 0.2, inputNoise: 0.1 },
        vary: { variant: ['ali', 'ali-mi'] },
        evaluation: { every: 6, samples: 200, reconSamples: 100 },
      }),
      { out: out(), progress: silentProgress, backend: 'wasm' },
    );
    expect(o.error).toBeUndefined();
    expect(o.status).toBe('completed');
  });
  it("encoder.noise 'learned' (a learned-σ Gaussian encoder) trains end to end on the grid", async () => {
    const o = await runExperiment(
      tiny({ steps: 6, encoder: { hidden: [16], noise: 'learned' }, vary: { variant: ['ali-mi'] }, evaluation: { every: 6, samples: 200, reconSamples: 100 } }),
      { out: out(), progress: silentProgress, backend: 'wasm' },
    );
    expect(o.error).toBeUndefined();
    expect(o.status).toBe('completed');
  });
  it('mnist with convolutional G, F and D (ALI+MI): trains end to end, D and F get their conv layers', async () => {
    const conv = { channels: [4, 8], kernel: 4 };
    const cfg = tiny({
      steps: 3,
      batchSize: 8,
      latentDim: 8,
      data: { kind: 'mnist', trainSize: 100, testSize: 50 },
      generator: { hidden: [16], activation: 'leakyRelu', conv },
      encoder: { hidden: [16], activation: 'leakyRelu', noise: 0.7, conv },
      discriminator: { hidden: [16], activation: 'leakyRelu', dropout: 0.2, conv },
      vary: { variant: ['ali-mi'] },
      evaluation: { samples: 32, reconSamples: 32, classifier: false },
    });
    const s = parseAli(cfg).settings[0].cfg;
    const m = buildAli(s, IMAGE_SIZE, new Rng(1));
    // F: 784 → conv features 7·7·8 → 16 → 8; G: 8 → 16 → 7·7·8 → transposed convs → 784; D: conv features + z
    expect([m.encoder.inputSize, m.encoder.outputSize, m.generator.inputSize, m.generator.outputSize]).toEqual([784, 8, 8, 784]);
    expect(m.discriminatorX!.outputSize).toBe(7 * 7 * 8);
    expect(m.discriminator.inputSize).toBe(7 * 7 * 8 + 8);
    disposeAli(m);
    const o = await runExperiment(cfg, { out: out(), progress: silentProgress, backend: 'wasm' });
    expect(o.error).toBeUndefined();
    expect(o.status).toBe('completed');
    expect(JSON.parse(readFileSync(join(o.dir, 'summary.json'), 'utf8')).metrics.reconError).toBeGreaterThan(0);
  });
  it('conv layers: rejected on the grid and beyond two stride-2 layers on 28×28 digits, naming the field', () => {
    expect(() => prepareConfig(tiny({ encoder: { hidden: [4], conv: { channels: [4] } } }), {})).toThrow(
      /encoder\.conv: convolutional layers need image data \(data\.kind "mnist"\), got data\.kind "grid"/,
    );
    expect(() => prepareConfig(tiny({ data: { kind: 'mnist' }, discriminator: { hidden: [4], conv: { channels: [4, 8, 16] } } }), {})).toThrow(
      /discriminator\.conv\.channels: 3 stride-2 layers need the image side divisible by 8; MNIST's 28 allows at most 2/,
    );
  });
  it('sweep grid "variant=ali,ali-mi" sets the variant path', () => {
    expect(parseGridArg('variant=ali,ali-mi', 'ali')).toEqual({ key: 'variant', path: 'variant', values: ['ali', 'ali-mi'] });
  });
  it('the shipped ali experiments validate', () => {
    for (const f of ['ali-25gaussians', 'ali-mnist', 'ali-mnist-conv', 'ali-mnist-infonce'])
      expect(() => prepareConfig(readExperimentFile(join('experiments', `${f}.json`)), {})).not.toThrow();
  });
});

describe('pca2 (the 2-D latent view)', () => {
  it('recovers the two directions of a rank-2 cloud in 5-D up to the variance ordering (float64 reference)', () => {
    // x = 3·a·e1 + 1·b·e3 (+ the mean (1, …, 1)): PC1 = ±3a, PC2 = ±b exactly.
    const rng = new Rng(1);
    const n = 200,
      d = 5;
    const x = new Float32Array(n * d).fill(1);
    // a, b centred and orthogonal in float64, so the sample covariance is exactly diag(9·|a|², 0, |b|², 0, 0)/(n−1)
    const centre = (v: number[]) => v.map((t) => t - v.reduce((s, u) => s + u, 0) / n);
    const a = centre(Array.from({ length: n }, () => rng.normal()));
    let b = centre(Array.from({ length: n }, () => rng.normal()));
    const ab = a.reduce((s, t, i) => s + t * b[i], 0) / a.reduce((s, t) => s + t * t, 0);
    b = b.map((t, i) => t - ab * a[i]);
    for (let i = 0; i < n; i++) {
      x[i * d] += 3 * a[i];
      x[i * d + 2] += b[i];
    }
    const [meanA, meanB] = [0, 0];
    const p = pca2(x, d);
    for (let i = 0; i < n; i++) {
      expect(Math.abs(p[2 * i])).toBeCloseTo(Math.abs(3 * (a[i] - meanA)), 3);
      expect(Math.abs(p[2 * i + 1])).toBeCloseTo(Math.abs(b[i] - meanB), 3);
    }
  });
});
