import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ADD_SCALED, SUM_OF_SQUARES } from '../../src/backend/gradientSetOps.js';
import { combineWithAdaptiveClip, globalNorm } from '../../src/mi/adaptiveClip.js';
import { Rng } from '../../src/util/rng.js';
import { onCpu } from '../fixtures/onCpu.js';

const norm = (a: number[]) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));

describe('adaptive gradient clipping (MINE appendix)', () => {
  it('rescales a larger MI gradient to the main gradient’s norm and keeps its direction', () => {
    // ‖g_main‖ = 5 (3-4-0 split over two variables), ‖g_MI‖ = 26
    const main = { w: tf.tensor1d([3, 4]), b: tf.tensor1d([0]) };
    const mi = { w: tf.tensor1d([24, 0]), b: tf.tensor1d([10]) };
    tf.tidy(() => {
      const r = combineWithAdaptiveClip(main, mi);
      expect(r.mainNorm.dataSync()[0]).toBeCloseTo(5, 5);
      expect(r.miNorm.dataSync()[0]).toBeCloseTo(26, 5);
      expect(r.scale.dataSync()[0]).toBeCloseTo(5 / 26, 6);
      const clipped = [...tf.sub(r.grads.w, main.w).dataSync(), ...tf.sub(r.grads.b, main.b).dataSync()];
      expect(norm(clipped)).toBeCloseTo(5, 5); // = min(5, 26)
      // same direction as g_MI: clipped = c · g_MI with c > 0
      [24, 0, 10].forEach((v, i) => expect(clipped[i]).toBeCloseTo((v * 5) / 26, 5));
    });
  });
  it('leaves a smaller MI gradient unchanged (scale 1)', () => {
    tf.tidy(() => {
      const r = combineWithAdaptiveClip({ w: tf.tensor1d([3, 4]) }, { w: tf.tensor1d([0.3, 0.4]) });
      expect(r.scale.dataSync()[0]).toBeCloseTo(1, 6);
      expect(Array.from(r.grads.w.dataSync())).toEqual([3.299999952316284, 4.400000095367432]);
    });
  });
  it('with clipping off adds the MI gradient as it is, still reporting both norms', () => {
    tf.tidy(() => {
      const r = combineWithAdaptiveClip({ w: tf.tensor1d([1, 0]) }, { w: tf.tensor1d([0, 10]) }, false);
      expect(Array.from(r.grads.w.dataSync())).toEqual([1, 10]);
      expect(r.miNorm.dataSync()[0]).toBeCloseTo(10, 5);
    });
  });
  it('a zero MI gradient gives the main gradient', () => {
    tf.tidy(() => {
      const r = combineWithAdaptiveClip({ w: tf.tensor1d([1, 2]) }, { w: tf.tensor1d([0, 0]) });
      expect(Array.from(r.grads.w.dataSync())).toEqual([1, 2]);
    });
  });
});

describe('adaptive clipping on the gradient-set kernels (wasm)', () => {
  // a model's gradients: a few variables of different shapes; the MI term reaches all but one
  const shapes = [[40, 256], [256], [256, 256], [256], [256, 1], [1]];
  const values = (seed: number, scale: number) => {
    const r = new Rng(seed);
    return shapes.map((s) => r.fillNormal(new Float32Array(s.reduce((a, b) => a * b, 1)), 0, scale));
  };
  const main = values(1, 0.01),
    mi = values(2, 0.05);
  const combine = (clip: boolean) =>
    tf.tidy(() => {
      const m: tf.NamedTensorMap = {},
        g: tf.NamedTensorMap = {};
      shapes.forEach((s, i) => {
        m[`v${i}`] = tf.tensor(main[i], s);
        if (i !== 3) g[`v${i}`] = tf.tensor(mi[i], s);
      });
      const r = combineWithAdaptiveClip(m, g, clip);
      return {
        norms: [r.mainNorm, r.miNorm, r.scale].map((t) => t.dataSync()[0]),
        grads: Object.keys(m).map((k) => Array.from(r.grads[k].dataSync())),
        keys: Object.keys(r.grads),
      };
    });

  it('one SumOfSquares kernel per norm and one AddScaled for the combination', async () => {
    const p = await tf.profile(() => void combine(true));
    const names = p.kernels.map((k) => k.name);
    expect(names.filter((k) => k === SUM_OF_SQUARES).length).toBe(2);
    expect(names.filter((k) => k === ADD_SCALED).length).toBe(1);
    expect(names).not.toContain('Square');
  });

  for (const clip of [true, false]) {
    it(`clip ${clip}: the norms equal the tf-op composite's (cpu) to float32 rounding, the combined gradients exactly given the scale`, async () => {
      const got = combine(clip),
        ref = await onCpu(() => combine(clip));
      expect(got.keys).toEqual(ref.keys);
      got.norms.forEach((v, k) => expect(Math.abs(v - ref.norms[k])).toBeLessThanOrEqual(1e-6 * Math.abs(ref.norms[k])));
      // main + scale·mi in float32 (product, then sum) with the fused kernel's own scale
      const s = Math.fround(got.norms[2]);
      got.grads.forEach((g, k) => g.forEach((v, i) => expect(v).toBe(k === 3 ? main[k][i] : Math.fround(main[k][i] + Math.fround(s * mi[k][i])))));
      if (!clip) expect(got.norms[2]).toBe(1);
    });
  }

  it('globalNorm is √(Σ g²) over every tensor of the set, accumulated in float64', () => {
    const got = tf.tidy(() => globalNorm(Object.fromEntries(shapes.map((s, i) => [`v${i}`, tf.tensor(mi[i], s)]))).dataSync()[0]);
    const ref = Math.sqrt(mi.reduce((t, a) => t + a.reduce((u, v) => u + v * v, 0), 0));
    expect(Math.abs(got - ref)).toBeLessThanOrEqual(1e-7 * ref);
    expect(tf.tidy(() => globalNorm({}).dataSync()[0])).toBe(0);
  });
});
