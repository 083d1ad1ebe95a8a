/**
 * Cheap versions of the small ops at the end of every MI step (the MINE/DV bound's tail), where the
 * engine's fixed cost per kernel call, not arithmetic, is the price (`npm run bench -- --profile`):
 *
 * - detach(x): x's value with no gradient, as a new tensor on the same buffer that the tape does not
 *   connect to x. A stop-gradient built with tf.customGrad (zero gradient) stays on the tape, so
 *   backpropagation still walks everything upstream of it with zeros; after detach the engine prunes
 *   that part of the graph.
 * - logMeanExp(v) = log((1/n) Σ e^{v_i}) for a 1-D v: one kernel forward and one backward on wasm
 *   (tf.logSumExp is ~8 kernels forward and ~20 backward), computed as tfjs does (max subtracted
 *   first) with a float64 sum. Other backends, and second-order gradients, get the tf.logSumExp
 *   composite.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs, WasmLikeBackend } from './wasmMatMul.js';

export const LOG_MEAN_EXP = 'InfoboundLogMeanExp';
export const LOG_MEAN_EXP_GRAD = 'InfoboundLogMeanExpGrad';

interface EngineLike {
  state: { gradientDepth: number };
  backend: { incRef(dataId: unknown): void };
  makeTensorFromDataId(dataId: unknown, shape: number[], dtype: tf.DataType): tf.Tensor;
}

/** x's value as a tensor the gradient tape does not connect to x (a stop-gradient). */
export function detach<T extends tf.Tensor>(x: T): T {
  const e = tf.engine() as unknown as EngineLike;
  e.backend.incRef(x.dataId);
  return e.makeTensorFromDataId(x.dataId, x.shape, x.dtype) as T;
}

/** log of the mean of exp over a float32 vector, as tfjs' logSumExp orders it: m + log Σ e^{v−m} − log n. */
function logMeanExpOf(v: Float32Array): number {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) if (v[i] > m || Number.isNaN(v[i])) m = v[i];
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.exp(v[i] - m);
  return m + Math.log(s) - Math.log(v.length);
}

function forwardKernel(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype !== 'float32' || x.shape.length !== 1 || x.shape[0] < 1)
    throw new Error(`logMeanExp: expected a non-empty float32 vector, got ${x.dtype} [${x.shape}]`);
  const out = args.backend.makeOutput([], 'float32');
  // views after the last allocation (makeOutput can grow the heap)
  const v = args.backend.typedArrayFromHeap(x) as Float32Array;
  (args.backend.typedArrayFromHeap(out) as Float32Array)[0] = logMeanExpOf(v);
  return out;
}

/** dv_i = dy · e^{v_i − y − log n}, the softmax of v scaled by dy (y = logMeanExp(v)). */
function gradKernel(args: KernelArgs): tf.TensorInfo {
  const { dy, x, y } = args.inputs as Record<string, tf.TensorInfo>;
  const backend: WasmLikeBackend = args.backend;
  const out = backend.makeOutput(x.shape, 'float32');
  const v = backend.typedArrayFromHeap(x) as Float32Array,
    o = backend.typedArrayFromHeap(out) as Float32Array;
  const g = (backend.typedArrayFromHeap(dy) as Float32Array)[0],
    lse = (backend.typedArrayFromHeap(y) as Float32Array)[0] + Math.log(v.length);
  for (let i = 0; i < v.length; i++) o[i] = g * Math.exp(v[i] - lse);
  return out;
}

/** The wasm kernels (JavaScript on the heap: the vectors are a batch long). */
export const logMeanExpKernels = { forward: forwardKernel as unknown as tf.KernelFunc, backward: gradKernel as unknown as tf.KernelFunc };

let gradientRegistered = false;

/** Registers the op's gradient (once per process; the kernels are registered per backend). */
export function registerLogMeanExpGradient(): void {
  if (gradientRegistered || tf.getGradient(LOG_MEAN_EXP)) return;
  tf.registerGradient({
    kernelName: LOG_MEAN_EXP,
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const [x, y] = saved;
      return { x: () => tf.engine().runKernel(LOG_MEAN_EXP_GRAD, { dy: dy as tf.Tensor, x, y }) as tf.Tensor };
    },
  });
  gradientRegistered = true;
}

/** log((1/n) Σ_i e^{v_i}) of a 1-D tensor, stable for large entries. */
export function logMeanExp(v: tf.Tensor1D): tf.Scalar {
  const e = tf.engine() as unknown as EngineLike;
  if (tf.getKernel(LOG_MEAN_EXP, tf.getBackend()) !== undefined && e.state.gradientDepth <= 1 && v.rank === 1 && v.size > 0 && v.dtype === 'float32') {
    return tf.engine().runKernel(LOG_MEAN_EXP, { x: v }) as tf.Scalar;
  }
  return tf.sub(tf.logSumExp(v), Math.log(v.shape[0])) as tf.Scalar;
}
