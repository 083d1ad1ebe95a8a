/**
 * Kernel fixes for the wasm backend under Node (measured in ../shared/BACKENDS.md):
 * 1. BatchMatMul/_FusedMatMul with transposeA/transposeB run at 1–2 GFLOP/s against ~25 without
 *    them, and every matmul gradient sets them. We transpose the flagged operand explicitly (the
 *    wasm Transpose kernel is fast) and call the stock kernel with the flags off.
 * 2. The gradient of tf.gather needs UnsortedSegmentSum, which the wasm backend lacks; a small
 *    JavaScript kernel on the wasm heap fills it.
 * Registered before tf.setBackend('wasm') so that the backend runs the stock kernels' setup.
 */
import * as tf from '@tensorflow/tfjs';

type KernelArgs = { inputs: Record<string, tf.TensorInfo | undefined>; backend: WasmLikeBackend; attrs: Record<string, unknown> };
interface WasmLikeBackend {
  disposeData(dataId: unknown, force?: boolean): boolean;
  readSync(dataId: unknown): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

const PATCHED = Symbol.for('infobound.wasmKernelFixes');

/** [..., m, n] → [..., n, m] with the backend's own Transpose kernel. */
function transposeLastTwo(x: tf.TensorInfo, backend: WasmLikeBackend): tf.TensorInfo {
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!transpose) throw new Error('wasm Transpose kernel not registered');
  const r = x.shape.length;
  const perm = [...Array(r - 2).keys(), r - 1, r - 2];
  return transpose.kernelFunc({ inputs: { x }, backend: backend as unknown as tf.KernelBackend, attrs: { perm } }) as tf.TensorInfo;
}

function explicitTransposes(kernelName: string): void {
  const stock = tf.getKernel(kernelName, 'wasm');
  if (!stock) throw new Error(`wasm ${kernelName} kernel not registered`);
  if ((stock as unknown as Record<symbol, boolean>)[PATCHED]) return;
  const kernelFunc = (args: KernelArgs) => {
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return stock.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]);
    const temps: tf.TensorInfo[] = [];
    let { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (transposeA) temps.push((a = transposeLastTwo(a, args.backend)));
    if (transposeB) temps.push((b = transposeLastTwo(b, args.backend)));
    try {
      return stock.kernelFunc({ ...args, inputs: { ...args.inputs, a, b }, attrs: { ...args.attrs, transposeA: false, transposeB: false } } as unknown as Parameters<tf.KernelFunc>[0]);
    } finally {
      for (const t of temps) args.backend.disposeData(t.dataId);
    }
  };
  tf.unregisterKernel(kernelName, 'wasm');
  const config = { kernelName, backendName: 'wasm', setupFunc: stock.setupFunc, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
  (config as unknown as Record<symbol, boolean>)[PATCHED] = true;
  tf.registerKernel(config);
}

/** out[s, …] = Σ_{i: ids[i] = s} x[i, …] for segment ids over the leading dims of x. */
function unsortedSegmentSum(args: KernelArgs): tf.TensorInfo {
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = args.attrs.numSegments as number;
  const idShape = segmentIds.shape;
  for (let d = 0; d < idShape.length; d++) {
    if (idShape[d] !== x.shape[d]) throw new Error(`UnsortedSegmentSum: segmentIds shape [${idShape}] must prefix x shape [${x.shape}]`);
  }
  const rows = idShape.reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(idShape.length).reduce((a, b) => a * b, 1);
  const xs = args.backend.readSync(x.dataId);
  const ids = args.backend.readSync(segmentIds.dataId);
  const out = args.backend.makeOutput([numSegments, ...x.shape.slice(idShape.length)], x.dtype);
  const o = args.backend.typedArrayFromHeap(out);
  o.fill(0);
  for (let i = 0; i < rows; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue; // tf semantics: out-of-range ids are dropped
    const src = i * inner, dst = s * inner;
    for (let k = 0; k < inner; k++) o[dst + k] += xs[src + k];
  }
  return out;
}

/** Idempotent: safe to call more than once. */
export function registerWasmKernelFixes(): void {
  explicitTransposes('BatchMatMul');
  explicitTransposes('_FusedMatMul');
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc });
  }
}
