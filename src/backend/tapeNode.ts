/**
 * Running a fused kernel on tfjs' gradient tape with a gradient written by hand, for the ops of
 * denseStack.ts and mineTail.ts. tf.registerGradient cannot say which inputs need a gradient, and
 * fills a zero tensor for every output nobody differentiated; instead the op runs its forward
 * kernel through the engine (which records a tape node with no gradient), then sets that node's
 * outputs, saved tensors and gradient itself. The engine calls a node's gradient as a method of
 * the pruned node, whose `inputs` hold exactly the inputs that need a gradient, with null for
 * outputs that got none.
 *
 * This relies on tfjs-core 4.22's engine internals (state.activeTape, the pruned node, node.saved
 * disposed when the outermost gradient ends); engineSupportsTapeOps() checks them, and the ops
 * fall back to tfjs' own ops when it fails or when gradients are nested (the backward kernels have
 * no gradient of their own).
 */
import * as tf from '@tensorflow/tfjs';

export interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (this: { inputs?: Record<string, tf.Tensor> } | undefined, dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
}

/** The parts of tfjs-core's Engine the fused ops use (internal in tfjs' typings). */
export interface EngineInternals {
  state: { gradientDepth: number; kernelDepth: number; activeTape: TapeNode[] | null };
  backend: { incRef(dataId: unknown): void };
  runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
  makeTensorFromDataId(dataId: unknown, shape: number[], dtype: tf.DataType): tf.Tensor;
  keep<T extends tf.Tensor>(t: T): T;
}

let layoutOk: boolean | null = null;

export const engineInternals = () => tf.engine() as unknown as EngineInternals;

/** True when the engine has the internals the fused ops rely on (tfjs-core 4.22's). */
export function engineSupportsTapeOps(e: EngineInternals = engineInternals()): boolean {
  if (layoutOk !== null) return layoutOk;
  const s = e.state as unknown as Record<string, unknown>;
  layoutOk =
    typeof s.gradientDepth === 'number' &&
    typeof s.kernelDepth === 'number' &&
    typeof s.nextTapeNodeId === 'number' &&
    typeof e.makeTensorFromDataId === 'function' &&
    typeof e.keep === 'function';
  return layoutOk;
}

/**
 * How a fused op may run now: 'off' (no tape: forward only), 'on' (first-order tape: the op
 * attaches its gradient), or 'nested' (a gradient inside a gradient, or unknown internals: the op
 * must use tfjs' own ops).
 */
export function tapeMode(e: EngineInternals = engineInternals()): 'off' | 'on' | 'nested' {
  if (!engineSupportsTapeOps(e)) return 'nested';
  const { gradientDepth, kernelDepth } = e.state;
  if (gradientDepth === 0 || kernelDepth > 0) return 'off';
  return gradientDepth === 1 && Array.isArray(e.state.activeTape) ? 'on' : 'nested';
}

/** A new tensor on the same buffer (what the engine's saved-tensor clones are on wasm), kept from tidy. */
export function shareKept(e: EngineInternals, t: tf.Tensor): tf.Tensor {
  e.backend.incRef(t.dataId);
  return e.keep(e.makeTensorFromDataId(t.dataId, t.shape, t.dtype));
}

/** The tape node the engine just recorded for a kernel whose first output is `first`. */
export function lastTapeNode(e: EngineInternals, first: tf.Tensor, what: string): TapeNode {
  const tape = e.state.activeTape;
  const node = tape?.[tape.length - 1];
  if (!node || node.outputs[0] !== first) throw new Error(`${what}: the tape node of the forward kernel was not found (tfjs engine internals changed?)`);
  return node;
}

/** The names of the inputs that need a gradient: the pruned node's, or all of them when the engine gives none. */
export function wantedInputs(node: { inputs?: Record<string, tf.Tensor> } | undefined, all: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  return node?.inputs ? node.inputs : all;
}
