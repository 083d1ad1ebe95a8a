/**
 * The variational lower bounds on I(X; Y) as pure functions of critic outputs (Poole et al. 2019).
 * Each returns the bound and its two terms. No state, no gradient tricks: the stateful methods
 * (MINE's moving average, η-MINE, ReMINE's regulariser) are built on these.
 */
import * as tf from '@tensorflow/tfjs';
import type { BoundParts } from './interface.js';
import { logMeanExp } from './ops.js';

function checkScores(tJoint: tf.Tensor1D, tMarginal: tf.Tensor1D): void {
  if (tJoint.rank !== 1 || tJoint.shape[0] < 1) throw new Error(`tJoint must be a non-empty 1-D tensor, got shape [${tJoint.shape.join(', ')}]`);
  if (tMarginal.rank !== 1 || tMarginal.shape[0] < 1) {
    throw new Error(`tMarginal must be a non-empty 1-D tensor, got shape [${tMarginal.shape.join(', ')}]`);
  }
}

/** Donsker–Varadhan (MINE eq. 10): I ≥ E_P[T] − log E_Q[e^T]. */
export function donskerVaradhan(tJoint: tf.Tensor1D, tMarginal: tf.Tensor1D): BoundParts {
  checkScores(tJoint, tMarginal);
  const jointTerm = tf.mean(tJoint) as tf.Scalar;
  const marginalTerm = logMeanExp(tMarginal);
  return { mi: tf.sub(jointTerm, marginalTerm) as tf.Scalar, jointTerm, marginalTerm };
}

/** NWJ / MINE-f (MINE eq. 14; Nguyen, Wainwright & Jordan 2010): I ≥ E_P[T] − E_Q[e^{T−1}]. */
export function nwj(tJoint: tf.Tensor1D, tMarginal: tf.Tensor1D): BoundParts {
  checkScores(tJoint, tMarginal);
  const jointTerm = tf.mean(tJoint) as tf.Scalar;
  const marginalTerm = tf.exp(tf.sub(logMeanExp(tMarginal), 1)) as tf.Scalar;
  return { mi: tf.sub(jointTerm, marginalTerm) as tf.Scalar, jointTerm, marginalTerm };
}

/**
 * η-DV (Mroueh et al. 2021, eq. 5): for any scalar η, −log E_Q[e^T] ≥ −e^{−η}E_Q[e^T] − η + 1, so
 * I ≥ E_P[T] − e^{−η}E_Q[e^T] − η + 1, tight (equal to DV) at η = log E_Q[e^T].
 */
export function etaDonskerVaradhan(tJoint: tf.Tensor1D, tMarginal: tf.Tensor1D, eta: tf.Scalar): BoundParts {
  checkScores(tJoint, tMarginal);
  const jointTerm = tf.mean(tJoint) as tf.Scalar;
  const marginalTerm = tf.add(tf.exp(tf.sub(logMeanExp(tMarginal), eta)), tf.sub(eta, 1)) as tf.Scalar;
  return { mi: tf.sub(jointTerm, marginalTerm) as tf.Scalar, jointTerm, marginalTerm };
}

/**
 * InfoNCE (van den Oord et al. 2018; Poole et al. eq. 12): I ≥ E[S_ii − log (1/n) Σ_j e^{S_ij}],
 * with S_ij = T(x_i, y_j). Never exceeds log n.
 */
export function infoNce(matrix: tf.Tensor2D): BoundParts {
  const [n, m] = matrix.shape;
  if (n !== m) throw new Error(`InfoNCE needs a square score matrix, got [${n}, ${m}]`);
  // the diagonal of an n×n matrix, as a product with the identity (tfjs has no diagPart op)
  const jointTerm = tf.div(tf.sum(tf.mul(matrix, tf.eye(n))), n) as tf.Scalar;
  const marginalTerm = tf.sub(tf.mean(tf.logSumExp(matrix, 1)), Math.log(n)) as tf.Scalar;
  return { mi: tf.sub(jointTerm, marginalTerm) as tf.Scalar, jointTerm, marginalTerm };
}

/**
 * The Jensen–Shannon f-GAN objective (Nowozin et al. 2016; Hjelm et al. 2019):
 * E_P[−softplus(−T)] − E_Q[softplus(T)]. Not an MI bound: its optimal critic is log p/q, which the
 * JS and SMILE estimators then plug into NWJ or clipped DV.
 */
export function jensenShannon(tJoint: tf.Tensor1D, tMarginal: tf.Tensor1D): BoundParts {
  checkScores(tJoint, tMarginal);
  const jointTerm = tf.neg(tf.mean(tf.softplus(tf.neg(tJoint)))) as tf.Scalar;
  const marginalTerm = tf.mean(tf.softplus(tMarginal)) as tf.Scalar;
  return { mi: tf.sub(jointTerm, marginalTerm) as tf.Scalar, jointTerm, marginalTerm };
}

/** SMILE (Song & Ermon 2020, eq. 17): DV with e^T clipped to [e^{−τ}, e^{τ}] in the marginal term. */
export function smileDv(tJoint: tf.Tensor1D, tMarginal: tf.Tensor1D, tau: number): BoundParts {
  if (!(tau > 0)) throw new Error(`SMILE clip τ must be positive, got ${tau}`);
  return donskerVaradhan(tJoint, tf.clipByValue(tMarginal, -tau, tau) as tf.Tensor1D);
}
