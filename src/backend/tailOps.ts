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
 * - logMovingAverage(prev, batch, r) = log((1−r)·e^{prev} + r·e^{batch}), or batch when prev is NaN
 *   (no batch seen yet): MINE's moving average of E_Q[e^T] in log space (Belghazi et al. §3.2) as
 *   one kernel instead of ~16 (stack, adds, logSumExp, isNaN, where).
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs, WasmLikeBackend } from './wasmMatMul.js';

export const LOG_MEAN_EXP = 'InfoboundLogMeanExp';
export const LOG_MEAN_EXP_GRAD = 'InfoboundLogMeanExpGrad';
export const LOG_MOVING_AVERAGE = 'InfoboundLogMovingAverage';

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
export function logMeanExpOf(v: Float32Array): number {
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

/** log((1−r)e^p + r·e^b) in float64, max first; b when p is NaN. */
export function logMovingAverageOf(p: number, b: number, r: number): number {
  if (Number.isNaN(p)) return b;
  const u = p + Math.log(1 - r),
    v = b + Math.log(r);
  const m = Math.max(u, v);
  return m === -Infinity || Number.isNaN(m) ? m : m + Math.log(Math.exp(u - m) + Math.exp(v - m));
}

function movingAverageKernel(args: KernelArgs): tf.TensorInfo {
  const { prev, batch } = args.inputs as Record<string, tf.TensorInfo>;
  for (const t of [prev, batch])
    if (t.dtype !== 'float32' || t.shape.length !== 0) throw new Error(`logMovingAverage: expected float32 scalars, got ${t.dtype} [${t.shape}]`);
  const out = args.backend.makeOutput([], 'float32');
  const p = (args.backend.typedArrayFromHeap(prev) as Float32Array)[0],
    b = (args.backend.typedArrayFromHeap(batch) as Float32Array)[0];
  (args.backend.typedArrayFromHeap(out) as Float32Array)[0] = logMovingAverageOf(p, b, args.attrs.rate as number);
  return out;
}

/** The wasm kernels (JavaScript on the heap: the vectors are a batch long). */
export const logMeanExpKernels = { forward: forwardKernel as unknown as tf.KernelFunc, backward: gradKernel as unknown as tf.KernelFunc };
export const logMovingAverageKernel = movingAverageKernel as unknown as tf.KernelFunc;

let gradientRegistered = false;

/** Registers the ops' gradients (once per process; the kernels are registered per backend). */
export function registerTailGradients(): void {
  if (gradientRegistered || tf.getGradient(LOG_MEAN_EXP)) return;
  // ∂/∂prev = (1−r)e^{prev−y}, ∂/∂batch = r·e^{batch−y} (y the output); 0 and 1 while prev is NaN
  tf.registerGradient({
    kernelName: LOG_MOVING_AVERAGE,
    inputsToSave: ['prev', 'batch'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [prev, batch, y] = saved;
      const r = (attrs as unknown as { rate: number }).rate;
      const fresh = tf.isNaN(prev);
      return {
        prev: () => tf.where(fresh, tf.zerosLike(prev), tf.mul(dy as tf.Tensor, tf.exp(tf.sub(tf.add(prev, Math.log(1 - r)), y)))),
        batch: () => tf.where(fresh, tf.onesLike(batch), tf.mul(dy as tf.Tensor, tf.exp(tf.sub(tf.add(batch, Math.log(r)), y)))),
      };
    },
  });
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

/** log((1−r)·e^{prev} + r·e^{batch}) of two scalars, or batch when prev is NaN (MINE's moving average in log space). */
export function logMovingAverage(prev: tf.Scalar, batch: tf.Scalar, rate: number): tf.Scalar {
  if (!(rate > 0 && rate <= 1)) throw new Error(`logMovingAverage: rate must be in (0, 1], got ${rate}`);
  const e = tf.engine() as unknown as EngineLike;
  if (
    tf.getKernel(LOG_MOVING_AVERAGE, tf.getBackend()) !== undefined &&
    e.state.gradientDepth <= 1 &&
    prev.dtype === 'float32' &&
    batch.dtype === 'float32' &&
    prev.rank === 0 &&
    batch.rank === 0
  ) {
    return tf.engine().runKernel(LOG_MOVING_AVERAGE, { prev, batch }, { rate }) as tf.Scalar;
  }
  const mixed = tf.logSumExp(tf.stack([tf.add(prev, Math.log(1 - rate)), tf.add(batch, Math.log(rate))]));
  return tf.where(tf.isNaN(prev), batch, mixed) as tf.Scalar;
}
