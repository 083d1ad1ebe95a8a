/**
 * The engine's saved-tensor clones on wasm (src/backend/sharedSaves.ts): no Identity kernel call
 * per saved tensor, gradients equal to the cpu backend's, second-order gradients unchanged (the
 * engine's own clones run there), and no leaked tensors or buffers.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { installSharedSaves, sharedSavesInstalled, uninstallSharedSaves } from '../../src/backend/sharedSaves.js';
import { Rng } from '../../src/util/rng.js';
import { onCpu } from '../fixtures/onCpu.js';

const rand = (n: number, seed: number) => {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.normal());
};

/** Gradients of a small MINE-like tail: mean(a·b) − logSumExp(a − b) with respect to a and b. */
const tailGrads = () =>
  tf.tidy(() => {
    const a = tf.tensor1d(rand(32, 1)),
      b = tf.tensor1d(rand(32, 2));
    return tf
      .grads((x: tf.Tensor, y: tf.Tensor) => tf.sub(tf.mean(tf.mul(x, y)), tf.logSumExp(tf.sub(x, y))))([a, b])
      .map((g) => g.dataSync());
  });

describe('shared saved tensors on wasm', () => {
  afterAll(() => installSharedSaves());

  it('are installed with the wasm kernel fixes', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(sharedSavesInstalled()).toBe(true);
  });

  it("sum(x·y) on the tape runs no Identity kernel for its three saved tensors (the engine's clones ran one each)", async () => {
    const a = tf.tensor1d([1, 2, 3]),
      b = tf.tensor1d([4, 5, 6]);
    const identities = async () =>
      (await tf.profile(() => tf.tidy(() => void tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(x, y)))([a, b])))).kernels.filter(
        (k) => k.name === 'Identity',
      ).length;
    const shared = await identities();
    uninstallSharedSaves();
    const stock = await identities();
    installSharedSaves();
    expect(shared).toBe(0);
    expect(stock).toBe(3); // Multiply saves x and y, Sum saves its input
    tf.dispose([a, b]);
  });

  it("gradients through a reduction tail equal the cpu backend's", async () => {
    const got = tailGrads();
    const ref = await onCpu(tailGrads);
    got.forEach((g, i) => Array.from(g).forEach((v, j) => expect(v).toBeCloseTo(ref[i][j], 6)));
  });

  it('second-order gradients are unchanged: d²/dx² of x³ summed is 6x', () => {
    const g2 = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => tf.sum(tf.grad((y: tf.Tensor) => tf.sum(tf.pow(y, 3)))(x)))(tf.tensor1d([1, -2, 0.5]))
        .dataSync(),
    );
    expect(Array.from(g2).map((v) => +v.toFixed(5))).toEqual([6, -12, 3]);
  });

  it("leave no tensor or wasm buffer behind, after the saved tensors' gradients are done", () => {
    const ids = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    tailGrads();
    const before = { ...tf.memory(), ids: ids() };
    for (let i = 0; i < 50; i++) tailGrads();
    expect({ ...tf.memory(), ids: ids() }).toEqual(before);
  });
});
