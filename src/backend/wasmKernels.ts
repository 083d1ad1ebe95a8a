/**
 * Kernel fixes for the wasm backend under Node (measured in ../shared/BACKENDS.md):
 * 1. BatchMatMul/_FusedMatMul with transposeA/transposeB run at 1–2 GFLOP/s against ~25 without
 *    them, and every matmul gradient sets them. We transpose the flagged operand explicitly (the
 *    wasm Transpose kernel is fast) and call the stock kernel with the flags off.
 * 2. The gradient of tf.gather needs UnsortedSegmentSum, which the wasm backend lacks; a small
 *    JavaScript kernel on the wasm heap fills it.
 * Registered before tf.setBackend('wasm') so that the backend runs the stock kernels' setup
 * functions (the wrappers reuse them); registering afterwards works too, because the stock setup
 * has then already run. Every registration is marked, so calling registerWasmKernelFixes() again
 * never wraps a wrapper, and restoreStockWasmKernels() can put the stock kernels back (benchmarks).
 */
import * as tf from '@tensorflow/tfjs';

type KernelArgs = { inputs: Record<string, tf.TensorInfo | undefined>; backend: WasmLikeBackend; attrs: Record<string, unknown> };
/** The parts of tfjs-backend-wasm's BackendWasm used here. */
interface WasmLikeBackend {
  disposeData(dataId: unknown, force?: boolean): boolean;
  incRef(dataId: unknown): void;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A view of the tensor's bytes on the wasm heap; invalidated when the heap grows (any allocation). */
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}
type StockArgs = Parameters<tf.KernelFunc>[0];

/** Marks our registrations; the value is the stock config that was replaced (null if none). */
const FIX = Symbol.for('infobound.wasmKernelFixes');
type Marked = tf.KernelConfig & { [FIX]?: tf.KernelConfig | null };

const MATMUL_KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;
const ADDED_KERNELS = ['UnsortedSegmentSum'] as const;

/**
 * [..., m, n] → [..., n, m], a new buffer the caller disposes with backend.disposeData. When m or n
 * is 1 the bytes are already in transposed order, so it only reshapes (one more reference to the
 * same buffer, as the wasm Reshape kernel does); otherwise it runs the wasm Transpose kernel.
 */
function transposeLastTwo(x: tf.TensorInfo, backend: WasmLikeBackend): tf.TensorInfo {
  const r = x.shape.length;
  if (r < 2) throw new Error(`matMul: expected a tensor of rank ≥ 2, got shape [${x.shape}]`);
  const shape = [...x.shape.slice(0, r - 2), x.shape[r - 1], x.shape[r - 2]];
  if (x.shape[r - 1] === 1 || x.shape[r - 2] === 1) {
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape, dtype: x.dtype };
  }
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!transpose) throw new Error('wasm Transpose kernel not registered');
  const perm = [...Array(r - 2).keys(), r - 1, r - 2];
  return transpose.kernelFunc({ inputs: { x }, backend: backend as unknown as tf.KernelBackend, attrs: { perm } }) as tf.TensorInfo;
}

/** Wraps the stock kernel: explicit transposes of flagged operands, then the fast no-flag path. */
function explicitTransposes(kernelName: string): void {
  const current = tf.getKernel(kernelName, 'wasm') as Marked | undefined;
  if (!current) throw new Error(`wasm ${kernelName} kernel not registered (import @tensorflow/tfjs-backend-wasm first)`);
  if (FIX in current) return; // already ours
  const stock = current;
  const kernelFunc = (args: KernelArgs) => {
    const { transposeA, transposeB } = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    if (!transposeA && !transposeB) return stock.kernelFunc(args as unknown as StockArgs);
    let { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    // the stock kernels reject these anyway; fail before making copies
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return stock.kernelFunc(args as unknown as StockArgs);
    const temps: tf.TensorInfo[] = [];
    try {
      if (transposeA) temps.push((a = transposeLastTwo(a, args.backend)));
      if (transposeB) temps.push((b = transposeLastTwo(b, args.backend)));
      // every other input (bias, preluActivationWeights) and attr (activation, leakyreluAlpha) passes through
      return stock.kernelFunc({
        ...args,
        inputs: { ...args.inputs, a, b },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      } as unknown as StockArgs);
    } finally {
      for (const t of temps) args.backend.disposeData(t.dataId);
    }
  };
  const config: Marked = { kernelName, backendName: 'wasm', setupFunc: stock.setupFunc, disposeFunc: stock.disposeFunc, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
  config[FIX] = stock;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel(config);
}

/**
 * out[s, …] = Σ_{ids[i] = s} x[i, …], where segmentIds (int32) has the shape of x's leading dims
 * and output shape is [numSegments, ...x.shape[segmentIds.rank:]]. As in TensorFlow, ids outside
 * [0, numSegments) are dropped and sums accumulate in x's dtype (float32 or int32).
 */
function unsortedSegmentSum(args: KernelArgs): tf.TensorInfo {
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = args.attrs.numSegments as number;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`UnsortedSegmentSum on wasm: x must be float32 or int32, got ${x.dtype}`);
  if (segmentIds.dtype !== 'int32') throw new Error(`UnsortedSegmentSum on wasm: segmentIds must be int32, got ${segmentIds.dtype}`);
  if (!Number.isInteger(numSegments) || numSegments < 0) throw new Error(`UnsortedSegmentSum: numSegments must be a non-negative integer, got ${numSegments}`);
  const idShape = segmentIds.shape;
  if (idShape.length > x.shape.length || idShape.some((d, i) => d !== x.shape[i])) {
    throw new Error(`UnsortedSegmentSum: segmentIds shape [${idShape}] must be a prefix of x shape [${x.shape}]`);
  }
  const rows = idShape.reduce((p, d) => p * d, 1);
  const rest = x.shape.slice(idShape.length);
  const inner = rest.reduce((p, d) => p * d, 1);
  const out = args.backend.makeOutput([numSegments, ...rest], x.dtype);
  // heap views only after the last allocation (makeOutput can grow the heap and detach older views)
  const xs = args.backend.typedArrayFromHeap(x);
  const ids = args.backend.typedArrayFromHeap(segmentIds);
  const o = args.backend.typedArrayFromHeap(out);
  o.fill(0);
  for (let i = 0; i < rows; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner, dst = s * inner;
    for (let k = 0; k < inner; k++) o[dst + k] += xs[src + k];
  }
  return out;
}

/**
 * Registers the fixes for the wasm backend (requires @tensorflow/tfjs-backend-wasm to be imported).
 * Idempotent: safe to call more than once, before or after tf.setBackend('wasm').
 */
export function registerWasmKernelFixes(): void {
  for (const name of MATMUL_KERNELS) explicitTransposes(name);
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    const config: Marked = { kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc };
    config[FIX] = null;
    tf.registerKernel(config);
  }
}

/** Puts the stock wasm kernels back (and removes the added ones): for benchmarks and tests. */
export function restoreStockWasmKernels(): void {
  for (const name of [...MATMUL_KERNELS, ...ADDED_KERNELS]) {
    const current = tf.getKernel(name, 'wasm') as Marked | undefined;
    if (!current || !(FIX in current)) continue;
    tf.unregisterKernel(name, 'wasm');
    const stock = current[FIX];
    if (stock) tf.registerKernel(stock);
  }
}

/** Which of the fixes are registered now, by kernel name. */
export function wasmKernelFixesRegistered(): Record<string, boolean> {
  const r: Record<string, boolean> = {};
  for (const name of [...MATMUL_KERNELS, ...ADDED_KERNELS]) {
    const k = tf.getKernel(name, 'wasm') as Marked | undefined;
    r[name] = k !== undefined && FIX in k;
  }
  return r;
}
