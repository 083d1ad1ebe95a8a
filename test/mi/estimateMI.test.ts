/**
 * estimateMI on data with known MI: held-out estimates near the truth, invariance under an
 * invertible map, independence near 0, InfoNCE's log(evalBlock) cap, the input forms, the
 * options' errors, stopping, and no leaked tensors. Small critics and few steps: seconds each.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { knownMiTask } from '../../src/data/knownMi.js';
import { estimateMI, type EstimateOptions } from '../../src/mi/estimateMI.js';
import { Rng } from '../../src/util/rng.js';

const small: EstimateOptions = { critic: { kind: 'concat', hidden: [32, 32] }, steps: 150, batchSize: 64, learningRate: 3e-3, evalEvery: 15, patience: null };
/** enough training and held-out rows (2,000) that the held-out DV bound is within a few hundredths of the truth */
const accurate: EstimateOptions = { ...small, steps: 400, evalEvery: 40 };
const gauss1 = knownMiTask({ kind: 'gaussian-dense', dimX: 1, dimY: 1, correlation: 0.75 }); // I = 0.41334
const sample = (task = gauss1, n = 1000, seed = 1) => task.sample(n, new Rng(seed));
const table = (a: Float64Array, n: number, d: number) => ({ data: a, shape: [n, d] as [number, number] });

describe('estimateMI', () => {
  it('estimates a 1×1 Gaussian (ρ = 0.75, I = −½ log(1 − ρ²) = 0.413) within 0.06 nats on held-out rows', async () => {
    const s = sample(gauss1, 4000);
    const r = await estimateMI(table(s.x, s.n, 1), table(s.y, s.n, 1), accurate);
    expect(Math.abs(r.estimate - gauss1.trueMI)).toBeLessThan(0.06);
    expect(r.estimateBits).toBeCloseTo(r.estimate / Math.LN2, 12);
    expect(r).toMatchObject({ nTrain: 2000, nTest: 2000, estimator: 'mine', steps: 400, stopped: false });
    expect(r.curves[0].step).toEqual(Array.from({ length: 10 }, (_, i) => 40 * (i + 1)));
    expect(r.estimate).toBe(Math.max(...r.curves[0].test));
  });

  it('is invariant under an invertible map: half-cube on X and Y changes the estimate by < 0.05 nats', async () => {
    const base = sample(gauss1, 4000);
    const mapped = { x: base.x.map((v) => v * Math.sqrt(Math.abs(v))), y: base.y.map((v) => v * Math.sqrt(Math.abs(v))) };
    const a = await estimateMI(table(base.x, 4000, 1), table(base.y, 4000, 1), accurate);
    const b = await estimateMI(table(mapped.x, 4000, 1), table(mapped.y, 4000, 1), accurate);
    expect(Math.abs(a.estimate - b.estimate)).toBeLessThan(0.05);
    expect(Math.abs(b.estimate - gauss1.trueMI)).toBeLessThan(0.06);
  });

  it('gives ≈ 0 on independent data (|estimate| < 0.05 nats, 5×5 dims)', async () => {
    const ind = knownMiTask({ kind: 'independent', dimX: 5, dimY: 5 });
    const s = ind.sample(1000, new Rng(2));
    const r = await estimateMI(table(s.x, 1000, 5), table(s.y, 1000, 5), small);
    expect(Math.abs(r.estimate)).toBeLessThan(0.05);
  });

  it('InfoNCE on one-hot pairs (I = log 64) reaches its block optimum E[log(8 / (1 + K))], K ~ Bin(7, 1/64), and never log 8', async () => {
    // within a block of 8 rows, y_i's K other copies score as high as the positive pair; a perfect
    // critic gets S_ii − log mean_j e^{S_ij} = log(8 / (1 + K)) per row
    const N = 64,
      B = 8;
    let optimum = 0;
    for (let k = 0, c = 1; k < B; c = (c * (B - 1 - k)) / (k + 1), k++) optimum += c * (1 / N) ** k * (1 - 1 / N) ** (B - 1 - k) * Math.log(B / (1 + k));
    const s = knownMiTask({ kind: 'onehot', categories: N }).sample(2000, new Rng(3));
    const r = await estimateMI(table(s.x, 2000, N), table(s.y, 2000, N), {
      ...small,
      estimator: 'infonce',
      critic: { kind: 'separable', hidden: [32], embedding: 16 },
      batchSize: B,
      steps: 400,
      evalEvery: 50,
    });
    expect(r.options.evalBlock).toBe(B);
    for (const v of r.curves[0].test) expect(v).toBeLessThanOrEqual(Math.log(B) + 1e-5);
    expect(Math.abs(r.estimate - optimum)).toBeLessThan(0.05);
    expect(r.warnings.join('\n')).toMatch(/InfoNCE cannot exceed log\(evalBlock\) = log 8/);
  });

  it('KSG trains nothing: its estimate is on the held-out rows', async () => {
    const s = sample(gauss1, 2000);
    const r = await estimateMI(table(s.x, 2000, 1), table(s.y, 2000, 1), { estimator: 'ksg' });
    expect(Math.abs(r.estimate - gauss1.trueMI)).toBeLessThan(0.1);
    expect(r).toMatchObject({ estimator: 'ksg', steps: 0, nTest: 1000 });
  });

  it('accepts number[][], { data, shape }, 1-D arrays and tensors, with identical results for one seed', async () => {
    const s = sample(gauss1, 200);
    const opts: EstimateOptions = { ...small, steps: 20, evalEvery: 10 };
    const rows = (a: Float64Array) => Array.from(a, (v) => [v]);
    const results = [
      await estimateMI(table(s.x, 200, 1), table(s.y, 200, 1), opts),
      await estimateMI(rows(s.x), rows(s.y), opts),
      await estimateMI(Array.from(s.x), Array.from(s.y), opts),
      await estimateMI(tf.tensor2d(Float32Array.from(s.x), [200, 1]), tf.tensor1d(Float32Array.from(s.y)), opts),
    ];
    for (const r of results.slice(1, 3)) expect(r.estimate).toBe(results[0].estimate);
    // float32 tensors round the inputs; the estimate moves only in the last digits
    expect(results[3].estimate).toBeCloseTo(results[0].estimate, 4);
  });

  it('seeds: independent trainings give per-seed estimates, their mean and std', async () => {
    const s = sample(gauss1, 400);
    const r = await estimateMI(table(s.x, 400, 1), table(s.y, 400, 1), { ...small, steps: 30, evalEvery: 10, seeds: 3 });
    expect(r.perSeed).toHaveLength(3);
    const est = r.perSeed.map((p) => p.estimate);
    const mean = est.reduce((a, b) => a + b) / 3;
    expect(r.estimate).toBeCloseTo(mean, 12);
    expect(r.std).toBeCloseTo(Math.sqrt(est.reduce((a, b) => a + (b - mean) ** 2, 0) / 3), 12);
    expect(new Set(r.perSeed.map((p) => p.seed)).size).toBe(3);
  });

  it('early stopping: stops after `patience` evaluations without a new best, keeping the best', async () => {
    const ind = knownMiTask({ kind: 'independent', dimX: 2, dimY: 2 });
    const s = ind.sample(400, new Rng(4));
    const r = await estimateMI(table(s.x, 400, 2), table(s.y, 400, 2), { ...small, steps: 2000, evalEvery: 10, patience: 2 });
    const p = r.perSeed[0];
    expect(p.stoppedEarly).toBe(true);
    expect(p.steps).toBeLessThan(2000);
    expect(p.steps - p.bestStep).toBe(20);
    expect(r.estimate).toBe(Math.max(...p.curves.test));
  });

  it('select "last" reports the last evaluation', async () => {
    const s = sample(gauss1, 300);
    const r = await estimateMI(table(s.x, 300, 1), table(s.y, 300, 1), { ...small, steps: 30, evalEvery: 10, select: 'last' });
    expect(r.estimate).toBe(r.curves[0].test[2]);
  });

  it('shouldStop stops after the current step and returns what was done', async () => {
    const s = sample(gauss1, 300);
    const r = await estimateMI(table(s.x, 300, 1), table(s.y, 300, 1), { ...small, steps: 1000, seeds: 2, shouldStop: () => true });
    expect(r.stopped).toBe(true);
    expect(r.perSeed).toHaveLength(1);
    expect(r.perSeed[0].steps).toBe(1);
    expect(Number.isFinite(r.estimate)).toBe(true);
  });

  it('leaks no tensors (MINE and η-MINE carry state; InfoNCE evaluates per block)', async () => {
    const s = sample(gauss1, 300);
    await estimateMI(table(s.x, 300, 1), table(s.y, 300, 1), { ...small, steps: 5, evalEvery: 2 });
    const before = tf.memory().numTensors;
    for (const estimator of ['mine', 'eta-mine', 'smile', 'infonce'] as const) {
      await estimateMI(table(s.x, 300, 1), table(s.y, 300, 1), {
        ...small,
        estimator,
        steps: 12,
        evalEvery: 4,
        critic: estimator === 'infonce' ? { kind: 'separable', hidden: [8], embedding: 4 } : small.critic,
      });
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  describe('bad input is one clear error', () => {
    const s = sample(gauss1, 50);
    it.each([
      ['rows differ', () => estimateMI(Array.from(s.x), Array.from(s.y).slice(1)), /x has 50 rows but y has 49; they must be paired row by row/],
      ['NaN', () => estimateMI([[1], [2], [NaN], [4]], [1, 2, 3, 4]), /x: NaN at row 2, column 0 \(0-based\); expected finite numbers/],
      ['ragged rows', () => estimateMI([[1, 2], [3]], [1, 2]), /x: row 1 has 1 values, expected 2 \(as row 0\)/],
      ['too few rows', () => estimateMI([1, 2, 3], [1, 2, 3]), /x and y have 3 rows; estimating MI needs at least 4/],
      ['testFraction', () => estimateMI(Array.from(s.x), Array.from(s.y), { testFraction: 1 }), /testFraction must be in \(0, 1\), got 1/],
      [
        'unknown estimator',
        () => estimateMI(Array.from(s.x), Array.from(s.y), { estimator: 'mien' as never }),
        /estimator\.kind: unknown estimator "mien"; expected one of mine, /,
      ],
      ['steps and epochs', () => estimateMI(Array.from(s.x), Array.from(s.y), { steps: 10, epochs: 2 }), /give steps or epochs, not both/],
    ])('%s', async (_name, call, message) => {
      await expect(call()).rejects.toThrow(message);
    });
  });
});
