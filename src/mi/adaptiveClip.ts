/**
 * Adaptive gradient clipping (Belghazi et al. 2018, appendix on MINE as a regulariser): the MI
 * gradient a model receives is rescaled to at most the norm of its main-loss gradient,
 *   g = g_main + min(‖g_main‖, ‖g_MI‖) · g_MI / ‖g_MI‖,
 * so the regulariser can never overwhelm the adversarial (or classification) signal.
 */
import * as tf from '@tensorflow/tfjs';
import { addScaled, sumOfSquares } from '../backend/gradientSetOps.js';

export interface ClippedGradients {
  grads: tf.NamedTensorMap;
  /** ‖g_main‖, ‖g_MI‖ and the factor applied to g_MI (1 when no clipping was needed), as scalars. */
  mainNorm: tf.Scalar;
  miNorm: tf.Scalar;
  scale: tf.Scalar;
}

/**
 * The global L2 norm of a set of gradients: one kernel for the squared sum on wasm (float64
 * accumulation, src/backend/gradientSetOps.ts), Σ sum(g²) of tf ops elsewhere and under a tape.
 */
export function globalNorm(g: tf.NamedTensorMap): tf.Scalar {
  return tf.sqrt(sumOfSquares(Object.values(g))) as tf.Scalar;
}

/**
 * Combines the two gradients of one model. With `clip` false the MI gradient is added unscaled
 * (scale 1) — the norms are still reported. Keys must match (one model's variables).
 */
export function combineWithAdaptiveClip(main: tf.NamedTensorMap, mi: tf.NamedTensorMap, clip = true): ClippedGradients {
  const keys = Object.keys(main);
  for (const k of Object.keys(mi)) if (!(k in main)) throw new Error(`adaptive clipping: MI gradient for ${k} has no main-loss gradient`);
  const mainNorm = globalNorm(main);
  const miNorm = globalNorm(mi);
  // ε keeps a zero MI gradient from dividing by zero; its scale then does not matter.
  const scale = clip ? (tf.div(tf.minimum(mainNorm, miNorm), tf.add(miNorm, 1e-12)) as tf.Scalar) : tf.scalar(1);
  // g_main + scale·g_MI over the variables the MI term reaches, one kernel for the set on wasm
  const reached = keys.filter((k) => mi[k]);
  const sums = addScaled(
    reached.map((k) => main[k]),
    reached.map((k) => mi[k]),
    scale,
  );
  const grads: tf.NamedTensorMap = { ...main };
  reached.forEach((k, i) => (grads[k] = sums[i]));
  return { grads, mainNorm, miNorm, scale };
}
