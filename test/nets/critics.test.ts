import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BilinearCritic, createCritic } from '../../src/nets/critics.js';
import { Mlp } from '../../src/nets/mlp.js';
import { miTrainStep } from '../../src/mi/miStep.js';
import { createEstimator, parseEstimatorConfig } from '../../src/mi/registry.js';
import { Rng } from '../../src/util/rng.js';

const x = () =>
  tf.tensor2d([
    [1, 2],
    [0, -1],
    [3, 0.5],
  ]);
const y = () =>
  tf.tensor2d([
    [0.5, 1, -1],
    [2, 0, 1],
    [-1, 1, 0],
  ]);

describe('critics', () => {
  for (const kind of ['concat', 'separable', 'bilinear'] as const) {
    it(`${kind}: pairs(x, y) is the diagonal of matrix(x, y)`, () => {
      const c = createCritic(
        kind === 'bilinear' ? { kind } : kind === 'separable' ? { kind, hidden: [8], embedding: 4 } : { kind, hidden: [8] },
        2,
        3,
        new Rng(1),
      );
      if (c instanceof BilinearCritic) c.w.assign(tf.randomNormal([2, 3], 0, 1, 'float32', 2));
      tf.tidy(() => {
        const p = c.pairs(x(), y()).dataSync(),
          m = c.matrix(x(), y()).dataSync();
        for (let i = 0; i < 3; i++) expect(p[i]).toBeCloseTo(m[i * 3 + i], 5);
      });
      c.dispose();
    });
  }
  it('bilinear: matrix = x W yᵀ (float64 reference)', () => {
    const c = new BilinearCritic(2, 3);
    const W = [
      [1, -2, 0.5],
      [0, 3, 1],
    ];
    c.w.assign(tf.tensor2d(W));
    const X = [
        [1, 2],
        [0, -1],
        [3, 0.5],
      ],
      Y = [
        [0.5, 1, -1],
        [2, 0, 1],
        [-1, 1, 0],
      ];
    const m = tf.tidy(() => c.matrix(x(), y()).dataSync());
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let a = 0; a < 2; a++) for (let b = 0; b < 3; b++) s += X[i][a] * W[a][b] * Y[j][b];
        expect(m[i * 3 + j]).toBeCloseTo(s, 5);
      }
    c.dispose();
  });
  it('a wrong input width is an error naming the expected shape', () => {
    const c = createCritic({ kind: 'concat', hidden: [4] }, 2, 3, new Rng(1));
    expect(() => tf.tidy(() => c.pairs(tf.zeros([3, 5]) as tf.Tensor2D, y()))).toThrow('critic: x must have shape [n, 2], got [3, 5]');
    expect(() => tf.tidy(() => c.pairs(x(), tf.zeros([2, 3]) as tf.Tensor2D))).toThrow('critic: x and y must have the same number of rows, got 3 and 2');
    c.dispose();
  });
  it('MLP init is seeded: the same seed gives the same weights', () => {
    const a = new Mlp({ sizes: [3, 4, 1] }, new Rng(5)),
      b = new Mlp({ sizes: [3, 4, 1] }, new Rng(5));
    expect(Array.from(a.weights[0].dataSync())).toEqual(Array.from(b.weights[0].dataSync()));
    a.dispose();
    b.dispose();
  });
  it('bad layer sizes are named', () => {
    expect(() => new Mlp({ sizes: [3, 0, 1] }, new Rng(1), 'generator')).toThrow('generator: layer sizes must be at least two positive integers, got [3,0,1]');
  });
});

describe('training on bad data', () => {
  it('a NaN in a batch is rejected with its field and index before any update', () => {
    const critic = createCritic({ kind: 'concat', hidden: [4] }, 1, 1, new Rng(1));
    const l = { critic, estimator: createEstimator(parseEstimatorConfig('mine')), optimizer: tf.train.adam(1e-3) };
    const bad = { x: new Float32Array([0.1, NaN, 0.3]), y: new Float32Array([1, 2, 3]), n: 3, dx: 1, dy: 1 };
    expect(() => miTrainStep(l, bad, new Rng(0))).toThrow('batch x contains NaN at index 1; expected finite numbers');
    critic.dispose();
  });
});

describe('disposal', () => {
  it('an MLP and a critic leave no tensor behind after dispose()', () => {
    const before = tf.memory().numTensors;
    const m = new Mlp({ sizes: [3, 8, 8, 1] }, new Rng(1));
    const c = createCritic({ kind: 'bilinear' }, 2, 2, new Rng(1));
    m.dispose();
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
