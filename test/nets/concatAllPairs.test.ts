/**
 * The concat critic's all-pairs path (ConcatCritic.matrix) computes the first layer once per sample
 * and broadcasts it, with a hand-written backward pass for ReLU MLPs. It must equal the reference
 * path that tiles the concatenated pairs through the whole MLP (matrixTiled), in value and in the
 * gradient of every variable and input, up to float32 rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ConcatCritic } from '../../src/nets/critics.js';
import type { Activation } from '../../src/nets/mlp.js';
import { Rng } from '../../src/util/rng.js';

const [n, m, dx, dy] = [7, 5, 4, 3];

/** Largest |a − b| relative to max(1, max |b|). */
function relErr(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number {
  let worst = 0,
    scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst / scale;
}

function compare(hidden: number[], activation: Activation) {
  const critic = new ConcatCritic(dx, dy, hidden, new Rng(3), activation);
  const x = tf.randomNormal([n, dx], 0, 1, 'float32', 11) as tf.Tensor2D;
  const y = tf.randomNormal([m, dy], 0, 1, 'float32', 12) as tf.Tensor2D;
  // a loss that weights every score differently, so every pair's gradient path is exercised
  const r = tf.randomNormal([n, m], 0, 1, 'float32', 13);
  const grads = (path: 'matrix' | 'matrixTiled') =>
    tf.grads((xx: tf.Tensor, yy: tf.Tensor, ...vars: tf.Tensor[]) => {
      void vars;
      return tf.sum(tf.mul(critic[path](xx as tf.Tensor2D, yy as tf.Tensor2D), r));
    })([x, y, ...critic.variables]);
  const fast = tf.tidy(() => critic.matrix(x, y).dataSync());
  const ref = tf.tidy(() => critic.matrixTiled(x, y).dataSync());
  const gFast = grads('matrix'),
    gRef = grads('matrixTiled');
  const out = {
    value: relErr(fast, ref),
    grads: gFast.map((g, i) => relErr(g.dataSync(), gRef[i].dataSync())),
    shapes: gFast.map((g, i) => [g.shape, gRef[i].shape]),
  };
  tf.dispose([x, y, r, ...gFast, ...gRef]);
  critic.dispose();
  return out;
}

describe('ConcatCritic.matrix: first layer per sample, broadcast over pairs', () => {
  it('ReLU MLP (hand-written backward): scores and the gradients of x, y and all 6 variables equal the tiled reference to 1e-5', () => {
    const c = compare([16, 8], 'relu');
    expect(c.value).toBeLessThan(1e-5);
    expect(c.grads).toHaveLength(2 + 6);
    for (const [a, b] of c.shapes) expect(a).toEqual(b);
    for (const e of c.grads) expect(e).toBeLessThan(1e-5);
  });

  it('tanh MLP (autodiff of the broadcast path): scores and gradients equal the tiled reference to 1e-5', () => {
    const c = compare([16], 'tanh');
    expect(c.value).toBeLessThan(1e-5);
    for (const e of c.grads) expect(e).toBeLessThan(1e-5);
  });

  it('no hidden layer (a linear critic): scores and gradients equal the tiled reference', () => {
    const c = compare([], 'relu');
    expect(c.value).toBeLessThan(1e-5);
    for (const e of c.grads) expect(e).toBeLessThan(1e-5);
  });

  it('a gradient step through the all-pairs path leaves no tensor behind', () => {
    const critic = new ConcatCritic(dx, dy, [16, 8], new Rng(3));
    const x = tf.randomNormal([n, dx], 0, 1, 'float32', 1) as tf.Tensor2D,
      y = tf.randomNormal([n, dy], 0, 1, 'float32', 2) as tf.Tensor2D;
    const opt = tf.train.adam(1e-3);
    const step = () => opt.minimize(() => tf.mean(critic.matrix(x, y)) as tf.Scalar, false, critic.variables);
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    opt.dispose();
    critic.dispose();
  });
});

describe('ConcatCritic features (the last hidden layer, convex η-MINE’s Φ)', () => {
  it('T = Φ·w_last + b_last for aligned pairs, and featuresAllPairs row i·m + j is Φ(x_i, y_j)', () => {
    const critic = new ConcatCritic(dx, dy, [16, 8], new Rng(5));
    tf.tidy(() => {
      const x = tf.randomNormal([n, dx], 0, 1, 'float32', 21) as tf.Tensor2D,
        y = tf.randomNormal([n, dy], 0, 1, 'float32', 22) as tf.Tensor2D;
      const net = critic.net;
      const phi = critic.features(x, y);
      expect(phi.shape).toEqual([n, 8]);
      const t = tf.add(tf.matMul(phi, net.weights[2]), net.biases[2]).reshape([n]);
      expect(relErr(t.dataSync(), critic.pairs(x, y).dataSync())).toBeLessThan(1e-6);
      const all = critic.featuresAllPairs(x, y).dataSync();
      const rows = tf.concat([x.slice([2, 0], [1, dx]), y.slice([4, 0], [1, dy])], 1);
      const single = net.weights
        .slice(0, 2)
        .reduce((h, w, k) => tf.relu(tf.add(tf.matMul(h, w), net.biases[k])) as tf.Tensor2D, rows as tf.Tensor2D)
        .dataSync();
      expect(relErr(all.slice((2 * n + 4) * 8, (2 * n + 5) * 8), single)).toBeLessThan(1e-6);
    });
    critic.dispose();
  });
});

describe('critic init "keras" (the reference code of SMILE and ReMINE)', () => {
  it('weights are N(0, 0.05²) (std of 10,240 draws within 3% of 0.05, mean within 0.002) and biases are 0', () => {
    const critic = new ConcatCritic(20, 20, [256], new Rng(7), 'relu', 'keras');
    const w = critic.net.weights[0].dataSync();
    let s = 0,
      s2 = 0;
    for (const v of w) (s += v), (s2 += v * v);
    const mean = s / w.length,
      std = Math.sqrt(s2 / w.length - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(Math.abs(std / 0.05 - 1)).toBeLessThan(0.03);
    for (const b of critic.net.biases) expect(Array.from(b.dataSync()).every((v) => v === 0)).toBe(true);
    critic.dispose();
  });
});
