/**
 * The benchmark workloads (bench/workloads.ts) are real training steps of the toolkit: they leave
 * no tensor behind, and their FLOP counts agree — the count from the kernels a step runs equals the
 * layer-size formula where both describe the same work (mi-gauss20), and is below it where tfjs
 * prunes weight gradients the peer computes (gan25's G update skips D's and T's weight gradients).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { matmulFlops, profileStep } from '../../bench/flops.js';
import { createWorkload } from '../../bench/workloads.js';

describe('benchmark workloads', () => {
  it('matmul FLOPs from shapes: 2·m·k·n with and without transposes and batch dims', () => {
    expect(
      matmulFlops({
        name: 'BatchMatMul',
        inputShapes: [
          [64, 40],
          [40, 256],
        ],
        outputShapes: [[64, 256]],
      }),
    ).toBe(2 * 64 * 40 * 256);
    expect(
      matmulFlops({
        name: '_FusedMatMul',
        inputShapes: [
          [40, 64],
          [256, 40],
        ],
        outputShapes: [[64, 256]],
      }),
    ).toBe(2 * 64 * 40 * 256);
    expect(
      matmulFlops({
        name: 'BatchMatMul',
        inputShapes: [
          [3, 5, 7],
          [3, 7, 2],
        ],
        outputShapes: [[3, 5, 2]],
      }),
    ).toBe(2 * 3 * 5 * 7 * 2);
    expect(matmulFlops({ name: 'Add', inputShapes: [[5], [5]], outputShapes: [[5]] })).toBe(0);
  });

  it('mi-gauss20: FLOPs counted from the step’s kernels equal the layer-size formula (2·64·(2·fwd + 2·bwd) of 40-256-256-1 = 55.8 MFLOP)', async () => {
    const w = createWorkload('mi-gauss20');
    w.step();
    const { flops } = await profileStep(w.step);
    expect(flops).toBe(w.nominalFlops);
    // forward 40·256 + 256·256 + 256 = 76,032 MACs; backward 2× that less the input gradient 40·256
    expect(w.nominalFlops).toBe(2 * 64 * (2 * 76032 + 2 * (2 * 76032 - 40 * 256)));
    w.dispose();
  });

  it('gan25: counted FLOPs are below the peer’s (tfjs skips weight gradients outside the update’s variable list) by under 15%', async () => {
    const w = createWorkload('gan25');
    w.step();
    const { flops } = await profileStep(w.step);
    expect(flops).toBeLessThan(w.nominalFlops);
    expect(flops).toBeGreaterThan(0.85 * w.nominalFlops);
    w.dispose();
  });

  it('mi-matrix64: counted FLOPs are the peer’s with the first layer on 2·64 samples instead of 4,096 pairs', async () => {
    const w = createWorkload('mi-matrix64');
    w.step();
    const { flops } = await profileStep(w.step);
    const [pairs, n, d, h] = [4096, 64, 40, 256];
    // first layer forward and weight gradient on n rows of x and of y (n·d MACs each) instead of
    // pairs·d; the pair sums and bias gradients run in the fused kernels (no ones-vector matmuls),
    // and no input gradient of the data is computed
    const firstLayer = 2 * 2 * (pairs - n) * d * h;
    expect(flops).toBe(w.nominalFlops - firstLayer);
    w.dispose();
  });

  for (const name of ['gan25', 'mi-gauss20', 'mi-matrix64'] as const) {
    it(`${name}: tf.memory().numTensors is flat over steps after a burn-in step`, () => {
      const w = createWorkload(name);
      w.step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) w.step();
      expect(tf.memory().numTensors).toBe(before);
      w.dispose();
    });
  }
});
