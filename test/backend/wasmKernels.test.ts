/**
 * The wasm kernel fixes against float64 references computed here: matmuls with every transpose
 * combination and batch broadcasting, fused matmul with bias and relu, matmul gradients, the
 * gradient of tf.gather (UnsortedSegmentSum), and no leaked tensors or buffers.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernelFixes } from '../../src/backend/wasmKernels.js';
import { Rng } from '../../src/util/rng.js';

const rand = (n: number, seed: number) => {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.normal());
};

/** C[b] = op(A[b]) · op(B[b]) in float64, with batch broadcasting of size-1 batches. */
function matmul64(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], tA: boolean, tB: boolean) {
  const [ba, ra, ca] = aShape, [bb, rb, cb] = bShape;
  const m = tA ? ca : ra, k = tA ? ra : ca, n = tB ? rb : cb;
  const batch = Math.max(ba, bb);
  const out = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    const ao = (ba === 1 ? 0 : p) * ra * ca, bo = (bb === 1 ? 0 : p) * rb * cb;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += a[ao + (tA ? q * ca + i : i * ca + q)] * b[bo + (tB ? j * cb + q : q * cb + j)];
        out[p * m * n + i * n + j] = s;
      }
  }
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-5) {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(rel * Math.max(1, scale));
}

beforeAll(() => expect(tf.getBackend()).toBe('wasm'));

describe('wasm matmul with explicit transposes', () => {
  for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it(`batch [3,17,33]·[3,33,9] with transposeA=${tA}, transposeB=${tB} equals the float64 product`, () => {
      const aShape = tA ? [3, 33, 17] : [3, 17, 33], bShape = tB ? [3, 9, 33] : [3, 33, 9];
      const a = rand(3 * 17 * 33, 1), b = rand(3 * 33 * 9, 2);
      const got = tf.tidy(() => tf.matMul(tf.tensor3d(a, aShape as [number, number, number]), tf.tensor3d(b, bShape as [number, number, number]), tA, tB).dataSync());
      expectClose(got, matmul64(a, aShape, b, bShape, tA, tB));
    });
  }
  it('broadcasts a batch of 1 against a batch of 4 with transposeB', () => {
    const a = rand(1 * 5 * 7, 3), b = rand(4 * 6 * 7, 4);
    const got = tf.tidy(() => tf.matMul(tf.tensor3d(a, [1, 5, 7]), tf.tensor3d(b, [4, 6, 7]), false, true).dataSync());
    expectClose(got, matmul64(a, [1, 5, 7], b, [4, 6, 7], false, true));
  });
  it('fused matmul with transposeA, bias and relu equals relu(AᵀB + bias)', () => {
    const a = rand(20 * 12, 5), b = rand(20 * 8, 6), bias = rand(8, 7);
    const got = tf.tidy(() => tf.fused.matMul({ a: tf.tensor2d(a, [20, 12]), b: tf.tensor2d(b, [20, 8]), transposeA: true, bias: tf.tensor1d(bias), activation: 'relu' }).dataSync());
    const ref = matmul64(a, [1, 20, 12], b, [1, 20, 8], true, false).map((v, i) => Math.max(0, v + bias[i % 8]));
    expectClose(got, ref);
  });
  it('matmul gradients w.r.t. both inputs equal Gᵀ-products in float64 (d/dA sum(AB) = 1·Bᵀ)', () => {
    const a = rand(6 * 4, 8), b = rand(4 * 5, 9);
    const [ga, gb] = tf.tidy(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D)))([tf.tensor2d(a, [6, 4]), tf.tensor2d(b, [4, 5])]).map((g) => g.dataSync()));
    const rowSumB = Array.from({ length: 4 }, (_, q) => b.slice(q * 5, q * 5 + 5).reduce((s, v) => s + v, 0));
    const colSumA = Array.from({ length: 4 }, (_, q) => Array.from({ length: 6 }, (_, i) => a[i * 4 + q]).reduce((s, v) => s + v, 0));
    expectClose(ga, Array.from({ length: 24 }, (_, k) => rowSumB[k % 4]));
    expectClose(gb, Array.from({ length: 20 }, (_, k) => colSumA[Math.floor(k / 5)]));
  });
});

describe('UnsortedSegmentSum on wasm (gradient of tf.gather)', () => {
  it('the gradient of sum(w ⊙ gather(x, idx)) scatters w back, adding repeated indices', () => {
    const idx = [2, 0, 2, 3];
    const w = [1, 10, 100, 1000];
    const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.gather(x, tf.tensor1d(idx, 'int32')), tf.tensor1d(w))))(tf.tensor1d([0, 0, 0, 0, 0])).dataSync());
    expect(Array.from(g)).toEqual([10, 0, 101, 1000, 0]);
  });
  it('works on rows of a matrix (the IB’s shuffled z)', () => {
    const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.gather(x, tf.tensor1d([1, 1, 0], 'int32'))))(tf.zeros([2, 3])).dataSync());
    expect(Array.from(g)).toEqual([1, 1, 1, 2, 2, 2]);
  });
});

describe('housekeeping', () => {
  it('leaks neither tensors nor backend buffers over 100 transposed matmuls', () => {
    const a = tf.tensor2d(rand(64, 10), [8, 8]), b = tf.tensor2d(rand(64, 11), [8, 8]);
    tf.tidy(() => void tf.matMul(a, b, true, true));
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = { ...tf.memory(), ids: backend.numDataIds() };
    for (let i = 0; i < 100; i++) tf.tidy(() => void tf.matMul(a, b, true, false).add(tf.fused.matMul({ a, b, transposeB: true })));
    const after = { ...tf.memory(), ids: backend.numDataIds() };
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    // the transposed copies made inside the kernel are freed on the wasm heap too
    expect(after.ids).toBe(before.ids);
    a.dispose();
    b.dispose();
  });
  it('registering twice is harmless', () => {
    registerWasmKernelFixes();
    registerWasmKernelFixes();
    const got = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[1, 0], [0, 1]]), true, false).dataSync());
    expect(Array.from(got)).toEqual([1, 3, 2, 4]);
  });
});
