/**
 * One-kernel operations on a whole set of gradients (one tensor per variable), for adaptive
 * gradient clipping (src/mi/adaptiveClip.ts) and anything else that treats a model's gradients
 * as one vector. tfjs needs two kernels per tensor for a squared norm (Square, Sum) plus AddN, and
 * two per tensor for g_a + s·g_b; here each is one kernel for the whole set (native with the addon,
 * JavaScript on the wasm heap without it; the tf composite on other backends).
 *
 * - sumOfSquares(ts) = Σ_t Σ_j t_j², accumulated in float64 and rounded once to float32.
 * - addScaled(as, bs, s) = [a_i + s·b_i] in float32 with tfjs' rounding (product, then sum).
 * Neither has a gradient: they act on gradient values. Under a gradient tape they run the composite.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeBlas } from './nativeBlas.js';
import { type KernelArgs, type WasmHeapBackend, floatOffset } from './wasmMatMul.js';

export const SUM_OF_SQUARES = 'InfoboundSumOfSquares';
export const ADD_SCALED = 'InfoboundAddScaled';

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

function listInputs(inputs: Record<string, tf.TensorInfo | undefined>, prefix: string, count: number): tf.TensorInfo[] {
  return Array.from({ length: count }, (_, i) => {
    const t = inputs[`${prefix}${i}`];
    if (t?.dtype !== 'float32') throw new Error(`gradient set op: input ${prefix}${i} missing or not float32`);
    return t;
  });
}

function sumOfSquaresKernel(blas: NativeBlas | null) {
  return (args: KernelArgs): tf.TensorInfo => {
    const be = args.backend as WasmHeapBackend;
    const xs = listInputs(args.inputs, 'x', args.attrs.count as number);
    const out = be.makeOutput([], 'float32');
    let total = 0;
    if (blas) {
      const plan = new Float64Array(1 + 2 * xs.length);
      plan[0] = xs.length;
      xs.forEach((x, i) => plan.set([floatOffset(be, x, 'gradient set op'), size(x.shape)], 1 + 2 * i));
      total = blas.sumSquares(be.wasm.HEAPU8.buffer, plan);
    } else {
      for (const x of xs) {
        const v = be.typedArrayFromHeap(x);
        for (let j = 0; j < v.length; j++) total += v[j] * v[j];
      }
    }
    (be.typedArrayFromHeap(out) as Float32Array)[0] = total;
    return out;
  };
}

function addScaledKernel(blas: NativeBlas | null) {
  return (args: KernelArgs): tf.TensorInfo[] => {
    const be = args.backend as WasmHeapBackend;
    const count = args.attrs.count as number;
    const as = listInputs(args.inputs, 'a', count),
      bs = listInputs(args.inputs, 'b', count);
    as.forEach((a, i) => {
      if (size(a.shape) !== size(bs[i].shape)) throw new Error(`addScaled: a${i} [${a.shape}] and b${i} [${bs[i].shape}] differ in size`);
    });
    const outs = as.map((a) => be.makeOutput(a.shape, 'float32'));
    const s = (be.typedArrayFromHeap(args.inputs.scale as tf.TensorInfo) as Float32Array)[0];
    if (blas) {
      const plan = new Float64Array(2 + 4 * count);
      plan.set([count, s]);
      as.forEach((a, i) =>
        plan.set(
          [floatOffset(be, a, 'gradient set op'), floatOffset(be, bs[i], 'gradient set op'), floatOffset(be, outs[i], 'gradient set op'), size(a.shape)],
          2 + 4 * i,
        ),
      );
      blas.axpyMany(be.wasm.HEAPU8.buffer, plan);
    } else {
      const sf = Math.fround(s);
      as.forEach((a, i) => {
        const av = be.typedArrayFromHeap(a),
          bv = be.typedArrayFromHeap(bs[i]),
          o = be.typedArrayFromHeap(outs[i]);
        for (let j = 0; j < o.length; j++) o[j] = av[j] + Math.fround(sf * bv[j]);
      });
    }
    return outs;
  };
}

/** The two kernels for the wasm backend (native with `blas`). */
export function gradientSetKernels(blas: NativeBlas | null): { sumOfSquares: tf.KernelFunc; addScaled: tf.KernelFunc } {
  const native = blas && typeof blas.sumSquares === 'function' && typeof blas.axpyMany === 'function' ? blas : null;
  return { sumOfSquares: sumOfSquaresKernel(native) as unknown as tf.KernelFunc, addScaled: addScaledKernel(native) as unknown as tf.KernelFunc };
}

const fused = (name: string) => {
  const state = (tf.engine() as unknown as { state: { gradientDepth: number } }).state;
  return tf.getKernel(name, tf.getBackend()) !== undefined && state.gradientDepth === 0;
};

/** Σ over the tensors of the sum of their squared entries (a squared global norm), as a scalar. */
export function sumOfSquares(ts: tf.Tensor[]): tf.Scalar {
  if (ts.length === 0) return tf.scalar(0);
  if (fused(SUM_OF_SQUARES) && ts.every((t) => t.dtype === 'float32')) {
    const inputs: Record<string, tf.Tensor> = {};
    ts.forEach((t, i) => (inputs[`x${i}`] = t));
    return tf.engine().runKernel(SUM_OF_SQUARES, inputs, { count: ts.length }) as tf.Scalar;
  }
  return tf.addN(ts.map((t) => tf.sum(tf.square(t)))) as tf.Scalar;
}

/** [a_i + scale·b_i] for paired tensors of equal shape. */
export function addScaled(as: tf.Tensor[], bs: tf.Tensor[], scale: tf.Scalar): tf.Tensor[] {
  if (as.length !== bs.length) throw new Error(`addScaled: ${as.length} tensors a but ${bs.length} tensors b`);
  as.forEach((a, i) => {
    if (a.shape.join('x') !== bs[i].shape.join('x')) throw new Error(`addScaled: a${i} has shape [${a.shape}], b${i} [${bs[i].shape}]`);
  });
  if (as.length === 0) return [];
  if (fused(ADD_SCALED) && [...as, ...bs, scale].every((t) => t.dtype === 'float32') && scale.size === 1) {
    const inputs: Record<string, tf.Tensor> = { scale };
    as.forEach((a, i) => {
      inputs[`a${i}`] = a;
      inputs[`b${i}`] = bs[i];
    });
    const out = tf.engine().runKernel(ADD_SCALED, inputs, { count: as.length });
    return Array.isArray(out) ? out : [out];
  }
  return as.map((a, i) => tf.add(a, tf.mul(bs[i], scale)));
}
