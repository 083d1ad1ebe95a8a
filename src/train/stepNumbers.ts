/**
 * A training step's numbers leave the device in one read: the step stacks its scalars into one
 * vector inside its tf.tidy, and this names them by the field list they were stacked in.
 */
import type * as tf from '@tensorflow/tfjs';

/** Downloads `stacked` (one value per field, in `fields`' order), disposes it, and names the values. */
export function namedNumbers<F extends string>(fields: readonly F[], stacked: tf.Tensor): Record<F, number> {
  const v = stacked.dataSync();
  stacked.dispose();
  if (v.length !== fields.length) throw new Error(`step numbers: ${v.length} values stacked for ${fields.length} fields (${fields.join(', ')})`);
  const out = {} as Record<F, number>;
  fields.forEach((f, i) => (out[f] = v[i]));
  return out;
}
