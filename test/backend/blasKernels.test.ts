/**
 * The native OpenBLAS kernels of the wasm backend (src/backend/blasKernels.ts) against the stock
 * tfjs cpu kernels run on the same inputs (and float64 where the cpu kernel cannot serve as the
 * reference): BatchMatMul on random shapes with every transpose combination and batch dims,
 * _FusedMatMul with each bias shape and activation (incl. the multi-batch bias), gradients, the
 * gradient of tf.gather, no leaked tensors or heap buffers. Skipped, with a note, on a machine
 * where the addon did not build (the portable kernels are tested in wasmKernels.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchOffsets } from '../../src/backend/blasKernels.js';
import { loadNativeBlas } from '../../src/backend/nativeBlas.js';
import { registerWasmKernelFixes, wasmKernelFixesRegistered, wasmMatMulKernels } from '../../src/backend/wasmKernels.js';
import { Rng } from '../../src/util/rng.js';

const native = loadNativeBlas();
if (!native.blas) console.warn(`native kernels not tested: ${native.reason}`);

const rand = (n: number, seed: number) => {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.normal());
};
const prod = (s: number[]) => s.reduce((p, d) => p * d, 1);
const COMBOS = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

type Arr = { values: Float32Array; shape: number[] };

/** Runs a stock tfjs cpu kernel directly on these inputs (the reference implementation). */
function cpuKernel(name: string, inputs: Record<string, Arr>, attrs: Record<string, unknown>): Arr {
  const be = tf.findBackend('cpu') as tf.KernelBackend;
  const infos: Record<string, tf.TensorInfo> = {};
  for (const [k, a] of Object.entries(inputs)) infos[k] = { dataId: be.write(a.values, a.shape, 'float32'), shape: a.shape, dtype: 'float32' };
  const kernel = tf.getKernel(name, 'cpu');
  if (!kernel) throw new Error(`cpu ${name} not registered`);
  const out = kernel.kernelFunc({ inputs: infos, backend: be, attrs } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  const values = be.readSync(out.dataId) as Float32Array;
  for (const t of [...Object.values(infos), out]) be.disposeData(t.dataId);
  return { values: Float32Array.from(values), shape: out.shape };
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

function shapesFor(m: number, k: number, n: number, tA: boolean, tB: boolean, batchA: number[] = [], batchB: number[] = []) {
  return { aShape: [...batchA, ...(tA ? [k, m] : [m, k])], bShape: [...batchB, ...(tB ? [n, k] : [k, n])] };
}

/** tf.matMul on wasm (our kernel) against the cpu BatchMatMul kernel. */
function checkAgainstCpu(aShape: number[], bShape: number[], tA: boolean, tB: boolean, seed: number) {
  const a = rand(prod(aShape), seed),
    b = rand(prod(bShape), seed + 1);
  const got = tf.tidy(() => {
    const c = tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), tA, tB);
    return { shape: c.shape, values: c.dataSync() };
  });
  const ref = cpuKernel('BatchMatMul', { a: { values: a, shape: aShape }, b: { values: b, shape: bShape } }, { transposeA: tA, transposeB: tB });
  expect(got.shape).toEqual(ref.shape);
  expectClose(got.values, ref.values);
}

const backendIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

describe.skipIf(!native.blas)('OpenBLAS matmul kernels on the wasm heap', () => {
  beforeAll(() => {
    expect(tf.getBackend()).toBe('wasm');
    registerWasmKernelFixes(native.blas);
    expect(wasmMatMulKernels()).toBe('openblas');
    expect(wasmKernelFixesRegistered()).toEqual({
      BatchMatMul: true,
      _FusedMatMul: true,
      UnsortedSegmentSum: true,
      InfoboundAdam: true,
      InfoboundAdamInPlace: true,
      InfoboundDenseForward: true,
      InfoboundDenseBackward: true,
      InfoboundLogMeanExp: true,
      InfoboundLogMeanExpGrad: true,
      InfoboundLogMovingAverage: true,
      InfoboundMineTail: true,
      InfoboundMineTailGrad: true,
      InfoboundPairSumRelu: true,
      InfoboundPairSumReluGrad: true,
      InfoboundSumOfSquares: true,
      InfoboundAddScaled: true,
      Conv2DBackpropFilter: true,
      Conv2DBackpropInput: true,
      Identity: true,
      Cast: true,
      GatherV2: true,
      Concat: true,
    });
  });

  it('runs OpenBLAS with the core type named for this CPU (not its own misdetection)', () => {
    if (!native.blas) return;
    const info = native.blas.info();
    if (native.coreType) expect(info.coreName.toLowerCase()).toBe(native.coreType.toLowerCase());
    expect(info.threads).toBeGreaterThanOrEqual(1);
  });

  for (const [tA, tB] of COMBOS) {
    it(`random shapes (2-D; 3-D equal and broadcast batches; 4-D) with transposeA=${tA}, transposeB=${tB} equal the cpu kernel`, () => {
      const r = new Rng(500 + Number(tA) * 2 + Number(tB));
      const dim = () => (r.uniform() < 0.15 ? 1 : r.uniform() < 0.1 ? 128 + r.int(3) : 1 + r.int(70));
      for (let c = 0; c < 16; c++) {
        const kind = c % 4;
        const nb = 2 + r.int(3);
        const [bA, bB] =
          kind === 0
            ? [[], []]
            : kind === 1
              ? [[nb], [nb]]
              : kind === 2
                ? r.uniform() < 0.5
                  ? [[1], [nb]]
                  : [[nb], [1]]
                : [
                    [2, 3],
                    [2, 3],
                  ];
        const { aShape, bShape } = shapesFor(dim(), dim(), dim(), tA, tB, bA, bB);
        checkAgainstCpu(aShape, bShape, tA, tB, 2000 + c);
      }
    });
  }

  it('layer-gradient shapes (dW = Xᵀ·dY, dX = dY·Wᵀ) equal the cpu kernel', () => {
    checkAgainstCpu([100, 300], [100, 257], true, false, 1); // dW of a 300→257 layer
    checkAgainstCpu([100, 257], [300, 257], false, true, 2); // dX through it
    checkAgainstCpu([256, 2], [2, 256], false, false, 3);
  });

  it('broadcasts batch dims per axis ([2,1,…]·[1,3,…]) as numpy does (float64 reference)', () => {
    const aShape = [2, 1, 4, 5],
      bShape = [1, 3, 5, 6];
    const a = rand(prod(aShape), 40),
      b = rand(prod(bShape), 41);
    const got = tf.tidy(() => {
      const c = tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape));
      return { shape: c.shape, values: c.dataSync() };
    });
    expect(got.shape).toEqual([2, 3, 4, 6]);
    const ref = new Float64Array(2 * 3 * 4 * 6);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++)
        for (let r = 0; r < 4; r++)
          for (let c = 0; c < 6; c++) {
            let s = 0;
            for (let q = 0; q < 5; q++) s += a[i * 20 + r * 5 + q] * b[j * 30 + q * 6 + c];
            ref[((i * 3 + j) * 4 + r) * 6 + c] = s;
          }
    expectClose(got.values, ref);
    expect(batchOffsets([2, 1], [1, 3], [2, 3])).toEqual({ a: [0, 0, 0, 1, 1, 1], b: [0, 1, 2, 0, 1, 2] });
  });

  it('an empty inner dimension gives zeros; empty outputs have the right shape', () => {
    const z = tf.tidy(() => tf.matMul(tf.ones([3, 0]), tf.ones([0, 4])).dataSync());
    expect(Array.from(z)).toEqual(new Array(12).fill(0));
    const e = tf.tidy(() => tf.matMul(tf.ones([0, 5]), tf.ones([5, 4])).shape);
    expect(e).toEqual([0, 4]);
  });

  it('mismatched inner dimensions are an error naming both shapes', () => {
    expect(() => tf.tidy(() => tf.matMul(tf.ones([3, 4]), tf.ones([5, 2])))).toThrow(/inner/i);
  });

  it('int32 operands fall back to the stock kernel (which rejects them) without leaking', () => {
    const ids = backendIds();
    expect(() => tf.tidy(() => tf.matMul(tf.ones([3, 4], 'int32'), tf.ones([3, 5], 'int32'), true, false))).toThrow(/float32/);
    expect(backendIds()).toBe(ids);
  });

  const ACTS = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const;
  for (const activation of ACTS) {
    it(`fused matmul with ${activation}, each bias shape ([n], [1,n], [m,1], none) and batches (incl. multi-batch bias) equals the cpu kernel`, () => {
      const r = new Rng(700 + ACTS.indexOf(activation));
      const cases: { m: number; k: number; n: number; bA: number[]; bB: number[]; bias: number[] | null }[] = [
        { m: 9, k: 13, n: 7, bA: [], bB: [], bias: [7] },
        { m: 9, k: 13, n: 7, bA: [], bB: [], bias: [1, 7] },
        { m: 9, k: 13, n: 7, bA: [], bB: [], bias: [9, 1] },
        { m: 9, k: 13, n: 7, bA: [], bB: [], bias: null },
        { m: 4, k: 6, n: 5, bA: [2], bB: [2], bias: [5] },
        { m: 4, k: 6, n: 5, bA: [1], bB: [3], bias: [5] },
        { m: 4, k: 6, n: 5, bA: [3], bB: [1], bias: [4, 5] },
      ];
      for (const [ci, c] of cases.entries()) {
        const tA = r.uniform() < 0.5,
          tB = r.uniform() < 0.5;
        const { aShape, bShape } = shapesFor(c.m, c.k, c.n, tA, tB, c.bA, c.bB);
        const a = rand(prod(aShape), 800 + ci),
          b = rand(prod(bShape), 900 + ci);
        const bias = c.bias ? rand(prod(c.bias), 1000 + ci) : null;
        const alpha = Float32Array.from({ length: c.n }, (_, j) => 0.1 + 0.1 * j);
        const attrs = { transposeA: tA, transposeB: tB, activation, leakyreluAlpha: 0.15 };
        const got = tf.tidy(() =>
          tf.fused
            .matMul({
              a: tf.tensor(a, aShape as number[]) as tf.Tensor as tf.Tensor3D,
              b: tf.tensor(b, bShape as number[]) as tf.Tensor as tf.Tensor3D,
              transposeA: tA,
              transposeB: tB,
              bias: bias ? tf.tensor(bias, c.bias as number[]) : undefined,
              activation,
              leakyreluAlpha: 0.15,
              preluActivationWeights: activation === 'prelu' ? tf.tensor1d(alpha) : undefined,
            })
            .dataSync(),
        );
        const inputs: Record<string, Arr> = { a: { values: a, shape: aShape }, b: { values: b, shape: bShape } };
        if (bias) inputs.bias = { values: bias, shape: c.bias as number[] };
        if (activation === 'prelu') inputs.preluActivationWeights = { values: alpha, shape: [c.n] };
        const ref = cpuKernel('_FusedMatMul', inputs, attrs);
        expectClose(got, ref.values);
      }
    });
  }

  /** d/dA, d/dB (and d/dbias) of sum(W ⊙ f(op(A)·op(B) + bias)) on the current backend. */
  const grads = (a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], w: Float32Array, tA: boolean, tB: boolean, bias: Float32Array | null) =>
    tf.tidy(() => {
      const f = (...[x, y, z]: tf.Tensor[]) => {
        const c = z
          ? tf.fused.matMul({ a: x as tf.Tensor2D, b: y as tf.Tensor2D, transposeA: tA, transposeB: tB, bias: z, activation: 'relu' })
          : tf.matMul(x, y, tA, tB);
        return tf.sum(tf.mul(c, tf.tensor(w, c.shape)));
      };
      return tf
        .grads(f)([tf.tensor(a, aShape), tf.tensor(b, bShape), ...(bias ? [tf.tensor1d(bias)] : [])])
        .map((g) => g.dataSync());
    });

  for (const [tA, tB] of COMBOS) {
    for (const fused of [false, true]) {
      it(`${fused ? 'fused relu matmul with bias' : 'matMul'} transposeA=${tA}, transposeB=${tB}: gradients equal the cpu backend's`, async () => {
        const [m, k, n] = [23, 31, 17];
        const { aShape, bShape } = shapesFor(m, k, n, tA, tB);
        const a = rand(m * k, 60),
          b = rand(k * n, 61),
          w = rand(m * n, 62),
          bias = fused ? rand(n, 63) : null;
        const onWasm = grads(a, aShape, b, bShape, w, tA, tB, bias);
        await tf.setBackend('cpu');
        try {
          const onCpu = grads(a, aShape, b, bShape, w, tA, tB, bias);
          for (let i = 0; i < (fused ? 3 : 2); i++) expectClose(onWasm[i], onCpu[i]);
        } finally {
          await tf.setBackend('wasm');
        }
      });
    }
  }

  it('the gradient of tf.gather (rows of a matrix, repeated indices) equals the cpu backend', async () => {
    const x = rand(6 * 4, 70),
      w = rand(8 * 4, 71),
      idx = [5, 0, 5, 2, 2, 2, 1, 3];
    const run = () =>
      tf.tidy(() =>
        tf
          .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(idx, 'int32')), tf.tensor2d(w, [8, 4]))))(tf.tensor2d(x, [6, 4]))
          .dataSync(),
      );
    const onWasm = run();
    await tf.setBackend('cpu');
    try {
      expectClose(onWasm, run(), 1e-6);
    } finally {
      await tf.setBackend('wasm');
    }
  });

  it('leaks neither tensors nor wasm buffers over 100 rounds of every path', () => {
    const a = tf.tensor2d(rand(64 * 8, 10), [64, 8]),
      b = tf.tensor2d(rand(64 * 8, 11), [64, 8]);
    const a3 = tf.tensor3d(rand(2 * 5 * 8, 14), [2, 5, 8]),
      col = tf.ones([5, 1]);
    const round = () =>
      tf.tidy(() => {
        tf.matMul(a, b, true, false);
        tf.matMul(a, b, false, true);
        tf.matMul(tf.ones([2, 1, 3, 4]), tf.ones([1, 2, 4, 2])); // per-batch calls
        tf.fused.matMul({ a, b, transposeA: true, bias: tf.ones([8]), activation: 'relu' }); // native bias + relu
        tf.fused.matMul({ a: a3, b: tf.ones([2, 8, 3]), bias: tf.ones([3]), activation: 'elu' }); // native bias, wasm elu
        tf.fused.matMul({ a: a3, b: tf.ones([2, 8, 3]), bias: col, activation: 'sigmoid' }); // wasm Add + sigmoid
        tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y, false, true)))([a, b]);
      });
    round();
    const before = { ...tf.memory(), ids: backendIds() };
    for (let i = 0; i < 100; i++) round();
    const after = { ...tf.memory(), ids: backendIds() };
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    expect(after.ids).toBe(before.ids);
    tf.dispose([a, b, a3, col]);
  });

  it('the addon rejects operands outside the heap instead of reading past it', () => {
    const blas = native.blas!;
    expect(() => blas.sgemm(new ArrayBuffer(64), false, false, 4, 4, 4, 0, 0, 8, 1, 0, 0, 0, 1, 0)).toThrow(/outside the heap/);
    expect(() => blas.adam(new ArrayBuffer(64), 0, 4, 8, 12, 0, 0, 0, 8, 1e-3, 0.9, 0.999, 1e-8, 0.9, 0.999)).toThrow(/outside the heap/);
  });
});
