/**
 * Fast transposed matmuls on the wasm backend (measured in ../shared/BACKENDS.md and
 * bench/wasmMatmul.ts). The stock BatchMatMul/_FusedMatMul kernels run at 1–4 GFLOP/s when
 * transposeA or transposeB is set (a slow path in the C++), against 25–50 GFLOP/s without the
 * flags; every matmul gradient sets one of them. The wrappers here make real transposed copies and
 * call the stock kernel with the flags off:
 *
 * - "inputs" plan: C = op(A)·op(B) with the flagged operands transposed first.
 * - "output" plan (BatchMatMul only): C = (op(B)ᵀ·op(A)ᵀ)ᵀ, transposing the unflagged operands and
 *   the product instead. For a gradient dX = dY·Wᵀ with a small batch this moves far fewer bytes
 *   than transposing the weight matrix. The plan with fewer elements moved (transposed copies plus
 *   the right-hand operand, which XNNPACK packs on every call) is chosen.
 *
 * Transposes use the wasm Transpose kernel (~0.3–0.7 ns per element), except when the row count
 * is a multiple of 128: its strided writes then hit the same cache sets and it slows to 3–7 ns per
 * element, and a tiled JavaScript loop over the heap (~1.5 ns per element) is used instead.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's BackendWasm used by the kernel fixes. */
export interface WasmLikeBackend {
  disposeData(dataId: unknown, force?: boolean): boolean;
  incRef(dataId: unknown): void;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A view of the tensor's bytes on the wasm heap; invalidated when the heap grows (any allocation). */
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}
/** BackendWasm's heap and the heap offset of each tensor's data, for kernels that call the native addon. */
export interface WasmHeapBackend extends WasmLikeBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: unknown): { memoryOffset: number } | undefined };
}

/** Float offset of a tensor's data on the wasm heap (unsigned: the heap may exceed 2 GB); `who` names the kernel in the error. */
export function floatOffset(be: WasmHeapBackend, t: tf.TensorInfo, who = 'wasm kernel'): number {
  const d = be.dataIdMap.get(t.dataId);
  if (!d) throw new Error(`${who}: a tensor is not on the wasm backend`);
  return d.memoryOffset >>> 2;
}
export type KernelArgs = { inputs: Record<string, tf.TensorInfo | undefined>; backend: WasmLikeBackend; attrs: Record<string, unknown> };
type StockArgs = Parameters<tf.KernelFunc>[0];

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

export type TransposeMethod = 'reshape' | 'js' | 'wasm';

/** How transposeLastTwo copies a tensor of this shape (exported for tests). */
export function transposeMethod(shape: number[]): TransposeMethod {
  const r = shape.length;
  if (shape[r - 1] === 1 || shape[r - 2] === 1) return 'reshape';
  return shape[r - 2] % 128 === 0 ? 'js' : 'wasm';
}

/** [..., m, n] → [..., n, m] by a tiled loop over the heap (8×8 tiles). */
function transposeJs(x: tf.TensorInfo, shape: number[], backend: WasmLikeBackend): tf.TensorInfo {
  const r = x.shape.length;
  const m = x.shape[r - 2],
    n = x.shape[r - 1];
  const batch = size(x.shape.slice(0, r - 2));
  const out = backend.makeOutput(shape, x.dtype);
  // views only after the allocation: makeOutput can grow the heap and detach older views
  const src = backend.typedArrayFromHeap(x),
    dst = backend.typedArrayFromHeap(out);
  const T = 8;
  for (let p = 0, base = 0; p < batch; p++, base += m * n) {
    for (let i0 = 0; i0 < m; i0 += T) {
      const i1 = Math.min(i0 + T, m);
      for (let j0 = 0; j0 < n; j0 += T) {
        const j1 = Math.min(j0 + T, n);
        for (let i = i0; i < i1; i++) {
          for (let j = j0, s = base + i * n + j0, d = base + j0 * m + i; j < j1; j++, s++, d += m) dst[d] = src[s];
        }
      }
    }
  }
  return out;
}

/**
 * [..., m, n] → [..., n, m] (batch dims kept) as a new buffer that the caller releases with
 * backend.disposeData. When m or n is 1 the bytes are already in transposed order, so it only
 * adds a reference to the same buffer under the new shape (as the wasm Reshape kernel does).
 */
export function transposeLastTwo(x: tf.TensorInfo, backend: WasmLikeBackend): tf.TensorInfo {
  const r = x.shape.length;
  if (r < 2) throw new Error(`matMul: expected a tensor of rank ≥ 2, got shape [${x.shape}]`);
  const shape = [...x.shape.slice(0, r - 2), x.shape[r - 1], x.shape[r - 2]];
  switch (transposeMethod(x.shape)) {
    case 'reshape':
      backend.incRef(x.dataId);
      return { dataId: x.dataId, shape, dtype: x.dtype };
    case 'js':
      return transposeJs(x, shape, backend);
    case 'wasm': {
      const transpose = tf.getKernel('Transpose', 'wasm');
      if (!transpose) throw new Error('wasm Transpose kernel not registered');
      const perm = [...Array(r - 2).keys(), r - 1, r - 2];
      return transpose.kernelFunc({ inputs: { x }, backend: backend as unknown as tf.KernelBackend, attrs: { perm } }) as tf.TensorInfo;
    }
  }
}

export type MatMulPlan = 'stock' | 'inputs' | 'output';

/**
 * Which way BatchMatMul computes op(A)·op(B) for these shapes and flags (exported for tests).
 * Cost = elements copied by transposes + elements of the right-hand operand (packed by XNNPACK).
 */
export function matMulPlan(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean, allowOutput = true): MatMulPlan {
  if (!transposeA && !transposeB) return 'stock';
  if (!allowOutput) return 'inputs';
  const ra = aShape.length,
    rb = bShape.length;
  const m = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const n = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  const batch = Math.max(size(aShape.slice(0, -2)), size(bShape.slice(0, -2)));
  const sa = size(aShape),
    sb = size(bShape),
    sc = batch * m * n;
  const viaInputs = (transposeA ? sa : 0) + (transposeB ? sb : 0) + sb;
  const viaOutput = (transposeA ? 0 : sa) + (transposeB ? 0 : sb) + sa + sc;
  return viaOutput < viaInputs ? 'output' : 'inputs';
}

/** Runs another wasm kernel directly (not through the engine), as the stock kernels do. */
function runWasmKernel(name: string, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>, backend: WasmLikeBackend): tf.TensorInfo {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm ${name} kernel not registered`);
  return k.kernelFunc({ inputs, attrs, backend: backend as unknown as tf.KernelBackend } as unknown as StockArgs) as tf.TensorInfo;
}

/** The wasm kernel applying each fusable activation, and its extra inputs/attrs. */
export function activationKernel(activation: string, args: KernelArgs): [string, Record<string, tf.TensorInfo>, Record<string, unknown>] | null {
  switch (activation) {
    case 'linear':
      return null;
    case 'relu':
      return ['Relu', {}, {}];
    case 'relu6':
      return ['Relu6', {}, {}];
    case 'elu':
      return ['Elu', {}, {}];
    case 'sigmoid':
      return ['Sigmoid', {}, {}];
    case 'leakyrelu':
      return ['LeakyRelu', {}, { alpha: (args.attrs.leakyreluAlpha as number | undefined) ?? 0.2 }];
    case 'prelu':
      return ['Prelu', { alpha: args.inputs.preluActivationWeights as tf.TensorInfo }, {}];
    default:
      throw new Error(`${activation} activation not yet supported for _FusedMatMul in the wasm backend`);
  }
}

/**
 * Wraps a stock wasm matmul kernel. For BatchMatMul both plans; _FusedMatMul's bias, activation
 * and PReLU weights apply to C itself, so it always transposes its inputs. The stock _FusedMatMul
 * also adds the bias wrongly when the output has more than one batch (tfjs 4.22: every row after
 * the first of each batch gets the bias' last element); there the bias and activation are applied
 * by the wasm Add and activation kernels after a bias-free, linear fused matmul.
 */
export function explicitTransposeMatMul(stock: tf.KernelConfig, kernelName: 'BatchMatMul' | '_FusedMatMul'): (args: KernelArgs) => tf.TensorInfo {
  const fused = kernelName === '_FusedMatMul';
  return (args: KernelArgs) => {
    const { transposeA = false, transposeB = false } = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    const { a, b, bias } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo | null };
    const plan = matMulPlan(a.shape, b.shape, transposeA, transposeB, !fused);
    const batchBias = fused && bias != null && Math.max(size(a.shape.slice(0, -2)), size(b.shape.slice(0, -2))) > 1;
    // no flags and nothing to repair, or dtypes the stock kernel rejects anyway (it throws before we make copies)
    if ((plan === 'stock' && !batchBias) || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return stock.kernelFunc(args as unknown as StockArgs) as tf.TensorInfo;
    }
    const { backend } = args;
    const temps: tf.TensorInfo[] = [];
    const keep = (t: tf.TensorInfo) => (temps.push(t), t);
    const copy = (x: tf.TensorInfo) => keep(transposeLastTwo(x, backend));
    /** The stock kernel without flags; bias, PReLU weights, activation and leakyreluAlpha pass through. */
    const run = (x: tf.TensorInfo, y: tf.TensorInfo) => {
      const inputs = batchBias ? { a: x, b: y } : { ...args.inputs, a: x, b: y };
      const attrs = { ...args.attrs, transposeA: false, transposeB: false, ...(batchBias ? { activation: 'linear' } : {}) };
      return stock.kernelFunc({ ...args, inputs, attrs } as unknown as StockArgs) as tf.TensorInfo;
    };
    try {
      if (plan === 'output') {
        // C = (op(B)ᵀ · op(A)ᵀ)ᵀ, where op(B)ᵀ is B itself when transposeB and so on
        const ct = keep(run(transposeB ? b : copy(b), transposeA ? a : copy(a)));
        return transposeLastTwo(ct, backend);
      }
      const act = batchBias ? activationKernel((args.attrs.activation as string | undefined) ?? 'linear', args) : null;
      const c = run(transposeA ? copy(a) : a, transposeB ? copy(b) : b);
      if (!batchBias) return c;
      keep(c);
      const withBias = runWasmKernel('Add', { a: c, b: bias as tf.TensorInfo }, {}, backend);
      if (!act) return withBias;
      keep(withBias);
      return runWasmKernel(act[0], { x: withBias, ...act[1] }, act[2], backend);
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}
