/**
 * The tail of a MINE step as one kernel forward and one backward on wasm: from the critic's scores
 * on joint and marginal pairs and MINE's log moving average, the Donsker–Varadhan bound's parts
 * (Belghazi et al. 2018, eq. 10), the updated moving average (§3.2) and the scalar whose gradient
 * is MINE's bias-corrected one (eq. 12):
 *   jointTerm    = mean(joint)                         (E_P[T])
 *   marginalTerm = log mean exp(marginal)              (log E_Q[e^T])
 *   mi           = jointTerm − marginalTerm            (the DV bound)
 *   next         = log((1−r)·e^{prev} + r·e^{marginalTerm}), or marginalTerm while prev is NaN
 *   miForGradient: value mi, gradient that of jointTerm − e^{marginalTerm − next} (next held constant)
 * Composed of tfjs ops this is ~40 kernel calls forward and ~30 backward per step, each with the
 * engine's fixed cost; a critic on 20-D data spends less than that on its arithmetic.
 *
 * Gradients: every output but `next` carries its own (dmi = djointTerm − dmarginalTerm, …); `next`
 * and `prev` get none (the moving average is the estimator's state, not a function to
 * differentiate). mineTail returns null where the kernels cannot serve (another backend, nested
 * gradients, non-float32 scores): the caller computes the same quantities with tfjs ops.
 */
import * as tf from '@tensorflow/tfjs';
import { engineInternals, lastTapeNode, shareKept, tapeMode, wantedInputs } from './tapeNode.js';
import { logMeanExpOf, logMovingAverageOf } from './tailOps.js';
import type { KernelArgs } from './wasmMatMul.js';

export const MINE_TAIL = 'InfoboundMineTail';
export const MINE_TAIL_GRAD = 'InfoboundMineTailGrad';

export interface MineTailOutput {
  jointTerm: tf.Scalar;
  marginalTerm: tf.Scalar;
  mi: tf.Scalar;
  /** the updated log moving average of E_Q[e^T] (no gradient). */
  logMovingAverage: tf.Scalar;
  miForGradient: tf.Scalar;
}

const OUTPUTS = ['jointTerm', 'marginalTerm', 'mi', 'logMovingAverage', 'miForGradient'] as const;

const f32 = (be: KernelArgs['backend'], t: tf.TensorInfo) => be.typedArrayFromHeap(t) as Float32Array;

function forwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const { joint, marginal, prev } = args.inputs as Record<string, tf.TensorInfo>;
  const be = args.backend;
  const outs = OUTPUTS.map(() => be.makeOutput([], 'float32'));
  // views after the last allocation (makeOutput can grow the heap)
  const j = f32(be, joint),
    m = f32(be, marginal);
  let s = 0;
  for (let i = 0; i < j.length; i++) s += j[i];
  const jointTerm = Math.fround(s / j.length),
    marginalTerm = Math.fround(logMeanExpOf(m));
  const mi = Math.fround(jointTerm - marginalTerm);
  const next = logMovingAverageOf(f32(be, prev)[0], marginalTerm, args.attrs.rate as number);
  [jointTerm, marginalTerm, mi, next, mi].forEach((v, k) => (f32(be, outs[k])[0] = v));
  return outs;
}

/**
 * d joint_i = (dJ + dMi + dF)/n_P;  d marginal_i = (dM − dMi)·e^{m_i − marginalTerm − log n_Q} − dF·e^{m_i − log n_Q − next}
 * (dJ, dM, dMi, dF: the gradients arriving at jointTerm, marginalTerm, mi, miForGradient; absent ones are 0).
 */
function backwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const { joint, marginal, marginalTerm, next } = args.inputs as Record<string, tf.TensorInfo>;
  const { needJoint, needMarginal } = args.attrs as { needJoint: boolean; needMarginal: boolean };
  const be = args.backend;
  const outs: tf.TensorInfo[] = [];
  const dJoint = needJoint ? be.makeOutput(joint.shape, 'float32') : null;
  const dMarginal = needMarginal ? be.makeOutput(marginal.shape, 'float32') : null;
  if (dJoint) outs.push(dJoint);
  if (dMarginal) outs.push(dMarginal);
  const dy = (name: string) => {
    const t = args.inputs[name];
    return t ? f32(be, t)[0] : 0;
  };
  const [dJ, dM, dMi, dF] = [dy('dJointTerm'), dy('dMarginalTerm'), dy('dMi'), dy('dMiForGradient')];
  if (dJoint) f32(be, dJoint).fill((dJ + dMi + dF) / joint.shape[0]);
  if (dMarginal) {
    const m = f32(be, marginal),
      o = f32(be, dMarginal);
    const logN = Math.log(m.length),
      lse = f32(be, marginalTerm)[0] + logN,
      nx = f32(be, next)[0] + logN;
    for (let i = 0; i < m.length; i++) o[i] = (dM - dMi) * Math.exp(m[i] - lse) - dF * Math.exp(m[i] - nx);
  }
  return outs;
}

/** The wasm kernels (JavaScript on the heap: the score vectors are a batch long). */
export const mineTailKernels = { forward: forwardKernel as unknown as tf.KernelFunc, backward: backwardKernel as unknown as tf.KernelFunc };

const isVector = (t: tf.Tensor) => t.rank === 1 && t.size > 0 && t.dtype === 'float32';

/** The tail on one batch, or null where the kernels cannot serve (see the file comment). */
export function mineTail(joint: tf.Tensor1D, marginal: tf.Tensor1D, prevLogMovingAverage: tf.Scalar, rate: number): MineTailOutput | null {
  if (!(rate > 0 && rate <= 1)) throw new Error(`mineTail: rate must be in (0, 1], got ${rate}`);
  if (tf.getKernel(MINE_TAIL, tf.getBackend()) === undefined) return null;
  if (!isVector(joint) || !isVector(marginal) || prevLogMovingAverage.rank !== 0 || prevLogMovingAverage.dtype !== 'float32') return null;
  const e = engineInternals();
  const mode = tapeMode(e);
  if (mode === 'nested') return null;
  const inputs: Record<string, tf.Tensor> = { joint, marginal, prev: prevLogMovingAverage };
  const outs = e.runKernel(MINE_TAIL, inputs, { rate }) as tf.Scalar[];
  const result = Object.fromEntries(OUTPUTS.map((k, i) => [k, outs[i]])) as unknown as MineTailOutput;
  if (mode === 'off') return result;

  const node = lastTapeNode(e, outs[0], 'mineTail');
  const saved = { joint: shareKept(e, joint), marginal: shareKept(e, marginal), marginalTerm: shareKept(e, outs[1]), next: shareKept(e, outs[3]) };
  node.saved = Object.values(saved);
  node.gradient = function (this: { inputs?: Record<string, tf.Tensor> } | undefined, dys: (tf.Tensor | null)[]) {
    const want = wantedInputs(this, inputs);
    const needJoint = 'joint' in want,
      needMarginal = 'marginal' in want;
    const bin: Record<string, tf.Tensor> = { ...saved };
    (['dJointTerm', 'dMarginalTerm', 'dMi', null, 'dMiForGradient'] as const).forEach((name, k) => {
      const d = dys[k];
      if (name && d) bin[name] = d;
    });
    const g = needJoint || needMarginal ? (e.runKernel(MINE_TAIL_GRAD, bin, { needJoint, needMarginal }) as tf.Tensor[]) : [];
    const map: Record<string, () => tf.Tensor> = {};
    let k = 0;
    if (needJoint) {
      const t = g[k++];
      map.joint = () => t;
    }
    if (needMarginal) {
      const t = g[k++];
      map.marginal = () => t;
    }
    if ('prev' in want) map.prev = () => tf.zerosLike(prevLogMovingAverage);
    return map;
  };
  return result;
}
