/**
 * The gradient-set kernels of src/backend/gradientSetOps.ts on wasm (native and portable) against
 * the tf composites on the stock cpu kernels: the squared global norm (float64 sum, so within
 * float32 rounding of the cpu's float32 sums) and a_i + s·b_i (bitwise: same float32 operations).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { ADD_SCALED, addScaled, SUM_OF_SQUARES, sumOfSquares } from '../../src/backend/gradientSetOps.js';
import { loadNativeBlas } from '../../src/backend/nativeBlas.js';
import { registerWasmKernelFixes } from '../../src/backend/wasmKernels.js';
import { Rng } from '../../src/util/rng.js';
import { onCpu } from '../fixtures/onCpu.js';

const native = loadNativeBlas();
const PATHS = native.blas ? (['native', 'portable'] as const) : (['portable'] as const);
const use = (path: 'native' | 'portable') => registerWasmKernelFixes(path === 'native' ? native.blas : null);

/** A model's worth of gradient shapes (GAN generator 2-256-256-2) with random entries. */
function gradientSet(seed: number): { shape: number[]; values: Float32Array }[] {
  const r = new Rng(seed);
  return [[2, 256], [256], [256, 256], [256], [256, 2], [2]].map((shape) => ({
    shape,
    values: Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => r.normal() * 0.01),
  }));
}

const run = (a: ReturnType<typeof gradientSet>, b: ReturnType<typeof gradientSet>, s: number, composite: boolean) =>
  tf.tidy(() => {
    const ta = a.map((g) => tf.tensor(g.values, g.shape)),
      tb = b.map((g) => tf.tensor(g.values, g.shape));
    const scale = tf.scalar(s);
    const norm = composite ? tf.addN(ta.map((t) => tf.sum(tf.square(t)))) : sumOfSquares(ta);
    const sum = composite ? ta.map((t, i) => tf.add(t, tf.mul(tb[i], scale))) : addScaled(ta, tb, scale);
    return { norm: norm.dataSync()[0], sum: sum.map((t) => Array.from(t.dataSync())) };
  });

describe('gradient-set kernels on wasm', () => {
  afterAll(() => use(PATHS[0]));
  for (const path of PATHS) {
    it(`${path}: the squared norm is the cpu composite's to float32 rounding, a + s·b is bitwise the cpu's`, async () => {
      use(path);
      const a = gradientSet(1),
        b = gradientSet(2);
      for (const s of [1, 0.37, -2.5e-3]) {
        const got = run(a, b, s, false);
        const ref = await onCpu(() => run(a, b, s, true));
        expect(Math.abs(got.norm - ref.norm)).toBeLessThanOrEqual(1e-6 * ref.norm);
        expect(got.sum).toEqual(ref.sum);
      }
    });

    it(`${path}: one kernel call each for six tensors (tfjs composites: 14 and 12), and nothing left behind`, async () => {
      use(path);
      const a = gradientSet(3),
        b = gradientSet(4);
      const p = await tf.profile(() => void run(a, b, 0.5, false));
      const names = p.kernels.map((k) => k.name).filter((k) => k.startsWith('Infobound'));
      expect(names).toEqual([SUM_OF_SQUARES, ADD_SCALED]);
      run(a, b, 0.5, false);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) run(a, b, 0.5, false);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('under a gradient tape the composites run (the kernels have no gradient): d/dx Σx² = 2x', () => {
    const g = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => sumOfSquares([x]))(tf.tensor1d([1, -3]))
        .dataSync(),
    );
    expect(Array.from(g)).toEqual([2, -6]);
  });

  it('an empty set has norm 0 and no sums; mismatched pairs are an error naming both shapes', () => {
    expect(tf.tidy(() => sumOfSquares([]).dataSync()[0])).toBe(0);
    expect(addScaled([], [], tf.scalar(1))).toEqual([]);
    expect(() => tf.tidy(() => addScaled([tf.ones([2, 3])], [tf.ones([3, 2])], tf.scalar(1)))).toThrow(/\[2,3\].*\[3,2\]/);
  });
});
