/**
 * The wasm kernel fixes against float64 references computed here (and, for gradients, the tfjs cpu
 * backend): matmuls with every transpose combination, batch dims and batch broadcasting, each
 * transpose path (wasm kernel, tiled JavaScript, reshape) and both plans; fused matmul with bias and
 * activations; matmul gradients; UnsortedSegmentSum and the gradient of tf.gather; no leaked
 * tensors or wasm buffers; registering twice; restoring the stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernelFixes, restoreStockWasmKernels, wasmKernelFixesRegistered, wasmMatMulKernels } from '../../src/backend/wasmKernels.js';
import { matMulPlan, transposeMethod, type MatMulPlan, type TransposeMethod } from '../../src/backend/wasmMatMul.js';
import { Rng } from '../../src/util/rng.js';

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

/**
 * C = op(A)·op(B) in float64 for shapes [...batch, r, c] with batch dims of equal rank (≤ 2) that
 * broadcast where one side is 1. Returns the values and the output shape.
 */
function matmul64(a: ArrayLike<number>, aShape: number[], b: ArrayLike<number>, bShape: number[], tA: boolean, tB: boolean) {
  const ra = aShape.length,
    rb = bShape.length;
  const [ar, ac] = aShape.slice(ra - 2),
    [br, bc] = bShape.slice(rb - 2);
  const ab = aShape.slice(0, ra - 2),
    bb = bShape.slice(0, rb - 2);
  if (ab.length !== bb.length) throw new Error('test helper: batch ranks must match');
  const outBatch = ab.map((d, i) => Math.max(d, bb[i]));
  const m = tA ? ac : ar,
    k = tA ? ar : ac,
    n = tB ? br : bc;
  const batch = prod(outBatch);
  const out = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    // unravel p over outBatch, then ravel over each operand's batch dims with broadcasting
    let rem = p,
      pa = 0,
      pb = 0,
      sa = 1,
      sb = 1;
    for (let d = outBatch.length - 1; d >= 0; d--) {
      const idx = rem % outBatch[d];
      rem = Math.floor(rem / outBatch[d]);
      pa += (ab[d] === 1 ? 0 : idx) * sa;
      pb += (bb[d] === 1 ? 0 : idx) * sb;
      sa *= ab[d];
      sb *= bb[d];
    }
    const ao = pa * ar * ac,
      bo = pb * br * bc;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += a[ao + (tA ? q * ac + i : i * ac + q)] * b[bo + (tB ? j * bc + q : q * bc + j)];
        out[p * m * n + i * n + j] = s;
      }
  }
  return { values: out, shape: [...outBatch, m, n] };
}

/** |actual − expected| ≤ rel · max(1, max|expected|) elementwise (float32 vs float64). */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-5) {
  expect(actual.length).toBe(expected.length);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThanOrEqual(rel * scale);
}

const backendIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

/** The paths a matMul call takes through the fix (for coverage assertions). */
const seenPlans = new Set<MatMulPlan>();
const seenTransposes = new Set<TransposeMethod>();
function record(aShape: number[], bShape: number[], tA: boolean, tB: boolean) {
  const plan = matMulPlan(aShape, bShape, tA, tB);
  seenPlans.add(plan);
  const t = (s: number[]) => [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]];
  if (plan === 'inputs') {
    if (tA) seenTransposes.add(transposeMethod(aShape));
    if (tB) seenTransposes.add(transposeMethod(bShape));
  } else if (plan === 'output') {
    if (!tA) seenTransposes.add(transposeMethod(aShape));
    if (!tB) seenTransposes.add(transposeMethod(bShape));
    const m = tA ? aShape[aShape.length - 1] : aShape[aShape.length - 2];
    const n = tB ? bShape[bShape.length - 2] : bShape[bShape.length - 1];
    seenTransposes.add(transposeMethod(t([n, m])));
  }
}

/** The stored shapes of A and B for op(A) = [m, k], op(B) = [k, n] and the given batch dims. */
function shapesFor(m: number, k: number, n: number, tA: boolean, tB: boolean, batchA: number[] = [], batchB: number[] = []) {
  return { aShape: [...batchA, ...(tA ? [k, m] : [m, k])], bShape: [...batchB, ...(tB ? [n, k] : [k, n])] };
}

function checkMatMul(aShape: number[], bShape: number[], tA: boolean, tB: boolean, seed: number) {
  const a = rand(prod(aShape), seed),
    b = rand(prod(bShape), seed + 1);
  record(aShape, bShape, tA, tB);
  const got = tf.tidy(() => {
    const c = tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), tA, tB);
    return { shape: c.shape, values: c.dataSync() };
  });
  const ref = matmul64(a, aShape, b, bShape, tA, tB);
  expect(got.shape).toEqual(ref.shape);
  expectClose(got.values, ref.values);
}

beforeAll(() => {
  expect(tf.getBackend()).toBe('wasm');
  // this file tests the portable kernels (the native OpenBLAS ones: blasKernels.test.ts)
  registerWasmKernelFixes(null);
  expect(wasmMatMulKernels()).toBe('portable');
  expect(wasmKernelFixesRegistered()).toEqual({
    BatchMatMul: true,
    _FusedMatMul: true,
    UnsortedSegmentSum: true,
    InfoboundAdam: false,
    InfoboundAdamInPlace: false,
    InfoboundDenseForward: true,
    InfoboundDenseBackward: true,
    InfoboundLogMeanExp: true,
    InfoboundLogMeanExpGrad: true,
    InfoboundLogMovingAverage: true,
    InfoboundMineTail: true,
    InfoboundMineTailGrad: true,
    InfoboundPairSumRelu: false,
    InfoboundPairSumReluGrad: false,
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

describe('wasm matmul with explicit transposes', () => {
  for (const [tA, tB] of COMBOS) {
    it(`batch [3,17,33]·[3,33,9] with transposeA=${tA}, transposeB=${tB} equals the float64 product`, () => {
      const { aShape, bShape } = shapesFor(17, 33, 9, tA, tB, [3], [3]);
      checkMatMul(aShape, bShape, tA, tB, 1);
    });

    it(`broadcasts batch [1,…] against [4,…] both ways with transposeA=${tA}, transposeB=${tB}`, () => {
      const s1 = shapesFor(5, 7, 6, tA, tB, [1], [4]);
      checkMatMul(s1.aShape, s1.bShape, tA, tB, 3);
      const s2 = shapesFor(6, 8, 5, tA, tB, [4], [1]);
      checkMatMul(s2.aShape, s2.bShape, tA, tB, 5);
    });

    it(`random shapes (2-D, 3-D, 4-D; sizes 1…40 and 128) with transposeA=${tA}, transposeB=${tB}`, () => {
      const r = new Rng(100 + Number(tA) * 2 + Number(tB));
      const dim = () => (r.uniform() < 0.15 ? 1 : r.uniform() < 0.1 ? 128 : 1 + r.int(40));
      for (let c = 0; c < 12; c++) {
        const kind = c % 4;
        const batch = kind === 0 ? [] : kind === 1 ? [1 + r.int(3)] : kind === 2 ? [2, 3] : [];
        const [bA, bB] = kind === 3 ? (r.uniform() < 0.5 ? [[1], [3]] : [[3], [1]]) : [batch, batch];
        const { aShape, bShape } = shapesFor(dim(), dim(), dim(), tA, tB, bA, bB);
        checkMatMul(aShape, bShape, tA, tB, 1000 + c);
      }
    });
  }

  it('covers every plan and transpose path (wasm kernel, tiled JS for 128·j rows, reshape for size-1 dims)', () => {
    // MLP gradient shapes: dW = Xᵀ·dY ("inputs") and dX = dY·Wᵀ ("output"); rows of 128 and 256
    checkMatMul([128, 40], [128, 24], true, false, 7); // Xᵀ·dY, X has 128 rows → JS transpose
    checkMatMul([12, 256], [130, 256], false, true, 8); // dY·Wᵀ with W [130, 256]: output plan
    checkMatMul([1, 64], [64, 1], true, true, 9); // single row/column: reshape only
    checkMatMul([2, 256, 3], [2, 256, 5], true, false, 10); // batched JS transpose
    for (const s of [
      [17, 33],
      [128, 30],
      [1, 30],
    ]) {
      seenTransposes.add(transposeMethod(s));
    }
    expect([...seenPlans].sort()).toEqual(['inputs', 'output', 'stock']);
    expect([...seenTransposes].sort()).toEqual(['js', 'reshape', 'wasm']);
  });

  it('chooses the output plan for dX = dY·Wᵀ with a small batch and the inputs plan for dW = Xᵀ·dY', () => {
    expect(matMulPlan([100, 1024], [784, 1024], false, true)).toBe('output');
    expect(matMulPlan([100, 784], [100, 1024], true, false)).toBe('inputs');
    expect(matMulPlan([100, 1024], [784, 1024], false, false)).toBe('stock');
    expect(matMulPlan([100, 1024], [784, 1024], false, true, false)).toBe('inputs');
  });

  for (const [tA, tB] of COMBOS) {
    it(`fused matmul with transposeA=${tA}, transposeB=${tB}, bias and relu equals relu(op(A)·op(B) + bias)`, () => {
      const { aShape, bShape } = shapesFor(20, 12, 8, tA, tB, [2], [2]);
      const a = rand(prod(aShape), 5),
        b = rand(prod(bShape), 6),
        bias = rand(8, 7);
      const got = tf.tidy(() =>
        tf.fused
          .matMul({
            a: tf.tensor3d(a, aShape as [number, number, number]),
            b: tf.tensor3d(b, bShape as [number, number, number]),
            transposeA: tA,
            transposeB: tB,
            bias: tf.tensor1d(bias),
            activation: 'relu',
          })
          .dataSync(),
      );
      const ref = matmul64(a, aShape, b, bShape, tA, tB).values.map((v, i) => Math.max(0, v + bias[i % 8]));
      expectClose(got, ref);
    });
  }

  const ACTIVATIONS: [string, (v: number, j: number) => number][] = [
    ['linear', (v) => v],
    ['relu', (v) => Math.max(0, v)],
    ['relu6', (v) => Math.min(6, Math.max(0, v))],
    ['elu', (v) => (v > 0 ? v : Math.expm1(v))],
    ['sigmoid', (v) => 1 / (1 + Math.exp(-v))],
    ['leakyrelu', (v) => (v > 0 ? v : 0.15 * v)],
    ['prelu', (v, j) => (v > 0 ? v : (0.1 + 0.1 * j) * v)],
  ];
  for (const [activation, f] of ACTIVATIONS) {
    it(`fused matmul with batches [2|1,…]·[1|2,…], bias and ${activation} (the stock kernel's batch bias is repaired)`, () => {
      const n = 5,
        alpha = Float32Array.from({ length: n }, (_, j) => 0.1 + 0.1 * j),
        bias = rand(n, 90);
      for (const [bA, bB, tB] of [
        [2, 2, false],
        [1, 2, true],
        [2, 1, false],
      ] as const) {
        const { aShape, bShape } = shapesFor(4, 6, n, false, tB, [bA], [bB]);
        const a = rand(prod(aShape), 91),
          b = rand(prod(bShape), 92);
        const got = tf.tidy(() =>
          tf.fused
            .matMul({
              a: tf.tensor3d(a, aShape as [number, number, number]),
              b: tf.tensor3d(b, bShape as [number, number, number]),
              transposeB: tB,
              bias: tf.tensor1d(bias),
              activation: activation as 'relu',
              leakyreluAlpha: 0.15,
              preluActivationWeights: activation === 'prelu' ? tf.tensor1d(alpha) : undefined,
            })
            .dataSync(),
        );
        const ref = matmul64(a, aShape, b, bShape, false, tB).values.map((v, i) => f(v + bias[i % n], i % n));
        expectClose(got, ref);
      }
    });
  }

  it('fused matmul passes leakyreluAlpha and PReLU weights through', () => {
    const a = rand(9 * 6, 11),
      b = rand(4 * 9, 12),
      bias = rand(4, 13),
      alpha = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
    const ref = matmul64(a, [1, 9, 6], b, [1, 4, 9], true, true).values.map((v, i) => v + bias[i % 4]);
    const leaky = tf.tidy(() =>
      tf.fused
        .matMul({
          a: tf.tensor2d(a, [9, 6]),
          b: tf.tensor2d(b, [4, 9]),
          transposeA: true,
          transposeB: true,
          bias: tf.tensor1d(bias),
          activation: 'leakyrelu',
          leakyreluAlpha: 0.3,
        })
        .dataSync(),
    );
    expectClose(
      leaky,
      ref.map((v) => (v > 0 ? v : 0.3 * v)),
    );
    const prelu = tf.tidy(() =>
      tf.fused
        .matMul({
          a: tf.tensor2d(a, [9, 6]),
          b: tf.tensor2d(b, [4, 9]),
          transposeA: true,
          transposeB: true,
          bias: tf.tensor1d(bias),
          activation: 'prelu',
          preluActivationWeights: tf.tensor1d(alpha),
        })
        .dataSync(),
    );
    expectClose(
      prelu,
      ref.map((v, i) => (v > 0 ? v : alpha[i % 4] * v)),
    );
  });

  it('int32 operands still get the stock error, without leaking the copies', () => {
    const ids = backendIds();
    expect(() => tf.tidy(() => tf.matMul(tf.ones([3, 4], 'int32'), tf.ones([3, 5], 'int32'), true, false))).toThrow(/float32/);
    expect(backendIds()).toBe(ids);
  });
});

describe('matmul gradients on wasm', () => {
  /** d/dA and d/dB of sum(W ⊙ op(A)·op(B)), on the current backend. */
  const grads = (a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], w: Float32Array, tA: boolean, tB: boolean, fusedBias?: Float32Array) =>
    tf.tidy(() => {
      const f = (x: tf.Tensor, y: tf.Tensor) => {
        const c = fusedBias
          ? tf.fused.matMul({ a: x as tf.Tensor2D, b: y as tf.Tensor2D, transposeA: tA, transposeB: tB, bias: tf.tensor1d(fusedBias) })
          : tf.matMul(x, y, tA, tB);
        return tf.sum(tf.mul(c, tf.tensor(w, c.shape)));
      };
      return tf
        .grads(f)([tf.tensor(a, aShape), tf.tensor(b, bShape)])
        .map((g) => g.dataSync());
    });

  /** float64: with G = W, d op(A) = G·op(B)ᵀ and d op(B) = op(A)ᵀ·G, transposed back when flagged. */
  function grads64(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], w: Float32Array, tA: boolean, tB: boolean) {
    const [m, n] = [tA ? aShape[1] : aShape[0], tB ? bShape[0] : bShape[1]];
    // dA = tA ? op(B)·Gᵀ : G·op(B)ᵀ;  dB = tB ? Gᵀ·op(A) : op(A)ᵀ·G
    const dA = tA ? matmul64(b, bShape, w, [m, n], tB, true).values : matmul64(w, [m, n], b, bShape, false, !tB).values;
    const dB = tB ? matmul64(w, [m, n], a, aShape, true, tA).values : matmul64(a, aShape, w, [m, n], !tA, false).values;
    return [dA, dB];
  }

  for (const [tA, tB] of COMBOS) {
    for (const fused of [false, true]) {
      it(`${fused ? 'fused (linear, bias) ' : ''}matMul transposeA=${tA}, transposeB=${tB}: gradients equal float64 and the cpu backend`, async () => {
        const [m, k, n] = [13, 21, 10];
        const { aShape, bShape } = shapesFor(m, k, n, tA, tB);
        const a = rand(m * k, 20),
          b = rand(k * n, 21),
          w = rand(m * n, 22),
          bias = fused ? rand(n, 23) : undefined;
        const onWasm = grads(a, aShape, b, bShape, w, tA, tB, bias);
        const ref = grads64(a, aShape, b, bShape, w, tA, tB);
        expectClose(onWasm[0], ref[0]);
        expectClose(onWasm[1], ref[1]);
        await tf.setBackend('cpu');
        try {
          const onCpu = grads(a, aShape, b, bShape, w, tA, tB, bias);
          expectClose(onWasm[0], onCpu[0]);
          expectClose(onWasm[1], onCpu[1]);
        } finally {
          await tf.setBackend('wasm');
        }
        expect(tf.getBackend()).toBe('wasm');
      });
    }
  }

  it('an MLP layer stack: gradients of a relu network match the cpu backend', async () => {
    const x = rand(16 * 30, 30),
      w1 = rand(30 * 128, 31),
      w2 = rand(128 * 7, 32),
      b1 = rand(128, 33);
    const run = () =>
      tf.tidy(() => {
        const f = (p: tf.Tensor, q: tf.Tensor) => {
          const h = tf.fused.matMul({ a: tf.tensor2d(x, [16, 30]), b: p as tf.Tensor2D, bias: tf.tensor1d(b1), activation: 'relu' });
          return tf.sum(tf.square(tf.matMul(h, q as tf.Tensor2D)));
        };
        return tf
          .grads(f)([tf.tensor2d(w1, [30, 128]), tf.tensor2d(w2, [128, 7])])
          .map((g) => g.dataSync());
      });
    const onWasm = run();
    await tf.setBackend('cpu');
    try {
      const onCpu = run();
      expectClose(onWasm[0], onCpu[0], 2e-5);
      expectClose(onWasm[1], onCpu[1], 2e-5);
    } finally {
      await tf.setBackend('wasm');
    }
  });
});

describe('UnsortedSegmentSum on wasm (gradient of tf.gather)', () => {
  /** float64 reference with TensorFlow's semantics: ids outside [0, numSegments) are dropped. */
  function segmentSum64(x: ArrayLike<number>, xShape: number[], ids: number[], idRank: number, numSegments: number) {
    const inner = prod(xShape.slice(idRank));
    const out = new Float64Array(numSegments * inner);
    ids.forEach((s, i) => {
      if (s >= 0 && s < numSegments) for (let q = 0; q < inner; q++) out[s * inner + q] += x[i * inner + q];
    });
    return out;
  }

  it('float32 x with 1-D ids, repeated, missing and out-of-range segments', () => {
    const xShape = [9, 3, 2],
      x = rand(prod(xShape), 40);
    const ids = [4, 0, 4, 2, -1, 0, 7, 4, 5]; // 7 ≥ numSegments and −1 are dropped; 1, 3 stay empty
    const got = tf.tidy(() => {
      const r = tf.unsortedSegmentSum(tf.tensor(x, xShape), tf.tensor1d(ids, 'int32'), 6);
      return { shape: r.shape, dtype: r.dtype, values: r.dataSync() };
    });
    expect(got.shape).toEqual([6, 3, 2]);
    expect(got.dtype).toBe('float32');
    expectClose(got.values, segmentSum64(x, xShape, ids, 1, 6));
  });

  it('int32 x sums exactly in int32', () => {
    const xShape = [6, 4];
    const x = Array.from({ length: 24 }, (_, i) => ((i * 7919) % 1000) - 500);
    const ids = [1, 1, 0, 2, 1, 0];
    const got = tf.tidy(() => {
      const r = tf.unsortedSegmentSum(tf.tensor2d(x, [6, 4], 'int32'), tf.tensor1d(ids, 'int32'), 3);
      return { dtype: r.dtype, values: Array.from(r.dataSync()) };
    });
    expect(got.dtype).toBe('int32');
    expect(got.values).toEqual(Array.from(segmentSum64(x, xShape, ids, 1, 3)));
  });

  it('segment ids over several leading dims ([2, 3] ids for x [2, 3, 4]; the op is typed 1-D, the kernel takes any prefix)', () => {
    const x = rand(24, 41);
    const ids = [0, 2, 2, 1, 0, 2];
    const got = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor3d(x, [2, 3, 4]), tf.tensor2d(ids, [2, 3], 'int32') as tf.Tensor as tf.Tensor1D, 3).dataSync());
    expectClose(got, segmentSum64(x, [2, 3, 4], ids, 2, 3));
  });

  it('rejects segment ids that are not a prefix of x', () => {
    expect(() => tf.tidy(() => tf.unsortedSegmentSum(tf.zeros([4, 3]), tf.tensor1d([0, 1, 0], 'int32'), 2))).toThrow(/prefix/);
  });

  it('the gradient of sum(w ⊙ gather(x, idx)) scatters w back, adding repeated indices', () => {
    const idx = [2, 0, 2, 3];
    const w = [1, 10, 100, 1000];
    const g = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => tf.sum(tf.mul(tf.gather(x, tf.tensor1d(idx, 'int32')), tf.tensor1d(w))))(tf.tensor1d([0, 0, 0, 0, 0]))
        .dataSync(),
    );
    expect(Array.from(g)).toEqual([10, 0, 101, 1000, 0]);
  });

  for (const axis of [0, 1]) {
    it(`tf.grad of a gather-based loss on axis ${axis} (random x, repeated indices) equals the float64 gradient`, () => {
      const xShape = [7, 5],
        x = rand(35, 50 + axis);
      const r = new Rng(60 + axis);
      const idx = Array.from({ length: 11 }, () => r.int(xShape[axis]));
      const gShape = axis === 0 ? [11, 5] : [7, 11];
      const w = rand(prod(gShape), 70 + axis);
      // loss = Σ w ⊙ gather(x)²  ⇒  dL/dx[p] = Σ over gathered copies of x[p]: 2·x[p]·w
      const got = tf.tidy(() =>
        tf
          .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.square(tf.gather(t, tf.tensor1d(idx, 'int32'), axis)), tf.tensor(w, gShape))))(tf.tensor2d(x, [7, 5]))
          .dataSync(),
      );
      const ref = new Float64Array(35);
      for (let i = 0; i < gShape[0]; i++)
        for (let j = 0; j < gShape[1]; j++) {
          const src = axis === 0 ? idx[i] * 5 + j : i * 5 + idx[j];
          ref[src] += 2 * x[src] * w[i * gShape[1] + j];
        }
      expectClose(got, ref);
    });
  }

  it('works on rows of a matrix with 2-D indices (the IB’s shuffled z)', () => {
    const g = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => tf.sum(tf.gather(x, tf.tensor2d([1, 1, 0, 1], [2, 2], 'int32'))))(tf.zeros([2, 3]))
        .dataSync(),
    );
    expect(Array.from(g)).toEqual([1, 1, 1, 3, 3, 3]);
  });
});

describe('housekeeping', () => {
  afterAll(() => registerWasmKernelFixes());

  it('leaks neither tensors nor wasm buffers over 100 rounds of every path', () => {
    const a = tf.tensor2d(rand(128 * 8, 10), [128, 8]),
      b = tf.tensor2d(rand(128 * 8, 11), [128, 8]);
    const c = tf.tensor2d(rand(8 * 130, 12), [130, 8]),
      v = tf.tensor2d(rand(8, 13), [1, 8]);
    const a3 = tf.tensor3d(rand(2 * 5 * 8, 14), [2, 5, 8]),
      e = tf.tensor2d(rand(5 * 128, 15), [5, 128]);
    const idx = tf.tensor1d([3, 1, 3, 0], 'int32');
    const round = () =>
      tf.tidy(() => {
        tf.matMul(a, b, true, false); // inputs plan, JS transpose (128 rows)
        tf.matMul(v, c, false, true); // output plan
        tf.matMul(a, e, true, true);
        tf.matMul(c, v, false, true); // stock (v is one row: reshape only)
        tf.matMul(v, b, false, true);
        tf.matMul(v, v, true, false); // reshape path
        tf.fused.matMul({ a, b, transposeA: true, bias: tf.ones([8]), activation: 'relu' });
        tf.fused.matMul({ a: a3, b: tf.ones([2, 8, 3]), bias: tf.ones([3]), activation: 'relu' }); // batch bias repair
        tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y, false, true)))([c, b]);
        tf.grad((x: tf.Tensor) => tf.sum(tf.gather(x, idx)))(a);
        tf.unsortedSegmentSum(a, tf.range(0, 128, 1, 'int32'), 200);
      });
    round();
    const before = { ...tf.memory(), ids: backendIds() };
    for (let i = 0; i < 100; i++) round();
    const after = { ...tf.memory(), ids: backendIds() };
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    // the transposed copies made inside the kernels are freed on the wasm heap too
    expect(after.ids).toBe(before.ids);
    tf.dispose([a, b, c, v, a3, e, idx]);
  });

  it('Identity and same-dtype Cast share the buffer (no copy); disposing the source keeps the clone; other casts convert', () => {
    const ids = backendIds();
    const a = tf.tensor1d([1.5, -2.25, 3]);
    const b = tf.clone(a),
      c = tf.cast(a, 'float32');
    expect(backendIds()).toBe(ids + 1); // one buffer, three tensors
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1.5, -2.25, 3]);
    expect(Array.from(c.dataSync())).toEqual([1.5, -2.25, 3]);
    const d = tf.cast(b, 'int32');
    expect(d.dtype).toBe('int32');
    expect(Array.from(d.dataSync())).toEqual([1, -2, 3]);
    tf.dispose([b, c, d]);
    expect(backendIds()).toBe(ids);
  });

  it('registering twice is harmless: the kernels are not wrapped twice', () => {
    const kernels = () => ['BatchMatMul', '_FusedMatMul', 'UnsortedSegmentSum'].map((n) => tf.getKernel(n, 'wasm'));
    const before = kernels();
    registerWasmKernelFixes();
    registerWasmKernelFixes();
    expect(kernels()).toEqual(before);
    kernels().forEach((k, i) => expect(k).toBe(before[i]));
    const got = tf.tidy(() =>
      tf
        .matMul(
          tf.tensor2d([
            [1, 2],
            [3, 4],
          ]),
          tf.tensor2d([
            [1, 0],
            [0, 1],
          ]),
          true,
          false,
        )
        .dataSync(),
    );
    expect(Array.from(got)).toEqual([1, 3, 2, 4]);
  });

  it('the stock kernels, restored, give the same products (and the fixes come back)', () => {
    const aShape = [3, 20, 130],
      bShape = [3, 11, 20];
    const a = tf.tensor(rand(prod(aShape), 80), aShape),
      b = tf.tensor(rand(prod(bShape), 81), bShape);
    const fixed = tf.tidy(() => tf.matMul(a, b, true, true).dataSync());
    restoreStockWasmKernels();
    expect(wasmKernelFixesRegistered()).toEqual({
      BatchMatMul: false,
      _FusedMatMul: false,
      UnsortedSegmentSum: false,
      InfoboundAdam: false,
      InfoboundAdamInPlace: false,
      InfoboundDenseForward: false,
      InfoboundDenseBackward: false,
      InfoboundLogMeanExp: false,
      InfoboundLogMeanExpGrad: false,
      InfoboundLogMovingAverage: false,
      InfoboundMineTail: false,
      InfoboundMineTailGrad: false,
      InfoboundPairSumRelu: false,
      InfoboundPairSumReluGrad: false,
      InfoboundSumOfSquares: false,
      InfoboundAddScaled: false,
      Conv2DBackpropFilter: false,
      Conv2DBackpropInput: false,
      Identity: false,
      Cast: false,
      GatherV2: false,
      Concat: false,
    });
    try {
      const stock = tf.tidy(() => tf.matMul(a, b, true, true).dataSync());
      expectClose(fixed, stock);
      // Canary: tfjs-backend-wasm 4.22's _FusedMatMul adds the bias wrongly with more than one batch
      // (rows after the first get the bias' last element). If this fails, tfjs fixed it and the
      // repair in wasmMatMul.ts can go.
      const wrong = tf.tidy(() => {
        const x = tf.ones([2, 2, 1]),
          y = tf.ones([2, 1, 2]),
          bias = tf.tensor1d([10, 20]);
        return tf.fused.matMul({ a: x, b: y, bias }).dataSync();
      });
      expect(Array.from(wrong)).not.toEqual([11, 21, 11, 21, 11, 21, 11, 21]);
    } finally {
      registerWasmKernelFixes();
      tf.dispose([a, b]);
    }
    expect(wasmKernelFixesRegistered()).toEqual({
      BatchMatMul: true,
      _FusedMatMul: true,
      UnsortedSegmentSum: true,
      InfoboundAdam: false,
      InfoboundAdamInPlace: false,
      InfoboundDenseForward: true,
      InfoboundDenseBackward: true,
      InfoboundLogMeanExp: true,
      InfoboundLogMeanExpGrad: true,
      InfoboundLogMovingAverage: true,
      InfoboundMineTail: true,
      InfoboundMineTailGrad: true,
      InfoboundPairSumRelu: false,
      InfoboundPairSumReluGrad: false,
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
});
