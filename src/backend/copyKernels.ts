/**
 * Data-movement kernels for the wasm backend as plain copy loops on the heap, where the stock ones
 * are slow on the small tensors of an MI step:
 * - GatherV2: the stock wasm kernel took ~40 µs to gather 64 rows of 20 floats (an Add of the same
 *   size takes ~3 µs); every MI step gathers once (MINE's shuffled marginal pairs). Same semantics:
 *   any axis and batchDims (tfjs' collectGatherOpShapeInfo), an index outside [0, dim) is an error.
 * - Concat: the stock kernel copies each row of each input through a new typed-array view
 *   (subarray + set), ~0.1 µs per row; a concat critic joins [x, y] row by row on every pass.
 *   Short rows are copied element by element here.
 * Dtypes other than float32/int32/bool go to the stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs } from './wasmMatMul.js';

/** The gather kernel, with `stock` for the dtypes it does not handle. */
export function gatherKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    if (!['float32', 'int32', 'bool'].includes(x.dtype) || indices.dtype !== 'int32') return stock(args as unknown as Parameters<tf.KernelFunc>[0]);
    const { axis, batchDims } = args.attrs as { axis: number; batchDims: number };
    const parsedAxis = tf.util.parseAxisParam(axis, x.shape)[0];
    const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(x as tf.Tensor, indices as tf.Tensor, parsedAxis, batchDims);
    const numIdx = tf.util.sizeFromShape(indices.shape) / Math.max(info.batchSize, 1);
    const out = args.backend.makeOutput(info.outputShape, x.dtype);
    if (tf.util.sizeFromShape(info.outputShape) === 0) return out;
    // views after the allocation (makeOutput can grow the heap)
    const src = args.backend.typedArrayFromHeap(x),
      idx = args.backend.typedArrayFromHeap(indices),
      dst = args.backend.typedArrayFromHeap(out);
    const { batchSize, outerSize, dimSize, sliceSize } = info;
    for (let i = 0; i < idx.length; i++) {
      if (!(idx[i] >= 0 && idx[i] < dimSize)) {
        args.backend.disposeData(out.dataId);
        throw new Error(`GatherV2: the index value ${idx[i]} is not in [0, ${dimSize - 1}]`);
      }
    }
    let d = 0;
    for (let b = 0; b < batchSize; b++) {
      for (let o = 0; o < outerSize; o++) {
        const base = (b * outerSize + o) * dimSize * sliceSize;
        for (let i = 0; i < numIdx; i++) {
          const s = base + idx[b * numIdx + i] * sliceSize;
          copyRun(dst, d, src, s, sliceSize);
          d += sliceSize;
        }
      }
    }
    return out;
  }) as unknown as tf.KernelFunc;
}

/** Copies `len` elements from src[s…] to dst[d…]: element by element for short runs, by a view otherwise. */
function copyRun(dst: Float32Array | Int32Array | Uint8Array, d: number, src: Float32Array | Int32Array | Uint8Array, s: number, len: number): void {
  if (len > 64) dst.set(src.subarray(s, s + len), d);
  else for (let k = 0; k < len; k++) dst[d + k] = src[s + k];
}

/** The concat kernel (any axis; empty inputs skipped as the stock kernel does), `stock` for other dtypes. */
export function concatKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const inputs = (Array.isArray(args.inputs) ? args.inputs : Object.values(args.inputs)) as tf.TensorInfo[];
    const dtype = inputs[0]?.dtype;
    if (!dtype || !['float32', 'int32', 'bool'].includes(dtype) || inputs.some((t) => t.dtype !== dtype))
      return stock(args as unknown as Parameters<tf.KernelFunc>[0]);
    const axis = tf.util.parseAxisParam(args.attrs.axis as number, inputs[0].shape)[0];
    tf.backend_util.assertParamsConsistent(
      inputs.map((t) => t.shape),
      axis,
    );
    const outShape = tf.backend_util.computeOutShape(
      inputs.map((t) => t.shape),
      axis,
    );
    const parts = inputs.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
    if (parts.length === 1) {
      args.backend.incRef(parts[0].dataId);
      return { dataId: parts[0].dataId, shape: outShape, dtype };
    }
    const out = args.backend.makeOutput(outShape, dtype);
    if (tf.util.sizeFromShape(outShape) === 0) return out;
    const rows = tf.util.sizeFromShape(parts[0].shape.slice(0, axis));
    const inner = parts.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)));
    const total = inner.reduce((a, b) => a + b, 0);
    // views after the allocation (makeOutput can grow the heap)
    const srcs = parts.map((t) => args.backend.typedArrayFromHeap(t));
    const dst = args.backend.typedArrayFromHeap(out);
    for (let p = 0, col = 0; p < parts.length; col += inner[p], p++) {
      const src = srcs[p],
        len = inner[p];
      for (let r = 0; r < rows; r++) copyRun(dst, r * total + col, src, r * len, len);
    }
    return out;
  }) as unknown as tf.KernelFunc;
}
