/**
 * GatherV2 on wasm (src/backend/gatherKernel.ts) against the stock tfjs cpu kernel: random shapes,
 * every axis, batchDims, float32/int32/bool, repeated indices; out-of-range indices are an error
 * naming the index; no leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng.js';

async function onCpu<T>(f: () => T): Promise<T> {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  try {
    return f();
  } finally {
    await tf.setBackend('wasm');
  }
}

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

const gather = (k: Case) => tf.tidy(() => {
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
    const x = tf.ones([3, 2]), bad = tf.tensor1d([0, 3], 'int32');
    const before = ids();
    expect(() => tf.gather(x, bad)).toThrow(/index value 3 is not in \[0, 2\]/);
    expect(ids()).toBe(before);
    tf.dispose([x, bad]);
  });
});
