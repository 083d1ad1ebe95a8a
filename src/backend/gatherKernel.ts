/**
 * GatherV2 for the wasm backend as a copy loop on the heap. The stock wasm kernel took ~40 µs to
 * gather 64 rows of 20 floats (an Add of the same size takes ~3 µs), and every MI step gathers
 * once (MINE's shuffled marginal pairs, src/train/criticScores.ts). Same semantics as the stock
 * kernel: any axis and batchDims (tfjs' collectGatherOpShapeInfo), an index outside [0, dim) is an
 * error naming it; dtypes other than float32/int32/bool go to the stock kernel.
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
    const src = args.backend.typedArrayFromHeap(x), idx = args.backend.typedArrayFromHeap(indices), dst = args.backend.typedArrayFromHeap(out);
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
          if (sliceSize > 64) {
            dst.set(src.subarray(s, s + sliceSize), d);
            d += sliceSize;
          } else {
            for (let k = 0; k < sliceSize; k++) dst[d++] = src[s + k];
          }
        }
      }
    }
    return out;
  }) as unknown as tf.KernelFunc;
}
