/**
 * The concat critic's first layer on all pairs as one kernel each way on wasm:
 *   out[i·m + j] = relu(a_i + c_j),   a = x·W₁ₓ + b₁ [n, h],  c = y·W₁ᵧ [m, h],
 * so an all-pairs critic (ReMINE's protocol: every (x_i, y_j) of a batch) never builds the
 * [n·m, h] pre-activation: as tfjs ops it is a broadcast Add and a Relu forward, and Step,
 * Multiply and two reductions backward, each a pass over n·m·h floats (`npm run bench -- --profile`
 * on mi-matrix64: ~3.5 ms of a 25 ms step). Here the forward is one pass and the backward one pass
 * that masks the incoming gradient by out > 0 and sums it over j (for a) and over i (for c):
 *   da_i = Σ_j dout_ij ⊙ 1[out_ij > 0],   dc_j = Σ_i dout_ij ⊙ 1[out_ij > 0].
 * The values equal tfjs' (a float32 add rounds the same); the sums run in float64 (native/blas.c
 * pairSumRelu and pairSumReluGrad; with the addon only).
 *
 * pairSumRelu returns null where the kernels cannot serve (another backend, the wasm backend
 * without the addon, nested gradients, non-float32 inputs): the caller then uses tfjs ops.
 */
import * as tf from '@tensorflow/tfjs';
import { engineInternals, lastTapeNode, shareKept, tapeMode, wantedInputs } from './tapeNode.js';
import type { NativeBlas } from './nativeBlas.js';
import { type KernelArgs, type WasmHeapBackend, floatOffset } from './wasmMatMul.js';

export const PAIR_SUM_RELU = 'InfoboundPairSumRelu';
export const PAIR_SUM_RELU_GRAD = 'InfoboundPairSumReluGrad';

function forwardKernel(blas: NativeBlas, args: KernelArgs): tf.TensorInfo {
  const { a, c } = args.inputs as Record<string, tf.TensorInfo>;
  const [n, h] = a.shape,
    m = c.shape[0];
  if (a.shape.length !== 2 || c.shape.length !== 2 || c.shape[1] !== h)
    throw new Error(`pairSumRelu: a [n, h] and c [m, h] expected, got [${a.shape}] and [${c.shape}]`);
  const be = args.backend;
  const out = be.makeOutput([n * m, h], 'float32');
  const hb = be as WasmHeapBackend;
  blas.pairSumRelu(
    hb.wasm.HEAPU8.buffer,
    Float64Array.of(floatOffset(hb, a, 'pair sum relu'), floatOffset(hb, c, 'pair sum relu'), floatOffset(hb, out, 'pair sum relu'), n, m, h),
  );
  return out;
}

function backwardKernel(blas: NativeBlas, args: KernelArgs): tf.TensorInfo[] {
  const { dy, out } = args.inputs as Record<string, tf.TensorInfo>;
  const { n, m, needA, needC } = args.attrs as { n: number; m: number; needA: boolean; needC: boolean };
  const h = out.shape[1];
  const be = args.backend;
  const outs: tf.TensorInfo[] = [];
  const dA = needA ? be.makeOutput([n, h], 'float32') : null;
  const dC = needC ? be.makeOutput([m, h], 'float32') : null;
  if (dA) outs.push(dA);
  if (dC) outs.push(dC);
  const hb = be as WasmHeapBackend;
  const off = (t: tf.TensorInfo | null) => (t ? floatOffset(hb, t, 'pair sum relu') : -1);
  blas.pairSumReluGrad(
    hb.wasm.HEAPU8.buffer,
    Float64Array.of(floatOffset(hb, dy, 'pair sum relu'), floatOffset(hb, out, 'pair sum relu'), off(dA), off(dC), n, m, h),
  );
  return outs;
}

/**
 * The wasm kernels, native only (null without an addon that has them): as JavaScript loops on the
 * heap the two passes took ~18 ms at mi-matrix64's size, slower than the tf ops they replace.
 */
export function pairSumReluKernels(blas: NativeBlas | null): { forward: tf.KernelFunc; backward: tf.KernelFunc } | null {
  const native = blas && typeof blas.pairSumRelu === 'function' && typeof blas.pairSumReluGrad === 'function' ? blas : null;
  if (!native) return null;
  return {
    forward: ((args: KernelArgs) => forwardKernel(native, args)) as unknown as tf.KernelFunc,
    backward: ((args: KernelArgs) => backwardKernel(native, args)) as unknown as tf.KernelFunc,
  };
}

const isMatrix = (t: tf.Tensor) => t.rank === 2 && t.size > 0 && t.dtype === 'float32';

/** relu(a_i + c_j) for every pair, [n·m, h] with row i·m + j; null where the kernels cannot serve. */
export function pairSumRelu(a: tf.Tensor2D, c: tf.Tensor2D): tf.Tensor2D | null {
  if (tf.getKernel(PAIR_SUM_RELU, tf.getBackend()) === undefined) return null;
  if (!isMatrix(a) || !isMatrix(c) || a.shape[1] !== c.shape[1]) return null;
  const e = engineInternals();
  const mode = tapeMode(e);
  if (mode === 'nested') return null;
  const inputs: Record<string, tf.Tensor> = { a, c };
  const out = e.runKernel(PAIR_SUM_RELU, inputs, {}) as tf.Tensor2D;
  if (mode === 'off') return out;

  const node = lastTapeNode(e, out, 'pairSumRelu');
  const saved = shareKept(e, out);
  node.saved = [saved];
  const [n, m] = [a.shape[0], c.shape[0]];
  node.gradient = function (this: { inputs?: Record<string, tf.Tensor> } | undefined, dys: (tf.Tensor | null)[]) {
    const want = wantedInputs(this, inputs);
    const needA = 'a' in want,
      needC = 'c' in want;
    const dy = dys[0] ?? tf.zerosLike(out);
    const g = needA || needC ? (e.runKernel(PAIR_SUM_RELU_GRAD, { dy, out: saved }, { n, m, needA, needC }) as tf.Tensor[]) : [];
    const map: Record<string, () => tf.Tensor> = {};
    let k = 0;
    if (needA) {
      const t = g[k++];
      map.a = () => t;
    }
    if (needC) {
      const t = g[k++];
      map.c = () => t;
    }
    return map;
  };
  return out;
}
