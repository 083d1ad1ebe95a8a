/**
 * The fused dense-layer stack (src/backend/denseStack.ts) on the wasm backend, native (OpenBLAS
 * addon) and portable (wasm kernels), against the same network computed layer by layer with the
 * stock tfjs cpu kernels: outputs and gradients on random shapes and activations, only the
 * gradients backpropagation asks for, shared weights, the fallbacks, no leaks, and a short
 * training run whose loss curve matches the per-layer path.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DENSE_BACKWARD, DENSE_FORWARD, denseStack, type DenseActivation } from '../../src/backend/denseStack.js';
import { loadNativeBlas } from '../../src/backend/nativeBlas.js';
import { registerWasmKernelFixes, wasmMatMulKernels } from '../../src/backend/wasmKernels.js';
import { Mlp } from '../../src/nets/mlp.js';
import { Rng } from '../../src/util/rng.js';
import { onCpu } from '../fixtures/onCpu.js';

const native = loadNativeBlas();
if (!native.blas) console.warn(`native dense stack not tested: ${native.reason}`);
const PATHS = native.blas ? (['native', 'portable'] as const) : (['portable'] as const);
const use = (path: 'native' | 'portable') => registerWasmKernelFixes(path === 'native' ? native.blas : null);

const rand = (len: number, r: Rng, scale = 1) => Float32Array.from({ length: len }, () => scale * r.normal());

interface Net {
  n: number;
  sizes: number[];
  x: Float32Array;
  w: Float32Array[];
  b: (Float32Array | null)[];
  act: DenseActivation;
  outAct: DenseActivation;
  /** the loss is Σ probe ⊙ y, so dL/dy = probe. */
  probe: Float32Array;
}

function makeNet(seed: number, n: number, sizes: number[], act: DenseActivation, outAct: DenseActivation, bias = true): Net {
  const r = new Rng(seed);
  const w = sizes.slice(1).map((out, i) => rand(sizes[i] * out, r, 1 / Math.sqrt(sizes[i])));
  const b = sizes.slice(1).map((out) => (bias ? rand(out, r, 0.3) : null));
  return { n, sizes, x: rand(n * sizes[0], r), w, b, act, outAct, probe: rand(n * sizes[sizes.length - 1], r) };
}

const ALPHA = 0.2;
function activate(h: tf.Tensor, a: DenseActivation): tf.Tensor {
  return a === 'relu' ? tf.relu(h) : a === 'leakyRelu' ? tf.leakyRelu(h, ALPHA) : h;
}

/** The network one layer at a time with stock tfjs ops (the reference, run on the cpu backend). */
function perLayer(net: Net, x: tf.Tensor, w: tf.Tensor[], b: (tf.Tensor | null)[]): tf.Tensor {
  let h = x;
  w.forEach((wi, i) => {
    const bi = b[i];
    const z = bi ? tf.add(tf.matMul(h, wi), bi) : tf.matMul(h, wi);
    h = activate(z, i === w.length - 1 ? net.outAct : net.act);
  });
  return h;
}

/** y and the gradients of Σ probe ⊙ y with respect to x, every W and every b, as arrays. */
function evaluate(net: Net, fused: boolean): { y: Float32Array; grads: Float32Array[] } {
  return tf.tidy(() => {
    const x = tf.tensor2d(net.x, [net.n, net.sizes[0]]);
    const w = net.w.map((wi, i) => tf.tensor2d(wi, [net.sizes[i], net.sizes[i + 1]]));
    const b = net.b.map((bi) => (bi ? tf.tensor1d(bi) : null));
    const stack = (xs: tf.Tensor, ws: tf.Tensor[], bs: (tf.Tensor | null)[]) => {
      if (!fused) return perLayer(net, xs, ws, bs);
      const y = denseStack(xs as tf.Tensor2D, ws as tf.Tensor2D[], bs as (tf.Tensor1D | null)[], net.act, net.outAct, ALPHA);
      if (!y) throw new Error('dense stack declined');
      return y;
    };
    const y = stack(x, w, b).dataSync() as Float32Array;
    const probe = tf.tensor2d(net.probe, [net.n, net.sizes[net.sizes.length - 1]]);
    const withBias = b.filter((t): t is tf.Tensor1D => t !== null);
    const f = (...args: tf.Tensor[]) => {
      const ws = args.slice(1, 1 + w.length);
      let k = 1 + w.length;
      const bs = b.map((t) => (t ? args[k++] : null));
      return tf.sum(tf.mul(stack(args[0], ws, bs), probe)) as tf.Scalar;
    };
    const grads = tf
      .grads(f)([x, ...w, ...withBias])
      .map((g) => g.dataSync() as Float32Array);
    return { y, grads };
  });
}

/** |actual − expected| ≤ rel · max(1, max|expected|) elementwise. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-5) {
  expect(actual.length).toBe(expected.length);
  let scale = 1,
    worst = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThanOrEqual(rel * scale);
}

const backendIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

describe('fused dense layer stack on wasm', () => {
  beforeAll(() => expect(tf.getBackend()).toBe('wasm'));
  afterAll(() => use(PATHS[0]));

  for (const path of PATHS) {
    describe(`${path} kernels`, () => {
      beforeAll(() => {
        use(path);
        expect(wasmMatMulKernels()).toBe(path === 'native' ? 'openblas' : 'portable');
      });

      it('outputs and gradients (x, every W and b) equal the per-layer network on the cpu kernels, over random shapes and activations', async () => {
        const r = new Rng(path === 'native' ? 11 : 12);
        const acts: DenseActivation[] = ['relu', 'leakyRelu', 'linear'];
        for (let c = 0; c < 9; c++) {
          const depth = 1 + (c % 4);
          const sizes = Array.from({ length: depth + 1 }, () => 1 + r.int(c < 6 ? 40 : 140));
          const net = makeNet(100 + c, 1 + r.int(70), sizes, acts[c % 3], acts[(c + 1 + Math.floor(c / 3)) % 3], c !== 4);
          const got = evaluate(net, true);
          const ref = await onCpu(() => evaluate(net, false));
          expectClose(got.y, ref.y);
          expect(got.grads.length).toBe(ref.grads.length);
          got.grads.forEach((g, i) => expectClose(g, ref.grads[i], 1e-4));
        }
      });

      it('the critic and GAN shapes of the benchmarks (40-256-256-1 at batch 64, 2-256-256-2 at 256) match the cpu kernels', async () => {
        for (const [seed, n, sizes] of [
          [1, 64, [40, 256, 256, 1]],
          [2, 256, [2, 256, 256, 2]],
          [3, 100, [784, 128, 64]],
        ] as const) {
          const net = makeNet(seed, n, [...sizes], 'relu', 'linear');
          const got = evaluate(net, true);
          const ref = await onCpu(() => evaluate(net, false));
          expectClose(got.y, ref.y);
          got.grads.forEach((g, i) => expectClose(g, ref.grads[i], 1e-4));
        }
      });

      it('computes only the gradients asked for: the input gradient alone (a GAN generator step through D) is one output', async () => {
        const net = makeNet(5, 16, [3, 8, 8, 1], 'relu', 'linear');
        const d = new Mlp({ sizes: net.sizes }, new Rng(5), 'd');
        const run = () =>
          tf.tidy(() => {
            const x = tf.variable(tf.tensor2d(net.x, [net.n, 3]));
            const g = tf.variableGrads(() => tf.sum(d.apply(x)) as tf.Scalar, [x]);
            const out = g.grads[x.name].dataSync();
            x.dispose();
            return out;
          });
        const profile = await tf.profile(() => void run());
        const backward = profile.kernels.filter((k) => k.name === DENSE_BACKWARD);
        expect(backward.length).toBe(1);
        expect(backward[0].outputShapes).toEqual([[16, 3]]);
        const lastOnly = await tf.profile(() =>
          tf.tidy(() => void tf.variableGrads(() => tf.sum(d.apply(tf.tensor2d(net.x, [net.n, 3]))) as tf.Scalar, [d.weights[2], d.biases[2]])),
        );
        expect(lastOnly.kernels.filter((k) => k.name === DENSE_BACKWARD)[0].outputShapes).toEqual([[8, 1], [1]]);
        d.dispose();
      });

      it('two passes through the same weights (a critic on joint and marginal pairs) accumulate their gradients as the per-layer path does', async () => {
        const net = makeNet(7, 12, [6, 10, 1], 'relu', 'linear');
        const grads = (fused: boolean) =>
          tf.tidy(() => {
            const w = net.w.map((wi, i) => tf.variable(tf.tensor2d(wi, [net.sizes[i], net.sizes[i + 1]])));
            const b = net.b.map((bi) => tf.variable(tf.tensor1d(bi as Float32Array)));
            const x1 = tf.tensor2d(net.x, [12, 6]),
              x2 = tf.reverse(x1, 0) as tf.Tensor2D;
            const pass = (x: tf.Tensor2D) => (fused ? (denseStack(x, w, b, 'relu', 'linear') as tf.Tensor) : perLayer(net, x, w, b));
            const g = tf.variableGrads(() => tf.sub(tf.mean(pass(x1)), tf.logSumExp(pass(x2))) as tf.Scalar, [...w, ...b]);
            const out = [...w, ...b].map((v) => g.grads[v.name].dataSync() as Float32Array);
            tf.dispose([...w, ...b]);
            return out;
          });
        const got = grads(true);
        const ref = await onCpu(() => grads(false));
        got.forEach((g, i) => expectClose(g, ref[i], 1e-5));
      });

      it('leaks neither tensors nor wasm buffers, with and without a gradient tape', () => {
        const mlp = new Mlp({ sizes: [5, 16, 16, 2] }, new Rng(9), 'm');
        const x = tf.tensor2d(rand(30 * 5, new Rng(10)), [30, 5]);
        const round = () =>
          tf.tidy(() => {
            mlp.apply(x);
            tf.variableGrads(() => tf.sum(mlp.apply(x)) as tf.Scalar, mlp.variables);
            tf.variableGrads(() => tf.sum(mlp.apply(x)) as tf.Scalar, [mlp.weights[2]]);
          });
        round();
        const before = { ...tf.memory(), ids: backendIds() };
        for (let i = 0; i < 30; i++) round();
        expect({ ...tf.memory(), ids: backendIds() }).toEqual(before);
        mlp.dispose();
        x.dispose();
      });
    });
  }

  it('Mlp.apply runs the fused kernels for relu, leakyRelu and linear, and the per-layer ops for others (tanh)', async () => {
    use(PATHS[0]);
    const x = tf.ones([4, 3]) as tf.Tensor2D;
    const names = async (activation: 'relu' | 'leakyRelu' | 'tanh') => {
      const m = new Mlp({ sizes: [3, 5, 2], activation }, new Rng(1), 'm');
      const p = await tf.profile(() => tf.tidy(() => void m.apply(x)));
      m.dispose();
      return p.kernels.map((k) => k.name);
    };
    expect(await names('relu')).toEqual([DENSE_FORWARD]);
    expect(await names('leakyRelu')).toEqual([DENSE_FORWARD]);
    expect(await names('tanh')).not.toContain(DENSE_FORWARD);
    x.dispose();
  });

  it('a second-order gradient (the gradient of a squared input gradient) falls back to the per-layer ops and equals the cpu backend', async () => {
    use(PATHS[0]);
    const net = makeNet(21, 6, [3, 7, 1], 'relu', 'linear');
    const run = () =>
      tf.tidy(() => {
        const m = new Mlp({ sizes: net.sizes }, new Rng(21), 'm');
        const x = tf.tensor2d(net.x, [6, 3]);
        const inner = (xx: tf.Tensor) => tf.grad((x2: tf.Tensor) => tf.sum(tf.square(m.apply(x2 as tf.Tensor2D))))(xx);
        const g1 = inner(x).dataSync();
        const g2 = tf
          .grad((xx: tf.Tensor) => tf.sum(tf.square(inner(xx))))(x)
          .dataSync();
        m.dispose();
        return [g1, g2];
      });
    const got = run();
    const ref = await onCpu(run);
    expect(Math.max(...Array.from(ref[1]).map(Math.abs))).toBeGreaterThan(0); // a real second-order term
    got.forEach((g, i) => expectClose(g, ref[i], 1e-5));
  });

  it('declines (null) off wasm, for activations it lacks, and for empty batches', async () => {
    use(PATHS[0]);
    const w = [tf.ones([3, 4]) as tf.Tensor2D],
      b = [tf.zeros([4]) as tf.Tensor1D];
    expect(denseStack(tf.ones([2, 3]) as tf.Tensor2D, w, b, 'tanh', 'linear')).toBeNull();
    expect(denseStack(tf.ones([0, 3]) as tf.Tensor2D, w, b, 'relu', 'linear')).toBeNull();
    const onCpuResult = await onCpu(() => denseStack(tf.ones([2, 3]) as tf.Tensor2D, [tf.ones([3, 4]) as tf.Tensor2D], [null], 'relu', 'linear'));
    expect(onCpuResult).toBeNull();
    tf.dispose([...w, ...b]);
  });

  it('20 Adam steps of a 2-64-64-1 regression give the loss curve of the per-layer path on the cpu backend, on every kernel path', async () => {
    const train = () => {
      const r = new Rng(3);
      const x = tf.tensor2d(rand(128 * 2, r), [128, 2]);
      const y = tf.tidy(() => tf.sin(tf.sum(x, 1, true)));
      const m = new Mlp({ sizes: [2, 64, 64, 1] }, new Rng(4), 'reg');
      const opt = tf.train.adam(1e-2);
      const losses: number[] = [];
      for (let i = 0; i < 20; i++)
        losses.push((opt.minimize(() => tf.losses.meanSquaredError(y, m.apply(x)) as tf.Scalar, true, m.variables) as tf.Scalar).dataSync()[0]);
      tf.dispose([x, y]);
      m.dispose();
      opt.dispose();
      return losses;
    };
    const ref = await onCpu(train);
    expect(ref[19]).toBeLessThan(0.5 * ref[0]); // it learns
    for (const path of PATHS) {
      use(path);
      expectClose(train(), ref, 1e-4);
    }
  });
});
