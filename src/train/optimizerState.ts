/**
 * Optimizer state as plain arrays, for checkpoints: tf.Optimizer.getWeights/setWeights (the
 * iteration count and the slots, e.g. Adam's first and second moments, in the order the variables
 * were first updated), plus what setWeights does not restore exactly.
 *
 * Adam keeps β₁ᵗ and β₂ᵗ as running float32 products; setWeights recomputes them as pow(β, t+1),
 * which can differ in the last bit, so a resumed run would drift from an uninterrupted one. They are
 * saved and restored as they were (tfjs has no public accessor: the fields are read by name).
 */
import * as tf from '@tensorflow/tfjs';

export interface SavedArray {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

export async function tensorToSaved(name: string, t: tf.Tensor): Promise<SavedArray> {
  const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
  if (t.dtype !== 'int32' && t.dtype !== 'float32') throw new Error(`checkpoint: tensor ${name} has dtype ${t.dtype}; only float32 and int32 are saved`);
  const data = (await t.data()) as Float32Array | Int32Array;
  return { name, shape: t.shape.slice(), dtype, data: dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data) };
}

export function savedToTensor(a: SavedArray): tf.Tensor {
  return tf.tensor(a.data, a.shape, a.dtype);
}

type AdamInternals = { accBeta1?: tf.Variable; accBeta2?: tf.Variable };

export async function getOptimizerState(opt: tf.Optimizer, prefix: string): Promise<SavedArray[]> {
  const out: SavedArray[] = [];
  const weights = await opt.getWeights();
  for (const [i, w] of weights.entries()) out.push(await tensorToSaved(`${prefix}/${i}`, w.tensor));
  // getWeights makes a new scalar for the iteration count: dispose it (slots are the optimizer's own).
  if (weights.length) weights[0].tensor.dispose();
  const a = opt as unknown as AdamInternals;
  if (a.accBeta1 && a.accBeta2) {
    out.push(await tensorToSaved(`${prefix}/accBeta1`, a.accBeta1), await tensorToSaved(`${prefix}/accBeta2`, a.accBeta2));
  }
  return out;
}

/** Restores what getOptimizerState saved under `prefix` (arrays in any order; names decide). */
export async function setOptimizerState(opt: tf.Optimizer, prefix: string, arrays: SavedArray[]): Promise<void> {
  const mine = arrays.filter((a) => a.name.startsWith(`${prefix}/`));
  const slots = mine.filter((a) => /\/\d+$/.test(a.name)).sort((p, q) => Number(p.name.split('/').pop()) - Number(q.name.split('/').pop()));
  if (slots.length === 0) throw new Error(`checkpoint: no optimizer state under ${prefix}`);
  const tensors = slots.map(savedToTensor);
  await opt.setWeights(tensors.map((tensor, i) => ({ name: i === 0 ? 'iter' : `${prefix}/slot${i}`, tensor })));
  // setWeights wraps each slot tensor in a new variable; the iteration scalar and our handles go.
  tf.dispose(tensors);
  const a = opt as unknown as AdamInternals;
  for (const k of ['accBeta1', 'accBeta2'] as const) {
    const s = mine.find((x) => x.name === `${prefix}/${k}`);
    const v = a[k];
    if (s && v) tf.tidy(() => v.assign(savedToTensor(s) as tf.Scalar));
  }
}
