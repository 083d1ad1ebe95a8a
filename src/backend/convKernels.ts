/**
 * Convolution gradients for the wasm backend.
 *
 * Conv2DBackpropFilter, which tfjs-backend-wasm 4.22 lacks: without it the filter gradient of
 * tf.conv2d and tf.conv2dTranspose fails on wasm ("Kernel 'Conv2DBackpropFilter' not
 * registered"), so no conv net trains there.
 *
 * dW[a, b, c, o] = Σ_{n,i,j} x[n, i·sh + a − padTop, j·sw + b − padLeft, c] · dy[n, i, j, o]
 * (NHWC, dilations 1, out-of-range x taken as 0), the semantics of the cpu backend's kernel.
 *
 * - With the native addon: im2col of x into a scratch tensor on the wasm heap, cols [R, K] with
 *   R = N·OH·OW rows and K = fh·fw·inC, then dW [K, outC] = colsᵀ·dy [R, outC] by one OpenBLAS
 *   sgemm (transA, so no transposed copy). When cols would exceed `maxScratchFloats`, rows are
 *   processed in chunks, the later sgemm calls accumulating with beta = 1.
 * - Without it: a JavaScript loop, tap by tap over (n, i, j) and the input channels with the output
 *   channel innermost (contiguous in dy and dW), accumulating in float64; no scratch on the heap.
 *
 * Conv2DBackpropInput with the native addon: one sgemm into the same cols layout, then col2im
 * (nativeInputKernel below); without the addon the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeBlas } from './nativeBlas.js';
import { type KernelArgs, type WasmHeapBackend, floatOffset } from './wasmMatMul.js';

export const CONV2D_BACKPROP_FILTER = 'Conv2DBackpropFilter';
export const CONV2D_BACKPROP_INPUT = 'Conv2DBackpropInput';

/** 64M floats (256 MB): the largest im2col scratch before the rows are split into chunks. */
export const DEFAULT_MAX_SCRATCH_FLOATS = 64 * 1024 * 1024;

interface Geometry {
  n: number;
  h: number;
  w: number;
  inC: number;
  oh: number;
  ow: number;
  outC: number;
  fh: number;
  fw: number;
  sh: number;
  sw: number;
  top: number;
  left: number;
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * Checks the attrs and dy's shape against x's and the filter's and derives the geometry (output
 * size and padding as computeConv2DInfo gives them); `kernel` names the kernel in errors.
 */
function convGeometry(
  kernel: string,
  xShape: number[],
  filterShape: [number, number, number, number],
  dy: tf.TensorInfo,
  attrs: ConvAttrs,
  dtypes: tf.TensorInfo[],
): Geometry {
  const { strides, pad, dataFormat, dimRoundingMode } = attrs;
  if (dataFormat !== undefined && dataFormat !== 'NHWC') throw new Error(`${kernel} on wasm supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  if (dtypes.some((t) => t.dtype !== 'float32')) throw new Error(`${kernel} on wasm: inputs must be float32, got ${dtypes.map((t) => t.dtype).join(' and ')}`);
  if (xShape.length !== 4 || dy.shape.length !== 4) throw new Error(`${kernel}: x and dy must be rank 4, got [${xShape}] and [${dy.shape}]`);
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const expected = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (dy.shape.some((d, i) => d !== expected[i])) {
    throw new Error(`${kernel}: dy has shape [${dy.shape}], expected [${expected}] for x [${xShape}] and filter [${filterShape}]`);
  }
  if (filterShape[2] !== info.inChannels) throw new Error(`${kernel}: filter depth ${filterShape[2]} differs from x's ${info.inChannels} channels`);
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    inC: info.inChannels,
    oh: info.outHeight,
    ow: info.outWidth,
    outC: info.outChannels,
    fh: info.filterHeight,
    fw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/** Conv2DBackpropFilter's geometry: inputs {x, dy}, attrs with filterShape. */
function geometry(args: KernelArgs): Geometry {
  const { x, dy } = args.inputs as { x?: tf.TensorInfo; dy?: tf.TensorInfo };
  if (!x || !dy) throw new Error(`${CONV2D_BACKPROP_FILTER}: inputs x and dy are required`);
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  return convGeometry(CONV2D_BACKPROP_FILTER, x.shape, attrs.filterShape, dy, attrs, [x, dy]);
}

/**
 * im2col of rows r0 … r0 + rows − 1 (row r = (n·OH + i)·OW + j) into heap[colOff …]: row-major
 * [rows, fh·fw·inC], a tap's inC channels contiguous, zeros where the tap falls into the padding.
 * For a fixed tap row the in-range taps read one contiguous run of x (dilation 1).
 */
function im2col(heap: Float32Array, g: Geometry, xOff: number, colOff: number, r0: number, rows: number): void {
  const { h, w, inC, oh, ow, fh, fw, sh, sw, top, left } = g;
  const tapRow = fw * inC;
  // (n, i, j) of row r0, then counted up (no divisions per row)
  let j = r0 % ow,
    i = Math.floor(r0 / ow) % oh,
    n = Math.floor(r0 / (ow * oh));
  for (let r = 0, dst = colOff; r < rows; r++) {
    const x0 = j * sw - left; // x column of tap b = 0
    const bLo = Math.max(0, -x0),
      bHi = Math.max(bLo, Math.min(fw, w - x0));
    const lo = bLo * inC,
      hi = bHi * inC;
    const imageRow0 = xOff + (n * h * w + x0) * inC; // x[n, 0, x0, 0]
    for (let a = 0; a < fh; a++, dst += tapRow) {
      const xi = i * sh + a - top;
      if (xi < 0 || xi >= h) {
        for (let k = 0; k < tapRow; k++) heap[dst + k] = 0;
        continue;
      }
      for (let k = 0; k < lo; k++) heap[dst + k] = 0;
      const src = imageRow0 + xi * w * inC;
      // copyWithin is a memmove, but for short runs (inC = 1: fw floats) its call costs more than a loop
      if (hi - lo >= 64) heap.copyWithin(dst + lo, src + lo, src + hi);
      else for (let k = lo; k < hi; k++) heap[dst + k] = heap[src + k];
      for (let k = hi; k < tapRow; k++) heap[dst + k] = 0;
    }
    if (++j === ow) {
      j = 0;
      if (++i === oh) {
        i = 0;
        n++;
      }
    }
  }
}

/**
 * Runs `body` over rows [0, R) in chunks whose cols scratch (rows × K floats) stays within
 * `maxScratchFloats`, the scratch on the wasm heap at `colOff`. The heap view is taken after the
 * scratch is allocated (allocation can grow the heap and replace its buffer; tensor offsets stay).
 * The scratch is always freed; `out` too if `body` throws (the engine never sees it then).
 */
function overColChunks(
  be: WasmHeapBackend,
  out: tf.TensorInfo,
  R: number,
  K: number,
  maxScratchFloats: number,
  body: (heap: Float32Array, buf: ArrayBufferLike, colOff: number, r0: number, rows: number) => void,
): void {
  const chunk = Math.min(R, Math.max(1, Math.floor(maxScratchFloats / K)));
  const cols = be.makeOutput([chunk, K], 'float32');
  try {
    const colOff = floatOffset(be, cols, 'conv kernels');
    const buf = be.wasm.HEAPU8.buffer;
    const heap = new Float32Array(buf, 0, buf.byteLength >>> 2);
    for (let r0 = 0; r0 < R; r0 += chunk) body(heap, buf, colOff, r0, Math.min(chunk, R - r0));
  } catch (e) {
    be.disposeData(out.dataId);
    throw e;
  } finally {
    be.disposeData(cols.dataId);
  }
}

function nativeKernel(blas: NativeBlas, maxScratchFloats: number) {
  return (args: KernelArgs): tf.TensorInfo => {
    const be = args.backend as WasmHeapBackend;
    const g = geometry(args);
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const K = g.fh * g.fw * g.inC,
      R = g.n * g.oh * g.ow;
    const out = be.makeOutput([g.fh, g.fw, g.inC, g.outC], 'float32');
    if (R === 0 || K === 0 || g.outC === 0) {
      (be.typedArrayFromHeap(out) as Float32Array).fill(0);
      return out;
    }
    const xOff = floatOffset(be, x, 'conv kernels'),
      dyOff = floatOffset(be, dy, 'conv kernels'),
      outOff = floatOffset(be, out, 'conv kernels');
    overColChunks(be, out, R, K, maxScratchFloats, (heap, buf, colOff, r0, rows) => {
      im2col(heap, g, xOff, colOff, r0, rows);
      // dW[K, outC] (+)= cols[rows, K]ᵀ · dy[r0 : r0 + rows, outC]
      blas.sgemm(buf, true, false, K, g.outC, rows, colOff, dyOff + r0 * g.outC, outOff, 1, 0, 0, 0, 1, r0 === 0 ? 0 : 1);
    });
    return out;
  };
}

function portableKernel(args: KernelArgs): tf.TensorInfo {
  const be = args.backend;
  const g = geometry(args);
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { n: N, h, w, inC, oh, ow, outC, fh, fw, sh, sw, top, left } = g;
  const out = be.makeOutput([fh, fw, inC, outC], 'float32');
  const xs = be.typedArrayFromHeap(x) as Float32Array,
    dys = be.typedArrayFromHeap(dy) as Float32Array;
  // Tap by tap: the tap's block of dW (inC·outC) stays in cache while all (n, i, j) add to it;
  // four input channels per pass over a dy row (2.6x faster than one at inC = 64).
  const acc = new Float64Array(fh * fw * inC * outC);
  for (let a = 0; a < fh; a++) {
    // output rows i whose tap row i·sh + a − top lies in x (and likewise columns j)
    const iLo = Math.max(0, Math.ceil((top - a) / sh)),
      iHi = Math.min(oh, Math.ceil((h + top - a) / sh));
    for (let b = 0; b < fw; b++) {
      const jLo = Math.max(0, Math.ceil((left - b) / sw)),
        jHi = Math.min(ow, Math.ceil((w + left - b) / sw));
      const tap = (a * fw + b) * inC * outC;
      for (let n = 0; n < N; n++) {
        for (let i = iLo; i < iHi; i++) {
          const xi = i * sh + a - top;
          for (let j = jLo; j < jHi; j++) {
            const xb = ((n * h + xi) * w + j * sw + b - left) * inC,
              db = ((n * oh + i) * ow + j) * outC;
            let c = 0;
            for (; c + 4 <= inC; c += 4) {
              const x0 = xs[xb + c],
                x1 = xs[xb + c + 1],
                x2 = xs[xb + c + 2],
                x3 = xs[xb + c + 3];
              const r0 = tap + c * outC,
                r1 = r0 + outC,
                r2 = r1 + outC,
                r3 = r2 + outC;
              for (let q = 0; q < outC; q++) {
                const d = dys[db + q];
                acc[r0 + q] += x0 * d;
                acc[r1 + q] += x1 * d;
                acc[r2 + q] += x2 * d;
                acc[r3 + q] += x3 * d;
              }
            }
            for (; c < inC; c++) {
              const xv = xs[xb + c],
                r = tap + c * outC;
              for (let q = 0; q < outC; q++) acc[r + q] += xv * dys[db + q];
            }
          }
        }
      }
    }
  }
  (be.typedArrayFromHeap(out) as Float32Array).set(acc);
  return out;
}

/**
 * The Conv2DBackpropFilter kernel for the wasm backend: im2col + OpenBLAS sgemm with `blas`, the
 * JavaScript loop without it. `maxScratchFloats` bounds the im2col scratch (tests lower it to
 * exercise the chunked accumulation).
 */
export function conv2dBackpropFilterKernel(blas: NativeBlas | null, maxScratchFloats = DEFAULT_MAX_SCRATCH_FLOATS): tf.KernelFunc {
  if (!(maxScratchFloats >= 1)) throw new Error(`conv2dBackpropFilterKernel: maxScratchFloats must be ≥ 1, got ${maxScratchFloats}`);
  const f = blas ? nativeKernel(blas, maxScratchFloats) : portableKernel;
  return f as unknown as tf.KernelFunc;
}

/**
 * col2im: adds rows r0 … r0 + rows − 1 of cols ([rows, fh·fw·inC], the layout im2col writes) into
 * dx at the taps they came from; taps in the padding are dropped.
 */
function col2im(heap: Float32Array, g: Geometry, dxOff: number, colOff: number, r0: number, rows: number): void {
  const { h, w, inC, oh, ow, fh, fw, sh, sw, top, left } = g;
  const tapRow = fw * inC;
  let j = r0 % ow,
    i = Math.floor(r0 / ow) % oh,
    n = Math.floor(r0 / (ow * oh));
  for (let r = 0, src = colOff; r < rows; r++) {
    const x0 = j * sw - left;
    const lo = Math.max(0, -x0) * inC,
      hi = Math.max(0, Math.min(fw, w - x0)) * inC;
    const imageRow0 = dxOff + (n * h * w + x0) * inC;
    for (let a = 0; a < fh; a++, src += tapRow) {
      const xi = i * sh + a - top;
      if (xi < 0 || xi >= h) continue;
      const dst = imageRow0 + xi * w * inC;
      for (let k = lo; k < hi; k++) heap[dst + k] += heap[src + k];
    }
    if (++j === ow) {
      j = 0;
      if (++i === oh) {
        i = 0;
        n++;
      }
    }
  }
}

/**
 * Conv2DBackpropInput with the native addon: the stock wasm kernel is a direct loop (100–140 ms
 * for dy [64, 7, 7, 64] through a 4×4×32×64 filter, where the forward conv takes 10 ms), and it
 * is also the forward pass of every conv2dTranspose. Here cols [R, K] = dy [R, outC] · Wᵀ
 * (W as [K, outC]) by one sgemm, then col2im adds each row back at its taps:
 *   dx[n, i·sh + a − top, j·sw + b − left, c] += Σ_o dy[n, i, j, o] · W[a, b, c, o].
 * Inputs it does not serve (NCHW, not float32) go to the stock kernel.
 */
function nativeInputKernel(blas: NativeBlas, stock: tf.KernelFunc, maxScratchFloats: number) {
  return (args: KernelArgs): tf.TensorInfo => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
    if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC' || dy.dtype !== 'float32' || filter.dtype !== 'float32' || filter.shape.length !== 4)
      return stock(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    const be = args.backend as WasmHeapBackend;
    const g = convGeometry(CONV2D_BACKPROP_INPUT, attrs.inputShape, filter.shape as [number, number, number, number], dy, attrs, [dy, filter]);
    const K = g.fh * g.fw * g.inC,
      R = g.n * g.oh * g.ow;
    const out = be.makeOutput([g.n, g.h, g.w, g.inC], 'float32');
    (be.typedArrayFromHeap(out) as Float32Array).fill(0);
    if (R === 0 || K === 0 || g.outC === 0) return out;
    const dyOff = floatOffset(be, dy, 'conv kernels'),
      wOff = floatOffset(be, filter, 'conv kernels'),
      outOff = floatOffset(be, out, 'conv kernels');
    overColChunks(be, out, R, K, maxScratchFloats, (heap, buf, colOff, r0, rows) => {
      // cols[rows, K] = dy[r0 : r0 + rows, outC] · W[K, outC]ᵀ
      blas.sgemm(buf, false, true, rows, K, g.outC, dyOff + r0 * g.outC, wOff, colOff, 1, 0, 0, 0, 1, 0);
      col2im(heap, g, outOff, colOff, r0, rows);
    });
    return out;
  };
}

/**
 * The Conv2DBackpropInput kernel for the wasm backend: sgemm + col2im with `blas`, else the stock
 * kernel unchanged. `maxScratchFloats` bounds the cols scratch (tests lower it to split the rows).
 */
export function conv2dBackpropInputKernel(blas: NativeBlas | null, stock: tf.KernelFunc, maxScratchFloats = DEFAULT_MAX_SCRATCH_FLOATS): tf.KernelFunc {
  if (!(maxScratchFloats >= 1)) throw new Error(`conv2dBackpropInputKernel: maxScratchFloats must be ≥ 1, got ${maxScratchFloats}`);
  return blas ? (nativeInputKernel(blas, stock, maxScratchFloats) as unknown as tf.KernelFunc) : stock;
}
