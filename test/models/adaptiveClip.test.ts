import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { combineWithAdaptiveClip } from '../../src/models/adaptiveClip.js';

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
