/**
 * Kernel fixes for the wasm backend under Node (measured in ../shared/BACKENDS.md and
 * bench/wasmMatmul.ts):
 * 1. BatchMatMul/_FusedMatMul with transposeA/transposeB run at 1–4 GFLOP/s against 25–50 without
 *    them, and every matmul gradient sets them. The wrappers of wasmMatMul.ts make real transposed
 *    copies and call the stock kernels with the flags off. The _FusedMatMul wrapper also repairs the
 *    stock kernel's bias with more than one batch (wrong in tfjs-backend-wasm 4.22).
 * 2. The gradient of tf.gather needs UnsortedSegmentSum, which the wasm backend lacks; a small
 *    JavaScript kernel on the wasm heap fills it.
 * Registered before tf.setBackend('wasm') so that the backend runs the stock kernels' setup
 * functions (the wrappers reuse them); registering afterwards works too, because the stock setup
 * has then already run. Every registration is marked, so calling registerWasmKernelFixes() again
 * never wraps a wrapper, and restoreStockWasmKernels() can put the stock kernels back (benchmarks).
 */
import * as tf from '@tensorflow/tfjs';
import { explicitTransposeMatMul, type KernelArgs } from './wasmMatMul.js';

/** Marks our registrations; the value is the stock config that was replaced (null if none). */
const FIX = Symbol.for('infobound.wasmKernelFixes');
type Marked = tf.KernelConfig & { [FIX]?: tf.KernelConfig | null };

const MATMUL_KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;
const ADDED_KERNELS = ['UnsortedSegmentSum'] as const;

/** Replaces a stock matmul kernel by its explicit-transpose wrapper (see wasmMatMul.ts). */
function explicitTransposes(kernelName: (typeof MATMUL_KERNELS)[number]): void {
  const current = tf.getKernel(kernelName, 'wasm') as Marked | undefined;
  if (!current) throw new Error(`wasm ${kernelName} kernel not registered (import @tensorflow/tfjs-backend-wasm first)`);
  if (FIX in current) return; // already ours
  const kernelFunc = explicitTransposeMatMul(current, kernelName);
  const config: Marked = {
    kernelName,
    backendName: 'wasm',
    setupFunc: current.setupFunc,
    disposeFunc: current.disposeFunc,
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
  config[FIX] = current;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel(config);
}

/**
 * out[s, …] = Σ_{ids[i] = s} x[i, …], where segmentIds (int32) has the shape of x's leading dims
 * and output shape is [numSegments, ...x.shape[segmentIds.rank:]]. Negative ids are dropped, as in
 * TensorFlow, and so are ids ≥ numSegments (TensorFlow's CPU kernel raises an error for those).
 * Sums accumulate in x's dtype (float32 or int32), as in TensorFlow.
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
