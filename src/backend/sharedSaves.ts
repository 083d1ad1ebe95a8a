/**
 * Cheaper saved tensors for backpropagation on the wasm backend. For every op recorded on the
 * gradient tape, tfjs' engine saves the inputs/outputs the op's gradient needs as clones, and each
 * clone is a full engine kernel call (Identity) plus a tape node of its own: in an MI-estimation
 * step a third of all kernel calls were these clones (`npm run bench -- --profile`). On wasm the
 * Identity kernel already shares the buffer (wasmKernels.ts), so the clone's only product is a new
 * tensor object on the same data; this makes it directly (a reference count and a tensor, no
 * kernel call, no tape node).
 *
 * The clone's tape node only matters for higher-order gradients (a backward pass recorded by an
 * enclosing tape reads the saved tensors); with more than one gradient scope open, or on another
 * backend, the engine's own method runs. tfjs-core 4.22's Engine.saveTensorsForBackwardMode is
 * replaced on the engine instance while the wasm kernel fixes are registered.
 */
import * as tf from '@tensorflow/tfjs';

interface EngineSaves {
  backendName: string;
  state: { gradientDepth: number };
  backend: { incRef(dataId: unknown): void };
  makeTensorFromDataId(dataId: unknown, shape: number[], dtype: tf.DataType): tf.Tensor;
  keep<T extends tf.Tensor>(t: T): T;
  saveTensorsForBackwardMode(tensors: tf.Tensor[]): tf.Tensor[];
}

const STOCK = Symbol.for('infobound.stockSaveTensorsForBackwardMode');
type Patched = EngineSaves & { [STOCK]?: EngineSaves['saveTensorsForBackwardMode'] };

function sharedSaves(this: Patched, tensors: tf.Tensor[]): tf.Tensor[] {
  const stock = this[STOCK] as EngineSaves['saveTensorsForBackwardMode'];
  if (this.backendName !== 'wasm' || this.state.gradientDepth > 1 || tensors.some((t) => t.dtype === 'string')) return stock.call(this, tensors);
  return tensors.map((t) => {
    this.backend.incRef(t.dataId);
    return this.keep(this.makeTensorFromDataId(t.dataId, t.shape, t.dtype));
  });
}

/** Installs the shared saves on the engine (idempotent); false if the engine lacks the method. */
export function installSharedSaves(): boolean {
  const e = tf.engine() as unknown as Patched;
  if (e[STOCK]) return true;
  if (typeof e.saveTensorsForBackwardMode !== 'function' || typeof e.makeTensorFromDataId !== 'function' || typeof e.state?.gradientDepth !== 'number')
    return false;
  e[STOCK] = e.saveTensorsForBackwardMode;
  e.saveTensorsForBackwardMode = sharedSaves;
  return true;
}

/** Puts the engine's own method back. */
export function uninstallSharedSaves(): void {
  const e = tf.engine() as unknown as Patched;
  const stock = e[STOCK];
  if (!stock) return;
  e.saveTensorsForBackwardMode = stock;
  delete e[STOCK];
}

export function sharedSavesInstalled(): boolean {
  return (tf.engine() as unknown as Patched)[STOCK] !== undefined;
}
