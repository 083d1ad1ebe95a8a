/**
 * wasm kernels backed by native OpenBLAS (src/backend/nativeBlas.ts): BatchMatMul and _FusedMatMul
 * call cblas_sgemm directly on the operands' float32 data in the wasm heap, transposes passed as
 * sgemm flags (no transposed copies), and a fused Adam update (kernel "InfoboundAdam") replaces
 * tfjs Adam's ~13 element-wise kernels per variable by one pass.
 *
 * The heap's ArrayBuffer is taken at every call, after the output is allocated: allocation can
 * grow wasm memory, which replaces the buffer. Outputs are new tensors (never in-place writes), so
 * tfjs' copy semantics and the wasm kernels' caches keyed by tensor id stay valid.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeBlas } from './nativeBlas.js';
import { activationKernel, type KernelArgs, type WasmLikeBackend } from './wasmMatMul.js';

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

/** The float offset of a tensor's data in the heap, and the heap's current buffer. */
function heapOf(backend: WasmLikeBackend, t: tf.TensorInfo): { buf: ArrayBufferLike; off: number } {
  const v = backend.typedArrayFromHeap(t);
  return { buf: v.buffer, off: v.byteOffset >> 2 };
}

function runWasmKernel(name: string, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>, backend: WasmLikeBackend): tf.TensorInfo {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm ${name} kernel not registered`);
  return k.kernelFunc({ inputs, attrs, backend: backend as unknown as tf.KernelBackend } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}

/**
 * For each output batch index, the float offsets (in units of whole matrices) of A's and B's
 * matrices, broadcasting batch dims as numpy does (aligned from the right, size 1 repeats).
 */
export function batchOffsets(aBatch: number[], bBatch: number[], outBatch: number[]): { a: number[]; b: number[] } {
  const r = outBatch.length;
  const pad = (s: number[]) => [...Array(r - s.length).fill(1), ...s];
  const ab = pad(aBatch),
    bb = pad(bBatch);
  const total = size(outBatch);
  const a: number[] = [],
    b: number[] = [];
  for (let p = 0; p < total; p++) {
    let rem = p,
      pa = 0,
      pb = 0,
      sa = 1,
      sb = 1;
    for (let d = r - 1; d >= 0; d--) {
      const idx = rem % outBatch[d];
      rem = Math.floor(rem / outBatch[d]);
      pa += (ab[d] === 1 ? 0 : idx) * sa;
      pb += (bb[d] === 1 ? 0 : idx) * sb;
      sa *= ab[d];
      sb *= bb[d];
    }
    a.push(pa);
    b.push(pb);
  }
  return { a, b };
}

/**
 * C = op(A)·op(B) (+ bias, activation for _FusedMatMul) by sgemm on the heap. Non-float32 inputs
 * go to `fallback` (the portable kernel). Bias broadcast along rows (shape [n], [1, n], …) and
 * ReLU are applied in one native pass; other bias shapes and activations by the wasm kernels.
 */
export function blasMatMul(
  blas: NativeBlas,
  fallback: (args: KernelArgs) => tf.TensorInfo,
  kernelName: 'BatchMatMul' | '_FusedMatMul',
): (args: KernelArgs) => tf.TensorInfo {
  const fused = kernelName === '_FusedMatMul';
  return (args: KernelArgs) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const bias = fused ? (args.inputs.bias ?? null) : null;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || (bias && bias.dtype !== 'float32')) return fallback(args);
    const { transposeA = false, transposeB = false } = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    const activation = fused ? ((args.attrs.activation as string | undefined) ?? 'linear') : 'linear';
    const ra = a.shape.length,
      rb = b.shape.length;
    if (ra < 2 || rb < 2) throw new Error(`${kernelName}: operands must have rank ≥ 2, got [${a.shape}] and [${b.shape}]`);
    const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    if (k !== kb) {
      throw new Error(
        `${kernelName}: inner dimensions must agree: a [${a.shape}] (transposeA ${transposeA}) and b [${b.shape}] (transposeB ${transposeB}) give ${k} and ${kb}`,
      );
    }
    const aBatch = a.shape.slice(0, -2),
      bBatch = b.shape.slice(0, -2);
    const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(aBatch, bBatch);
    const batch = size(outBatch);
    const { backend } = args;
    const out = backend.makeOutput([...outBatch, m, n], 'float32');
    const A = heapOf(backend, a),
      B = heapOf(backend, b),
      C = heapOf(backend, out);
    const na = size(aBatch),
      nb = size(bBatch);
    if ((na === 1 || na === batch) && (nb === 1 || nb === batch)) {
      // one call: each operand is either broadcast whole (stride 0) or has one matrix per batch
      blas.sgemm(C.buf, transposeA, transposeB, m, n, k, A.off, B.off, C.off, batch, na === 1 ? 0 : m * k, nb === 1 ? 0 : k * n, m * n, 1, 0);
    } else {
      const offs = batchOffsets(aBatch, bBatch, outBatch);
      for (let p = 0; p < batch; p++)
        blas.sgemm(C.buf, transposeA, transposeB, m, n, k, A.off + offs.a[p] * m * k, B.off + offs.b[p] * k * n, C.off + p * m * n, 1, 0, 0, 0, 1, 0);
    }
    if (!fused || (bias === null && activation === 'linear')) return out;

    const rowBias =
      bias !== null && bias.shape.length >= 1 && bias.shape[bias.shape.length - 1] === n && size(bias.shape) === n && bias.shape.length <= 2 + outBatch.length;
    if ((bias === null || rowBias) && (activation === 'relu' || activation === 'linear')) {
      const Bias = bias ? heapOf(backend, bias) : null;
      blas.biasAct(C.buf, C.off, batch * m, n, Bias ? Bias.off : -1, activation === 'relu' ? 1 : 0);
      return out;
    }
    const temps: tf.TensorInfo[] = [out];
    try {
      let c = out;
      if (bias) temps.push((c = runWasmKernel('Add', { a: c, b: bias }, {}, backend)));
      const act = activationKernel(activation, args);
      if (!act) {
        temps.pop();
        return c;
      }
      return runWasmKernel(act[0], { x: c, ...act[1] }, act[2], backend);
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}

/** Name of the fused Adam kernel (inputs x, m, v, g, accBeta1, accBeta2; outputs x', m', v'). */
export const ADAM_KERNEL = 'InfoboundAdam';

/**
 * One Adam step for one variable as a kernel with three new outputs (x', m', v'); attrs learningRate,
 * beta1, beta2, epsilon; accBeta1/accBeta2 are the optimizer's scalar variables β1ᵗ, β2ᵗ, read on
 * the heap (no device-to-host sync).
 */
export function blasAdam(blas: NativeBlas): (args: KernelArgs) => tf.TensorInfo[] {
  return (args: KernelArgs) => {
    const { x, m, v, g, accBeta1, accBeta2 } = args.inputs as Record<string, tf.TensorInfo>;
    for (const [name, t] of Object.entries({ x, m, v, g })) {
      if (t.dtype !== 'float32') throw new Error(`${ADAM_KERNEL}: ${name} must be float32, got ${t.dtype}`);
      if (size(t.shape) !== size(x.shape)) throw new Error(`${ADAM_KERNEL}: ${name} has shape [${t.shape}], expected the variable's [${x.shape}]`);
    }
    const { learningRate, beta1, beta2, epsilon } = args.attrs as Record<string, number>;
    const { backend } = args;
    const outs = [backend.makeOutput(x.shape, 'float32'), backend.makeOutput(x.shape, 'float32'), backend.makeOutput(x.shape, 'float32')];
    const [X, M, V, G] = [x, m, v, g].map((t) => heapOf(backend, t));
    const acc1 = backend.typedArrayFromHeap(accBeta1)[0],
      acc2 = backend.typedArrayFromHeap(accBeta2)[0];
    const [X2, M2, V2] = outs.map((t) => heapOf(backend, t));
    blas.adam(X2.buf, X.off, M.off, V.off, G.off, X2.off, M2.off, V2.off, size(x.shape), learningRate, beta1, beta2, epsilon, acc1, acc2);
    return outs;
  };
}

/**
 * Name of the in-place Adam kernel: inputs accBeta1, accBeta2 and, for each variable k < count,
 * x{k}, m{k}, v{k}, g{k}; attrs count, learningRate, beta1, beta2, epsilon; no outputs. It WRITES
 * x, m, v and the β powers in place (native/blas.c adamMany): the caller (fusedAdam.ts) runs it
 * only when no other tensor shares those buffers.
 */
export const ADAM_IN_PLACE_KERNEL = 'InfoboundAdamInPlace';

export function blasAdamInPlace(blas: NativeBlas): (args: KernelArgs) => tf.TensorInfo[] {
  return (args: KernelArgs) => {
    const { backend, inputs } = args;
    const { count, learningRate, beta1, beta2, epsilon } = args.attrs as Record<string, number>;
    const off = (name: string) => {
      const t = inputs[name];
      if (t?.dtype !== 'float32') throw new Error(`${ADAM_IN_PLACE_KERNEL}: input ${name} missing or not float32`);
      return heapOf(backend, t);
    };
    const plan = new Float64Array(7 + 8 * count);
    plan.set([count, learningRate, beta1, beta2, epsilon, off('accBeta1').off, off('accBeta2').off]);
    let buf: ArrayBufferLike | null = null;
    for (let k = 0; k < count; k++) {
      const x = inputs[`x${k}`] as tf.TensorInfo;
      for (const name of [`m${k}`, `v${k}`, `g${k}`]) {
        const t = inputs[name];
        if (t && size(t.shape) !== size(x.shape))
          throw new Error(`${ADAM_IN_PLACE_KERNEL}: ${name} has shape [${t.shape}], expected the variable's [${x.shape}]`);
      }
      const [X, M, V, G] = [`x${k}`, `m${k}`, `v${k}`, `g${k}`].map(off);
      buf = X.buf;
      plan.set([size(x.shape), X.off, M.off, V.off, G.off, X.off, M.off, V.off], 7 + 8 * k);
    }
    blas.adamMany(buf ?? heapOf(backend, inputs.accBeta1 as tf.TensorInfo).buf, plan);
    return [];
  };
}
