/**
 * Kernel fixes for the wasm backend under Node (measured in ../shared/BACKENDS.md and
 * bench/wasmMatmul.ts):
 * 1. BatchMatMul/_FusedMatMul with transposeA/transposeB run at 1–4 GFLOP/s against 25–50 without
 *    them, and every matmul gradient sets them. The wrappers of wasmMatMul.ts make real transposed
 *    copies and call the stock kernels with the flags off. The _FusedMatMul wrapper also repairs the
 *    stock kernel's bias with more than one batch (wrong in tfjs-backend-wasm 4.22).
 * 2. The gradient of tf.gather needs UnsortedSegmentSum, which the wasm backend lacks; a small
 *    JavaScript kernel on the wasm heap fills it.
 * 3. Identity, and Cast to the same dtype, copy the whole buffer on wasm, and the engine clones every
 *    tensor it saves for the backward pass through Identity: an IB training step copied 13.6M
 *    floats that way. Here they share the buffer (a reference count, as the wasm Reshape kernel
 *    and the cpu backend's Identity do); no wasm kernel writes into its inputs, so sharing is safe.
 * 4. With the native addon (nativeBlas.ts), the matmuls call OpenBLAS sgemm on the wasm heap
 *    instead (blasKernels.ts), and Adam runs as one fused call per optimizer step (fusedAdam.ts).
 * 5. GatherV2 and Concat are copy loops on the heap (copyKernels.ts; the stock ones are slow on small rows).
 * 6. The engine's clones of tensors saved for backpropagation share the buffer without a kernel
 *    call (sharedSaves.ts).
 * 7. Dense layer stacks (src/nets/mlp.ts) run as one kernel forward and one backward (denseStack.ts),
 *    native with the addon, on the wasm kernels without it; logMeanExp is one kernel each way
 *    (tailOps.ts), so is MINE's whole objective tail (mineTail.ts); a set of gradients' squared
 *    norm and a + s·b are one kernel (gradientSetOps.ts).
 * 8. The filter gradient of conv2d / conv2dTranspose needs Conv2DBackpropFilter, which the wasm
 *    backend lacks: im2col + one OpenBLAS sgemm with the addon, a JavaScript loop without
 *    (convKernels.ts). With the addon, Conv2DBackpropInput (conv2d's input gradient and
 *    conv2dTranspose's forward) is one sgemm + col2im instead of the stock direct loop (10x faster).
 * Registered before tf.setBackend('wasm') so that the backend runs the stock kernels' setup
 * functions (the wrappers reuse them); registering afterwards works too, because the stock setup
 * has then already run. Every registration is marked, so calling registerWasmKernelFixes() again
 * never wraps a wrapper, and restoreStockWasmKernels() can put the stock kernels back (benchmarks).
 */
import * as tf from '@tensorflow/tfjs';
import { ADAM_IN_PLACE_KERNEL, ADAM_KERNEL, blasAdam, blasAdamInPlace, blasMatMul } from './blasKernels.js';
import { DENSE_BACKWARD, DENSE_FORWARD, denseStackKernels } from './denseStack.js';
import { installFusedAdam, uninstallFusedAdam } from './fusedAdam.js';
import { installSharedSaves, uninstallSharedSaves } from './sharedSaves.js';
import { LOG_MEAN_EXP, LOG_MEAN_EXP_GRAD, LOG_MOVING_AVERAGE, logMeanExpKernels, logMovingAverageKernel, registerTailGradients } from './tailOps.js';
import { ADD_SCALED, gradientSetKernels, SUM_OF_SQUARES } from './gradientSetOps.js';
import { MINE_TAIL, MINE_TAIL_GRAD, mineTailKernels } from './mineTail.js';
import { PAIR_SUM_RELU, PAIR_SUM_RELU_GRAD, pairSumReluKernels } from './pairSumRelu.js';
import type { NativeBlas } from './nativeBlas.js';
import { explicitTransposeMatMul, type KernelArgs } from './wasmMatMul.js';
import { concatKernel, gatherKernel } from './copyKernels.js';
import { CONV2D_BACKPROP_FILTER, CONV2D_BACKPROP_INPUT, conv2dBackpropFilterKernel, conv2dBackpropInputKernel } from './convKernels.js';

/** Marks our registrations; the value is the stock config that was replaced (null if none). */
const FIX = Symbol.for('infobound.wasmKernelFixes');
type Marked = tf.KernelConfig & { [FIX]?: tf.KernelConfig | null };

const MATMUL_KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;
const ADDED_KERNELS = [
  'UnsortedSegmentSum',
  ADAM_KERNEL,
  ADAM_IN_PLACE_KERNEL,
  DENSE_FORWARD,
  DENSE_BACKWARD,
  LOG_MEAN_EXP,
  LOG_MEAN_EXP_GRAD,
  LOG_MOVING_AVERAGE,
  MINE_TAIL,
  MINE_TAIL_GRAD,
  PAIR_SUM_RELU,
  PAIR_SUM_RELU_GRAD,
  SUM_OF_SQUARES,
  ADD_SCALED,
  CONV2D_BACKPROP_FILTER,
] as const;
const SHARING_KERNELS = ['Identity', 'Cast'] as const;
const REPLACED_KERNELS = ['GatherV2', 'Concat'] as const;
const CONV_KERNELS = [CONV2D_BACKPROP_INPUT] as const;

/** Identity, or Cast to the tensor's own dtype, as a new reference to the same buffer; else the stock kernel. */
function sharingKernel(stock: tf.KernelConfig, kernelName: (typeof SHARING_KERNELS)[number]): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    const same = x.dtype !== 'string' && (kernelName === 'Identity' || args.attrs.dtype === x.dtype);
    if (!same) return stock.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  }) as unknown as tf.KernelFunc;
}

function replaceSharing(kernelName: (typeof SHARING_KERNELS)[number]): void {
  const current = tf.getKernel(kernelName, 'wasm') as Marked | undefined;
  if (!current) throw new Error(`wasm ${kernelName} kernel not registered (import @tensorflow/tfjs-backend-wasm first)`);
  if (FIX in current) return;
  const config: Marked = {
    kernelName,
    backendName: 'wasm',
    setupFunc: current.setupFunc,
    disposeFunc: current.disposeFunc,
    kernelFunc: sharingKernel(current, kernelName),
  };
  config[FIX] = current;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel(config);
}

/** Replaces a stock wasm data-movement kernel by its copy loop (copyKernels.ts; the stock one kept as fallback). */
function replaceCopy(kernelName: (typeof REPLACED_KERNELS)[number]): void {
  const current = tf.getKernel(kernelName, 'wasm') as Marked | undefined;
  if (!current) throw new Error(`wasm ${kernelName} kernel not registered (import @tensorflow/tfjs-backend-wasm first)`);
  if (FIX in current) return;
  const make = kernelName === 'GatherV2' ? gatherKernel : concatKernel;
  const config: Marked = {
    kernelName,
    backendName: 'wasm',
    setupFunc: current.setupFunc,
    disposeFunc: current.disposeFunc,
    kernelFunc: make(current.kernelFunc),
  };
  config[FIX] = current;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel(config);
}

/**
 * Replaces the stock Conv2DBackpropInput (a direct loop) by sgemm + col2im with `blas`; without it
 * the stock kernel runs (still marked, so switching back and forth stays idempotent).
 */
function replaceConvInput(blas: NativeBlas | null): void {
  const current = tf.getKernel(CONV2D_BACKPROP_INPUT, 'wasm') as Marked | undefined;
  if (!current) throw new Error(`wasm ${CONV2D_BACKPROP_INPUT} kernel not registered (import @tensorflow/tfjs-backend-wasm first)`);
  const stock = FIX in current ? (current[FIX] as tf.KernelConfig) : current;
  const config: Marked = {
    kernelName: CONV2D_BACKPROP_INPUT,
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    disposeFunc: stock.disposeFunc,
    kernelFunc: conv2dBackpropInputKernel(blas, stock.kernelFunc),
  };
  config[FIX] = stock;
  tf.unregisterKernel(CONV2D_BACKPROP_INPUT, 'wasm');
  tf.registerKernel(config);
}

/** Which matmul kernels are registered: stock, ours with explicit transposes, or OpenBLAS. */
export type WasmMatMulKernels = 'stock' | 'portable' | 'openblas';
const KIND = Symbol.for('infobound.wasmMatMulKind');
type MatMulMarked = Marked & { [KIND]?: WasmMatMulKernels };

/**
 * Replaces a stock matmul kernel by the OpenBLAS kernel (blas given) or the explicit-transpose
 * wrapper (wasmMatMul.ts), which is also the OpenBLAS kernel's fallback for non-float32 inputs.
 */
function replaceMatMul(kernelName: (typeof MATMUL_KERNELS)[number], blas: NativeBlas | null): void {
  const current = tf.getKernel(kernelName, 'wasm') as MatMulMarked | undefined;
  if (!current) throw new Error(`wasm ${kernelName} kernel not registered (import @tensorflow/tfjs-backend-wasm first)`);
  const kind: WasmMatMulKernels = blas ? 'openblas' : 'portable';
  if (FIX in current && current[KIND] === kind) return; // already this one
  const stock = FIX in current ? (current[FIX] as tf.KernelConfig) : current;
  const portable = explicitTransposeMatMul(stock, kernelName);
  const kernelFunc = blas ? blasMatMul(blas, portable, kernelName) : portable;
  const config: MatMulMarked = {
    kernelName,
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    disposeFunc: stock.disposeFunc,
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
  config[FIX] = stock;
  config[KIND] = kind;
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
    const src = i * inner,
      dst = s * inner;
    for (let k = 0; k < inner; k++) o[dst + k] += xs[src + k];
  }
  return out;
}

/**
 * Registers the fixes for the wasm backend (requires @tensorflow/tfjs-backend-wasm to be imported):
 * with `blas` (the loaded native addon) the OpenBLAS matmuls and fused Adam, without it the
 * portable kernels (and the fused Adam is removed). Idempotent: safe to call more than once, before
 * or after tf.setBackend('wasm'), and to switch between the two.
 */
export function registerWasmKernelFixes(blas: NativeBlas | null = null): void {
  for (const name of MATMUL_KERNELS) replaceMatMul(name, blas);
  for (const name of SHARING_KERNELS) replaceSharing(name);
  for (const name of REPLACED_KERNELS) replaceCopy(name);
  replaceConvInput(blas);
  installSharedSaves();
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    const config: Marked = { kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc };
    config[FIX] = null;
    tf.registerKernel(config);
  }
  const dense = denseStackKernels(blas);
  const sets = gradientSetKernels(blas);
  const pairs = pairSumReluKernels(blas);
  registerTailGradients();
  for (const [kernelName, kernelFunc] of [
    [DENSE_FORWARD, dense.forward],
    [DENSE_BACKWARD, dense.backward],
    [LOG_MEAN_EXP, logMeanExpKernels.forward],
    [LOG_MEAN_EXP_GRAD, logMeanExpKernels.backward],
    [LOG_MOVING_AVERAGE, logMovingAverageKernel],
    [MINE_TAIL, mineTailKernels.forward],
    [MINE_TAIL_GRAD, mineTailKernels.backward],
    [SUM_OF_SQUARES, sets.sumOfSquares],
    [ADD_SCALED, sets.addScaled],
    [CONV2D_BACKPROP_FILTER, conv2dBackpropFilterKernel(blas)],
  ] as const) {
    const current = tf.getKernel(kernelName, 'wasm') as Marked | undefined;
    if (current) tf.unregisterKernel(kernelName, 'wasm');
    const config: Marked = { kernelName, backendName: 'wasm', kernelFunc };
    // a stock kernel (should a later tfjs-backend-wasm add one) is kept for restoreStockWasmKernels
    config[FIX] = current ? (FIX in current ? (current[FIX] ?? null) : current) : null;
    tf.registerKernel(config);
  }
  for (const name of [PAIR_SUM_RELU, PAIR_SUM_RELU_GRAD, ADAM_KERNEL, ADAM_IN_PLACE_KERNEL]) if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  if (pairs) {
    for (const [kernelName, kernelFunc] of [
      [PAIR_SUM_RELU, pairs.forward],
      [PAIR_SUM_RELU_GRAD, pairs.backward],
    ] as const) {
      const config: Marked = { kernelName, backendName: 'wasm', kernelFunc };
      config[FIX] = null;
      tf.registerKernel(config);
    }
  }
  if (blas) {
    for (const [kernelName, kernelFunc] of [
      [ADAM_KERNEL, blasAdam(blas)],
      [ADAM_IN_PLACE_KERNEL, blasAdamInPlace(blas)],
    ] as const) {
      const config: Marked = { kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
      config[FIX] = null;
      tf.registerKernel(config);
    }
    installFusedAdam();
  } else {
    uninstallFusedAdam();
  }
}

/** Which matmul kernels the wasm backend runs now. */
export function wasmMatMulKernels(): WasmMatMulKernels {
  const k = tf.getKernel('BatchMatMul', 'wasm') as MatMulMarked | undefined;
  return k && FIX in k ? (k[KIND] ?? 'portable') : 'stock';
}

/** Puts the stock wasm kernels back (and removes the added ones): for benchmarks and tests. */
export function restoreStockWasmKernels(): void {
  for (const name of [...MATMUL_KERNELS, ...ADDED_KERNELS, ...SHARING_KERNELS, ...REPLACED_KERNELS, ...CONV_KERNELS]) {
    const current = tf.getKernel(name, 'wasm') as Marked | undefined;
    if (!current || !(FIX in current)) continue;
    tf.unregisterKernel(name, 'wasm');
    const stock = current[FIX];
    if (stock) tf.registerKernel(stock);
  }
  uninstallFusedAdam();
  uninstallSharedSaves();
}

/** Which of the fixes are registered now, by kernel name. */
export function wasmKernelFixesRegistered(): Record<string, boolean> {
  const r: Record<string, boolean> = {};
  for (const name of [...MATMUL_KERNELS, ...ADDED_KERNELS, ...SHARING_KERNELS, ...REPLACED_KERNELS, ...CONV_KERNELS]) {
    const k = tf.getKernel(name, 'wasm') as Marked | undefined;
    r[name] = k !== undefined && FIX in k;
  }
  return r;
}
