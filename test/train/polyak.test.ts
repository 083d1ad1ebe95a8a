/**
 * Polyak averaging (src/train/polyak.ts): the bias-corrected EMA of the weights, checked against a
 * float64 reference; evaluation with the average leaves the raw weights as they were; the state
 * round-trips bit for bit; nothing leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { PolyakAverage } from '../../src/train/polyak.js';

/** w_t for step t = 1, 2, …: a fixed, non-trivial sequence per element. */
const weightsAt = (t: number) => [Math.sin(t), 2 + Math.cos(3 * t), -1 / t, t * 0.25];

/** s_t = d·s_{t−1} + (1 − d)·w_t, s_0 = 0; w̄_t = s_t / (1 − d^t), all in float64. */
function referenceAverage(decay: number, steps: number): number[] {
  let s = [0, 0, 0, 0];
  for (let t = 1; t <= steps; t++) s = s.map((x, i) => decay * x + (1 - decay) * weightsAt(t)[i]);
  return s.map((x) => x / (1 - Math.pow(decay, steps)));
}

describe('PolyakAverage', () => {
  it('after 5 updates with decay 0.9 equals the float64 bias-corrected EMA of the weights (to float32 precision)', () => {
    const v = tf.variable(tf.tensor2d([0, 0, 0, 0], [2, 2]));
    const avg = new PolyakAverage([v], 0.9);
    for (let t = 1; t <= 5; t++) {
      v.assign(tf.tensor2d(weightsAt(t), [2, 2]));
      avg.update();
    }
    const [a] = avg.averaged();
    const got = Array.from(a.dataSync());
    const want = referenceAverage(0.9, 5);
    for (const [i, x] of got.entries()) expect(Math.abs(x - want[i])).toBeLessThan(1e-6 * Math.max(1, Math.abs(want[i])));
    tf.dispose([a, v]);
    avg.dispose();
  });

  it('with decay 0.999 after 3 updates is the (0.999-weighted) mean of the 3 weights, not the initialisation', () => {
    const v = tf.variable(tf.tensor1d([100, 100, 100, 100]));
    const avg = new PolyakAverage([v], 0.999);
    for (let t = 1; t <= 3; t++) {
      v.assign(tf.tensor1d(weightsAt(t)));
      avg.update();
    }
    const [a] = avg.averaged();
    const want = referenceAverage(0.999, 3);
    for (const [i, x] of Array.from(a.dataSync()).entries()) expect(Math.abs(x - want[i])).toBeLessThan(1e-5);
    tf.dispose([a, v]);
    avg.dispose();
  });

  it('withAveraged evaluates with the average and puts the raw weights back, also when the evaluation throws', () => {
    const v = tf.variable(tf.tensor1d([1, 1, 1, 1]));
    const avg = new PolyakAverage([v], 0.5);
    avg.update(); // average = [1, 1, 1, 1]
    v.assign(tf.tensor1d([3, 3, 3, 3]));
    avg.update(); // s = 0.25·1 + 0.5·3 = 1.75, corrected by 1 − 0.25: 7/3
    const seen = avg.withAveraged(() => Array.from(v.dataSync()));
    for (const x of seen) expect(x).toBeCloseTo(7 / 3, 6);
    expect(Array.from(v.dataSync())).toEqual([3, 3, 3, 3]);
    expect(() =>
      avg.withAveraged(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(Array.from(v.dataSync())).toEqual([3, 3, 3, 3]);
    v.dispose();
    avg.dispose();
  });

  it('getState/setState restores the average and the step count bit for bit', async () => {
    const v = tf.variable(tf.tensor1d([0.1, 0.2, 0.3, 0.4]));
    const a = new PolyakAverage([v], 0.999);
    for (let t = 1; t <= 4; t++) {
      v.assign(tf.tensor1d(weightsAt(t)));
      a.update();
    }
    const saved = await a.getState('avg/model');
    const b = new PolyakAverage([v], 0.999);
    b.setState('avg/model', saved);
    expect(b.steps).toBe(4);
    const [x] = a.averaged(),
      [y] = b.averaged();
    expect(Buffer.from(y.dataSync().buffer)).toEqual(Buffer.from(x.dataSync().buffer));
    expect(() => b.setState('other', saved)).toThrow(/Polyak average \(other\) is missing/);
    tf.dispose([x, y, v]);
    a.dispose();
    b.dispose();
  });

  it('update, averaged-weight evaluation and dispose leave the tensor count as it was', () => {
    const before = tf.memory().numTensors;
    const v = tf.tidy(() => tf.variable(tf.ones([8, 3])));
    const avg = new PolyakAverage([v], 0.999);
    const afterCreate = tf.memory().numTensors;
    for (let t = 0; t < 10; t++) {
      avg.update();
      avg.withAveraged(() => tf.tidy(() => tf.sum(v).dataSync()));
    }
    expect(tf.memory().numTensors).toBe(afterCreate);
    avg.dispose();
    v.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a decay outside (0, 1) and an average before any update', () => {
    const v = tf.variable(tf.ones([2]));
    expect(() => new PolyakAverage([v], 1)).toThrow(/decay must be in \(0, 1\), got 1/);
    const avg = new PolyakAverage([v], 0.9);
    expect(() => avg.averaged()).toThrow(/no update yet/);
    avg.dispose();
    v.dispose();
  });
});
