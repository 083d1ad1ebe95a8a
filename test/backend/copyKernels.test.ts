/**
 * The copy kernels on wasm (src/backend/copyKernels.ts) against the stock tfjs cpu kernels:
 * GatherV2 on random shapes, every axis, batchDims, float32/int32/bool, repeated indices (an
 * out-of-range index is an error naming it); Concat on random shapes, axes, input counts, empty
 * inputs; gradients through both.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng.js';
import { onCpu } from '../fixtures/onCpu.js';

type Case = { shape: number[]; dtype: 'float32' | 'int32' | 'bool'; values: number[]; idxShape: number[]; idx: number[]; axis: number; batchDims: number };

function randomCase(r: Rng, c: number): Case {
  const rank = 1 + r.int(4);
  const shape = Array.from({ length: rank }, () => 1 + r.int(6));
  const batchDims = rank > 1 && c % 3 === 0 ? 1 : 0;
  const axis = batchDims + r.int(rank - batchDims);
  const idxShape = batchDims ? [shape[0], 1 + r.int(5)] : c % 2 ? [1 + r.int(7)] : [2, 1 + r.int(4)];
  const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
  const dtype = (['float32', 'int32', 'bool'] as const)[c % 3];
  const values = Array.from({ length: size(shape) }, () => (dtype === 'bool' ? r.int(2) : dtype === 'int32' ? r.int(100) - 50 : r.normal()));
  const idx = Array.from({ length: size(idxShape) }, () => r.int(shape[axis]));
  return { shape, dtype, values, idxShape, idx, axis, batchDims };
}

const gather = (k: Case) =>
  tf.tidy(() => {
    const y = tf.gather(tf.tensor(k.values, k.shape, k.dtype), tf.tensor(k.idx, k.idxShape, 'int32'), k.axis, k.batchDims);
    return { shape: y.shape, values: Array.from(y.dataSync()) };
  });

describe('GatherV2 on wasm', () => {
  it('equals the cpu kernel on 60 random cases (ranks 1–4, every axis, batchDims 0 and 1, float32/int32/bool, repeated indices)', async () => {
    const r = new Rng(17);
    const cases = Array.from({ length: 60 }, (_, c) => randomCase(r, c));
    const got = cases.map(gather);
    const ref = await onCpu(() => cases.map(gather));
    got.forEach((g, i) => expect(g).toEqual(ref[i]));
  });

  it('the marginal shuffle of an MI step (64 rows of 20) and a wide row gather (slices of 300) equal the cpu kernel', async () => {
    const r = new Rng(3);
    const perm = Array.from({ length: 64 }, (_, i) => (i * 37) % 64);
    const cases: Case[] = [
      { shape: [64, 20], dtype: 'float32', values: Array.from({ length: 1280 }, () => r.normal()), idxShape: [64], idx: perm, axis: 0, batchDims: 0 },
      { shape: [10, 300], dtype: 'float32', values: Array.from({ length: 3000 }, () => r.normal()), idxShape: [4], idx: [9, 0, 9, 3], axis: 0, batchDims: 0 },
    ];
    const got = cases.map(gather);
    expect(got).toEqual(await onCpu(() => cases.map(gather)));
  });

  it('an index outside the axis is an error naming it, and leaves no buffer behind', () => {
    const ids = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const x = tf.ones([3, 2]),
      bad = tf.tensor1d([0, 3], 'int32');
    const before = ids();
    expect(() => tf.gather(x, bad)).toThrow(/index value 3 is not in \[0, 2\]/);
    expect(ids()).toBe(before);
    tf.dispose([x, bad]);
  });
});

type ConcatCase = { shapes: number[][]; dtype: 'float32' | 'int32' | 'bool'; values: number[][]; axis: number };

function randomConcat(r: Rng, c: number): ConcatCase {
  const rank = 1 + r.int(3);
  const base = Array.from({ length: rank }, () => 1 + r.int(5));
  const axis = r.int(rank);
  const count = 2 + r.int(3);
  const shapes = Array.from({ length: count }, (_, i) => base.map((d, k) => (k === axis ? (c % 5 === 0 && i === 1 ? 0 : 1 + r.int(c % 4 === 0 ? 90 : 6)) : d)));
  const dtype = (['float32', 'int32', 'bool'] as const)[c % 3];
  const values = shapes.map((s) =>
    Array.from({ length: s.reduce((p, d) => p * d, 1) }, () => (dtype === 'bool' ? r.int(2) : dtype === 'int32' ? r.int(100) : r.normal())),
  );
  return { shapes, dtype, values, axis };
}

const concat = (k: ConcatCase) =>
  tf.tidy(() => {
    const y = tf.concat(
      k.values.map((v, i) => tf.tensor(v, k.shapes[i], k.dtype)),
      k.axis,
    );
    return { shape: y.shape, values: Array.from(y.dataSync()) };
  });

describe('Concat on wasm', () => {
  it('equals the cpu kernel on 60 random cases (ranks 1–3, every axis, 2–4 inputs, rows of 1–90, empty inputs, float32/int32/bool)', async () => {
    const r = new Rng(23);
    const cases = Array.from({ length: 60 }, (_, c) => randomConcat(r, c));
    const got = cases.map(concat);
    const ref = await onCpu(() => cases.map(concat));
    got.forEach((g, i) => expect(g).toEqual(ref[i]));
  });

  it("gradients through concat and gather (a concat critic's input with shuffled rows) equal the cpu backend's", async () => {
    const r = new Rng(5);
    const x = Array.from({ length: 8 * 3 }, () => r.normal()),
      y = Array.from({ length: 8 * 2 }, () => r.normal()),
      w = Array.from({ length: 8 * 5 }, () => r.normal());
    const perm = [3, 1, 7, 0, 2, 6, 5, 4];
    const grads = () =>
      tf.tidy(() =>
        tf
          .grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.concat([a, tf.gather(b, tf.tensor1d(perm, 'int32'))], 1), tf.tensor2d(w, [8, 5]))))([
            tf.tensor2d(x, [8, 3]),
            tf.tensor2d(y, [8, 2]),
          ])
          .map((g) => Array.from(g.dataSync())),
      );
    expect(grads()).toEqual(await onCpu(grads));
  });
});
