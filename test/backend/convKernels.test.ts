/**
 * Conv2DBackpropFilter on wasm (src/backend/convKernels.ts), native (im2col + OpenBLAS sgemm, also
 * in chunks) and portable (JavaScript loop): against a float64 reference computed here from the
 * definition, and the filter gradients of tf.conv2d and tf.conv2dTranspose against the cpu backend;
 * no leaked tensors or heap buffers.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONV2D_BACKPROP_FILTER, CONV2D_BACKPROP_INPUT, conv2dBackpropFilterKernel, conv2dBackpropInputKernel } from '../../src/backend/convKernels.js';
import { loadNativeBlas } from '../../src/backend/nativeBlas.js';
import { registerWasmKernelFixes, restoreStockWasmKernels, wasmKernelFixesRegistered } from '../../src/backend/wasmKernels.js';
import { Rng } from '../../src/util/rng.js';
import { onCpu } from '../fixtures/onCpu.js';

const native = loadNativeBlas();
const PATHS = native.blas ? (['native', 'portable'] as const) : (['portable'] as const);
type Path = (typeof PATHS)[number];
const blasFor = (path: Path) => (path === 'native' ? native.blas : null);
const use = (path: Path) => registerWasmKernelFixes(blasFor(path));

const prod = (s: number[]) => s.reduce((p, d) => p * d, 1);
const rand = (n: number, seed: number) => {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.normal());
};
const backendIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
const heapBytes = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  x: [number, number, number, number];
  f: [number, number];
  outC: number;
  s: number | [number, number];
  pad: Pad;
  round?: 'floor' | 'round' | 'ceil';
}

/** Output size and leading padding along one dimension, from TensorFlow's definitions (independent of tfjs). */
function outAndPad(size: number, f: number, s: number, pad: Pad, dim: 1 | 2, round?: Case['round']): { out: number; before: number } {
  if (pad === 'same') {
    const out = Math.ceil(size / s);
    return { out, before: Math.floor(Math.max((out - 1) * s + f - size, 0) / 2) };
  }
  if (pad === 'valid') return { out: Math.ceil((size - f + 1) / s), before: 0 };
  if (typeof pad === 'number') {
    const q = (size + 2 * pad - f) / s;
    const r = round === 'ceil' ? Math.ceil(q) : round === 'round' ? Math.round(q) : Math.floor(q);
    return { out: r + 1, before: pad };
  }
  const [b, a] = pad[dim];
  return { out: Math.floor((size + b + a - f) / s) + 1, before: b };
}

/** dW[a,b,c,o] = Σ_{n,i,j} x[n, i·sh + a − top, j·sw + b − left, c] · dy[n,i,j,o] in float64, and Σ of the terms' magnitudes. */
function reference(x: Float32Array, c: Case, dy: Float32Array, dyShape: number[], top: number, left: number) {
  const [N, H, W, C] = c.x;
  const [, OH, OW, O] = dyShape;
  const [fh, fw] = c.f;
  const [sh, sw] = typeof c.s === 'number' ? [c.s, c.s] : c.s;
  const dW = new Float64Array(fh * fw * C * O),
    mag = new Float64Array(fh * fw * C * O);
  for (let a = 0; a < fh; a++)
    for (let b = 0; b < fw; b++)
      for (let ch = 0; ch < C; ch++)
        for (let o = 0; o < O; o++) {
          let s = 0,
            m = 0;
          for (let n = 0; n < N; n++)
            for (let i = 0; i < OH; i++)
              for (let j = 0; j < OW; j++) {
                const xi = i * sh + a - top,
                  xj = j * sw + b - left;
                if (xi < 0 || xi >= H || xj < 0 || xj >= W) continue;
                const t = x[((n * H + xi) * W + xj) * C + ch] * dy[((n * OH + i) * OW + j) * O + o];
                s += t;
                m += Math.abs(t);
              }
          const k = ((a * fw + b) * C + ch) * O + o;
          dW[k] = s;
          mag[k] = m;
        }
  return { dW, mag };
}

function setup(c: Case, seed: number) {
  const [N, H, W, C] = c.x;
  const [sh, sw] = typeof c.s === 'number' ? [c.s, c.s] : c.s;
  const v = outAndPad(H, c.f[0], sh, c.pad, 1, c.round),
    h = outAndPad(W, c.f[1], sw, c.pad, 2, c.round);
  const dyShape = [N, v.out, h.out, c.outC];
  const x = rand(prod(c.x), seed),
    dy = rand(prod(dyShape), seed + 1);
  const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.round, filterShape: [c.f[0], c.f[1], C, c.outC] };
  return { x, dy, dyShape, attrs, ref: reference(x, c, dy, dyShape, v.before, h.before) };
}

/** Calls a kernel function directly on the wasm backend and reads (then frees) its output. */
function callDirect(kernel: tf.KernelFunc, x: tf.Tensor, dy: tf.Tensor, attrs: Record<string, unknown>): { shape: number[]; values: Float32Array } {
  const backend = tf.backend() as unknown as { readSync(id: unknown): Float32Array; disposeData(id: unknown): boolean };
  const out = kernel({ inputs: { x, dy }, attrs, backend } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  try {
    return { shape: out.shape, values: backend.readSync(out.dataId).slice() };
  } finally {
    backend.disposeData(out.dataId);
  }
}

function expectMatchesReference(got: Float32Array, ref: { dW: Float64Array; mag: Float64Array }) {
  expect(got.length).toBe(ref.dW.length);
  let scale = 0;
  for (const v of ref.dW) scale = Math.max(scale, Math.abs(v));
  for (let k = 0; k < got.length; k++) {
    // float32 rounding grows with the terms' magnitudes, not with a sum that may cancel
    const err = Math.abs(got[k] - ref.dW[k]);
    if (err > 1e-4 * Math.max(ref.mag[k], 1e-30) || err > 1e-4 * scale)
      throw new Error(`dW[${k}]: got ${got[k]}, expected ${ref.dW[k]} (Σ|terms| ${ref.mag[k]})`);
  }
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-4) {
  expect(actual.length).toBe(expected.length);
  let scale = 0,
    worst = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThanOrEqual(rel * scale);
}

const CASES: Case[] = [
  { x: [2, 5, 5, 1], f: [3, 3], outC: 4, s: 1, pad: 'same' },
  { x: [3, 6, 6, 3], f: [3, 3], outC: 4, s: 2, pad: 'same' },
  { x: [2, 7, 5, 3], f: [4, 4], outC: 4, s: 2, pad: 'same' },
  { x: [4, 8, 8, 1], f: [4, 4], outC: 4, s: 2, pad: 'valid' },
  { x: [5, 9, 7, 3], f: [3, 2], outC: 4, s: 1, pad: 'valid' },
  { x: [2, 6, 7, 3], f: [3, 3], outC: 4, s: 2, pad: 1 },
  { x: [3, 6, 7, 1], f: [3, 3], outC: 4, s: 2, pad: 1, round: 'ceil' },
  {
    x: [3, 5, 6, 1],
    f: [2, 3],
    outC: 4,
    s: [1, 2],
    pad: [
      [0, 0],
      [1, 0],
      [2, 1],
      [0, 0],
    ],
  },
  // runs of fw·inC ≥ 64 floats: the im2col copies them with copyWithin
  { x: [2, 6, 6, 32], f: [3, 3], outC: 4, s: 2, pad: 'same' },
  // inC 6: the portable loop's blocks of four channels and the remainder
  { x: [3, 7, 8, 6], f: [3, 4], outC: 4, s: [2, 1], pad: 'same' },
  // filter larger than the input with 'same' (rows entirely in the padding)
  { x: [2, 3, 2, 3], f: [5, 4], outC: 4, s: 1, pad: 'same' },
];
const label = (c: Case) =>
  `x [${c.x}], filter ${c.f.join('×')}, stride ${c.s}, pad ${JSON.stringify(c.pad)}${c.round ? ` (${c.round})` : ''}`.replaceAll('"', '');

beforeAll(() => {
  expect(tf.getBackend()).toBe('wasm');
});
afterAll(() => use(PATHS[0]));

describe('Conv2DBackpropFilter on wasm against the float64 definition', () => {
  for (const path of PATHS) {
    it(`${path}: dW over strides 1 and 2, pad same / valid / explicit, inC 1, 3, 6 and 32, odd and even sizes`, () => {
      const kernel = conv2dBackpropFilterKernel(blasFor(path));
      CASES.forEach((c, ci) => {
        const { x, dy, dyShape, attrs, ref } = setup(c, 100 + 2 * ci);
        const tx = tf.tensor4d(x, c.x),
          tdy = tf.tensor(dy, dyShape);
        try {
          const got = callDirect(kernel, tx, tdy, attrs);
          expect(got.shape, label(c)).toEqual([c.f[0], c.f[1], c.x[3], c.outC]);
          expectMatchesReference(got.values, ref);
        } catch (e) {
          throw new Error(`${label(c)}: ${(e as Error).message}`);
        } finally {
          tf.dispose([tx, tdy]);
        }
      });
    });

    it(`${path}: the registered kernel, through the engine, gives the same`, () => {
      use(path);
      expect(wasmKernelFixesRegistered()[CONV2D_BACKPROP_FILTER]).toBe(true);
      const c = CASES[2];
      const { x, dy, dyShape, attrs, ref } = setup(c, 7);
      const got = tf.tidy(() =>
        (
          tf
            .engine()
            .runKernel(CONV2D_BACKPROP_FILTER, { x: tf.tensor4d(x, c.x), dy: tf.tensor(dy, dyShape) }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor
        ).dataSync(),
      );
      expectMatchesReference(got as Float32Array, ref);
    });
  }

  it.skipIf(!native.blas)('native: the im2col scratch split into chunks of rows (sgemm with beta = 1) gives the same dW', () => {
    const c: Case = { x: [3, 7, 6, 3], f: [3, 3], outC: 4, s: 2, pad: 'same' };
    const { x, dy, dyShape, attrs, ref } = setup(c, 31);
    const tx = tf.tensor4d(x, c.x),
      tdy = tf.tensor(dy, dyShape);
    const K = 3 * 3 * 3,
      R = 3 * 4 * 3;
    try {
      // one row, a chunk not dividing R, a chunk splitting an image, R − 1 rows, and more than needed
      for (const maxFloats of [1, 5 * K + 3, 7 * K, (R - 1) * K, 10 * R * K]) {
        const got = callDirect(conv2dBackpropFilterKernel(native.blas, maxFloats), tx, tdy, attrs);
        expectMatchesReference(got.values, ref);
      }
    } finally {
      tf.dispose([tx, tdy]);
    }
  });

  it('rejects NCHW with one clear error, and a dy that does not fit x and the filter', () => {
    const kernel = conv2dBackpropFilterKernel(null);
    const tx = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D,
      tdy = tf.zeros([1, 2, 2, 3]);
    try {
      const attrs = { strides: 2, pad: 'same', dimRoundingMode: undefined, filterShape: [3, 3, 2, 3] };
      expect(() => callDirect(kernel, tx, tdy, { ...attrs, dataFormat: 'NCHW' })).toThrow(/supports dataFormat 'NHWC' only, got 'NCHW'/);
      expect(() => callDirect(kernel, tx, tdy, { ...attrs, dataFormat: 'NHWC', strides: 1 })).toThrow(/dy has shape \[1,2,2,3\], expected \[1,4,4,3\]/);
      expect(callDirect(kernel, tx, tdy, { ...attrs, dataFormat: 'NHWC' }).shape).toEqual([3, 3, 2, 3]);
    } finally {
      tf.dispose([tx, tdy]);
    }
  });
});

/** dx[n, i·sh + a − top, j·sw + b − left, c] = Σ_{a,b,o} dy[n,i,j,o] · W[a,b,c,o] in float64 (taps in the padding dropped), and Σ|terms|. */
function inputReference(w: Float32Array, c: Case, dy: Float32Array, dyShape: number[], top: number, left: number) {
  const [N, H, W, C] = c.x;
  const [, OH, OW, O] = dyShape;
  const [fh, fw] = c.f;
  const [sh, sw] = typeof c.s === 'number' ? [c.s, c.s] : c.s;
  const dx = new Float64Array(N * H * W * C),
    mag = new Float64Array(N * H * W * C);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++)
        for (let a = 0; a < fh; a++)
          for (let b = 0; b < fw; b++) {
            const xi = i * sh + a - top,
              xj = j * sw + b - left;
            if (xi < 0 || xi >= H || xj < 0 || xj >= W) continue;
            for (let ch = 0; ch < C; ch++)
              for (let o = 0; o < O; o++) {
                const t = dy[((n * OH + i) * OW + j) * O + o] * w[((a * fw + b) * C + ch) * O + o];
                const k = ((n * H + xi) * W + xj) * C + ch;
                dx[k] += t;
                mag[k] += Math.abs(t);
              }
          }
  return { dW: dx, mag };
}

describe.skipIf(!native.blas)('Conv2DBackpropInput on wasm (native: sgemm + col2im) against the float64 definition', () => {
  /** Calls the input-gradient kernel directly; the stock kernel must not be reached for these float32 NHWC inputs. */
  const callInput = (kernel: tf.KernelFunc, dy: tf.Tensor, filter: tf.Tensor, attrs: Record<string, unknown>) => {
    const backend = tf.backend() as unknown as { readSync(id: unknown): Float32Array; disposeData(id: unknown): boolean };
    const out = kernel({ inputs: { dy, filter }, attrs, backend } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    try {
      return { shape: out.shape, values: backend.readSync(out.dataId).slice() };
    } finally {
      backend.disposeData(out.dataId);
    }
  };
  const stockUnused = (() => {
    throw new Error('the stock kernel was called');
  }) as unknown as tf.KernelFunc;

  it('dx over strides 1 and 2, pad same / valid / explicit, inC 1, 3, 6 and 32, odd and even sizes, whole and in chunks of rows', () => {
    CASES.forEach((c, ci) => {
      const [sh, sw] = typeof c.s === 'number' ? [c.s, c.s] : c.s;
      const v = outAndPad(c.x[1], c.f[0], sh, c.pad, 1, c.round),
        h = outAndPad(c.x[2], c.f[1], sw, c.pad, 2, c.round);
      const dyShape = [c.x[0], v.out, h.out, c.outC];
      const wShape = [c.f[0], c.f[1], c.x[3], c.outC];
      const dy = rand(prod(dyShape), 300 + ci),
        w = rand(prod(wShape), 400 + ci);
      const ref = inputReference(w, c, dy, dyShape, v.before, h.before);
      const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.round, inputShape: c.x };
      const tdy = tf.tensor(dy, dyShape),
        tw = tf.tensor(w, wShape);
      try {
        // whole, and rows split into chunks of 1 and of 5 (later chunks add into dx)
        for (const maxFloats of [undefined, prod(c.f) * c.x[3], 5 * prod(c.f) * c.x[3]]) {
          const got = callInput(conv2dBackpropInputKernel(native.blas, stockUnused, maxFloats), tdy, tw, attrs);
          expect(got.shape, label(c)).toEqual(c.x);
          expectMatchesReference(got.values, ref);
        }
      } catch (e) {
        throw new Error(`${label(c)}: ${(e as Error).message}`);
      } finally {
        tf.dispose([tdy, tw]);
      }
    });
  });

  it('is the registered kernel (also the forward pass of conv2dTranspose), and leaves no buffers behind', () => {
    use('native');
    expect(wasmKernelFixesRegistered()[CONV2D_BACKPROP_INPUT]).toBe(true);
    const run = () =>
      tf.tidy(() => tf.conv2dTranspose(tf.ones([2, 3, 3, 4]) as tf.Tensor4D, tf.ones([4, 4, 1, 4]) as tf.Tensor4D, [2, 6, 6, 1], 2, 'same').dataSync());
    // all ones, stride 2, pad 1 before: output pixel (0, j) is reached by 1 tap row (a = 1) and by
    // 1 tap column at j = 0 and 5, 2 elsewhere; 4 input channels each
    const got = Array.from(run().slice(0, 6));
    expect(got).toEqual([4, 8, 8, 8, 8, 4]);
    const ids = backendIds();
    for (let i = 0; i < 5; i++) run();
    expect(backendIds()).toBe(ids);
  });
});

/** Gradients of Σ r ⊙ conv2d(x, w) and Σ r ⊙ conv2dTranspose(h, w) (r fixed random weights) with respect to the filter (and the input). */
function convGrads(seed: number) {
  const xShape: [number, number, number, number] = [3, 8, 8, 2],
    wShape: [number, number, number, number] = [4, 4, 2, 5];
  const x = rand(prod(xShape), seed),
    w = rand(prod(wShape), seed + 1),
    r = rand(3 * 4 * 4 * 5, seed + 2);
  const hShape: [number, number, number, number] = [3, 4, 4, 5],
    tShape: [number, number, number, number] = [4, 4, 2, 5]; // conv2dTranspose filter: [fh, fw, outDepth, inDepth]
  const h = rand(prod(hShape), seed + 3),
    wt = rand(prod(tShape), seed + 4),
    rt = rand(prod(xShape), seed + 5);
  return () =>
    tf.tidy(() => {
      const tx = tf.tensor4d(x, xShape),
        tw = tf.tensor4d(w, wShape),
        tr = tf.tensor4d(r, [3, 4, 4, 5]);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), tr)))([tx, tw]);
      const dwOnly = tf.grad((b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(tx, b as tf.Tensor4D, [1, 2], 'valid'), tf.ones([3, 5, 3, 5]))))(tw);
      const th = tf.tensor4d(h, hShape),
        twt = tf.tensor4d(wt, tShape),
        trt = tf.tensor4d(rt, xShape);
      const dwt = tf.grad((b: tf.Tensor) => tf.sum(tf.mul(tf.conv2dTranspose(th, b as tf.Tensor4D, xShape, 2, 'same'), trt)))(twt);
      return { dx: dx.dataSync(), dw: dw.dataSync(), dwOnly: dwOnly.dataSync(), dwt: dwt.dataSync() };
    });
}

describe('filter gradients of tf.conv2d and tf.conv2dTranspose on wasm', () => {
  it('the stock wasm backend lacks Conv2DBackpropFilter (if this fails, tfjs added it: compare, and maybe drop ours)', () => {
    restoreStockWasmKernels();
    try {
      expect(tf.getKernel(CONV2D_BACKPROP_FILTER, 'wasm')).toBeUndefined();
      expect(() => convGrads(1)()).toThrow(/Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'/);
    } finally {
      use(PATHS[0]);
    }
  });

  for (const path of PATHS) {
    it(`${path}: tf.grad through conv2d (with the input gradient, stride 2 same; stride [1, 2] valid) and conv2dTranspose equals the cpu backend`, async () => {
      use(path);
      const run = convGrads(11);
      const got = run();
      const ref = await onCpu(run);
      expectClose(got.dx, ref.dx);
      expectClose(got.dw, ref.dw);
      expectClose(got.dwOnly, ref.dwOnly);
      expectClose(got.dwt, ref.dwt);
    });

    it(`${path}: repeated gradients leave no tensors, no backend buffers, and no heap growth behind`, () => {
      use(path);
      const run = convGrads(21);
      run();
      const tensors = tf.memory().numTensors,
        ids = backendIds(),
        heap = heapBytes();
      for (let i = 0; i < 10; i++) run();
      expect(tf.memory().numTensors).toBe(tensors);
      expect(backendIds()).toBe(ids);
      expect(heapBytes()).toBe(heap);
    });
  }

  it.skipIf(!native.blas)('native: the im2col scratch is freed after each call, also in chunks', () => {
    const c: Case = { x: [4, 12, 12, 3], f: [4, 4], outC: 4, s: 2, pad: 'same' };
    const { x, dy, dyShape, attrs } = setup(c, 41);
    const tx = tf.tensor4d(x, c.x),
      tdy = tf.tensor(dy, dyShape);
    try {
      for (const maxFloats of [1000, 1 << 26]) {
        const kernel = conv2dBackpropFilterKernel(native.blas, maxFloats);
        callDirect(kernel, tx, tdy, attrs);
        const ids = backendIds(),
          heap = heapBytes();
        for (let i = 0; i < 10; i++) callDirect(kernel, tx, tdy, attrs);
        expect(backendIds()).toBe(ids);
        expect(heapBytes()).toBe(heap);
      }
    } finally {
      tf.dispose([tx, tdy]);
    }
  });
});
