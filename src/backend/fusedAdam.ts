/**
 * Adam as one native call per optimizer step (native/blas.c adamMany: every variable's update and
 * the β1ᵗ, β2ᵗ update, in place on the wasm heap) instead of tfjs' ~13 element-wise kernels per
 * variable, each writing a new full-size tensor: on an MLP step Adam was the largest cost after
 * the matmuls (../shared/BACKENDS.md: 26 of 109 ms), and on small networks its per-variable calls
 * and assignments are a fixed cost per step.
 *
 * tfjs has no optimizer kernel to re-register, so this replaces AdamOptimizer.prototype.applyGradients
 * while the fused kernel is registered for the active backend, and calls the stock method
 * otherwise (other backends, non-float32 variables). Same state layout as the stock optimizer
 * (moments as variables "<name>/m", "<name>/v", accBeta1/2 as scalar variables), so getWeights,
 * setWeights and dispose are untouched; the arithmetic is the stock order of operations in float32
 * (native/blas.c), so results agree with the stock optimizer to rounding.
 *
 * In place (ADAM_IN_PLACE_KERNEL) only where no other tensor shares a buffer (the backend's reference
 * count is 1 for the variable, both moments and both β powers); otherwise one ADAM_KERNEL call per
 * variable writes new buffers and the variables are assigned.
 */
import * as tf from '@tensorflow/tfjs';
import { ADAM_IN_PLACE_KERNEL, ADAM_KERNEL } from './blasKernels.js';

/** The AdamOptimizer fields the stock applyGradients uses (protected in tfjs' typings). */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

type Apply = (this: tf.AdamOptimizer, g: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]) => void;
const STOCK = Symbol.for('infobound.stockAdamApplyGradients');
const proto = tf.AdamOptimizer.prototype as unknown as { applyGradients: Apply; [STOCK]?: Apply };

function fusedApplyGradients(this: tf.AdamOptimizer, variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
  const stock = proto[STOCK] as Apply;
  const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
  const grads = names.map((name, i) => (Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name]));
  const vars = names.map((name) => tf.engine().registeredVariables[name]);
  const fusable =
    tf.getKernel(ADAM_KERNEL, tf.getBackend()) !== undefined &&
    vars.every((v, i) => v.dtype === 'float32' && (grads[i] == null || grads[i].dtype === 'float32'));
  if (!fusable) return stock.call(this, variableGradients);
  const s = this as unknown as AdamState;
  names.forEach((name, i) => {
    const value = vars[i];
    // moments created exactly as the stock optimizer does (same names, same order)
    s.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
    s.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
  });
  if (adamInPlace(s, vars, grads)) {
    s.incrementIterations();
    return;
  }
  tf.tidy(() => {
    names.forEach((_name, i) => {
      const value = vars[i];
      const g = grads[i];
      if (g == null) return;
      const m = s.accumulatedFirstMoment[i].variable,
        v = s.accumulatedSecondMoment[i].variable;
      const [x2, m2, v2] = tf.engine().runKernel(ADAM_KERNEL, { x: value, m, v, g, accBeta1: s.accBeta1, accBeta2: s.accBeta2 }, {
        learningRate: s.learningRate,
        beta1: s.beta1,
        beta2: s.beta2,
        epsilon: s.epsilon,
      } as unknown as tf.NamedAttrMap) as tf.Tensor[];
      m.assign(m2);
      v.assign(v2);
      value.assign(x2);
    });
    s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
    s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
  });
  s.incrementIterations();
}

/**
 * Every variable's step in one in-place kernel call, when the backend has that kernel and no
 * buffer to be written is shared with another tensor (reference count 1); false (nothing done)
 * otherwise.
 */
function adamInPlace(s: AdamState, vars: tf.Variable[], grads: (tf.Tensor | null | undefined)[]): boolean {
  if (tf.getKernel(ADAM_IN_PLACE_KERNEL, tf.getBackend()) === undefined) return false;
  const be = tf.backend() as unknown as { refCount(dataId: unknown): number };
  const sole = (t: tf.Tensor) => be.refCount(t.dataId) === 1;
  if (!sole(s.accBeta1) || !sole(s.accBeta2)) return false;
  const inputs: Record<string, tf.Tensor> = { accBeta1: s.accBeta1, accBeta2: s.accBeta2 };
  let count = 0;
  for (let i = 0; i < vars.length; i++) {
    const g = grads[i];
    if (g == null) continue;
    const x = vars[i],
      m = s.accumulatedFirstMoment[i].variable,
      v = s.accumulatedSecondMoment[i].variable;
    if (!sole(x) || !sole(m) || !sole(v) || g.dataId === x.dataId || g.dataId === m.dataId || g.dataId === v.dataId) return false;
    Object.assign(inputs, { [`x${count}`]: x, [`m${count}`]: m, [`v${count}`]: v, [`g${count}`]: g });
    count++;
  }
  tf.engine().runKernel(ADAM_IN_PLACE_KERNEL, inputs, {
    count,
    learningRate: s.learningRate,
    beta1: s.beta1,
    beta2: s.beta2,
    epsilon: s.epsilon,
  } as unknown as tf.NamedAttrMap);
  return true;
}

/**
 * Routes every AdamOptimizer through the fused kernels where they are registered (one in-place
 * call per step where possible). Idempotent.
 */
export function installFusedAdam(): void {
  if (proto[STOCK]) return;
  proto[STOCK] = proto.applyGradients;
  proto.applyGradients = fusedApplyGradients;
}

/** Puts the stock AdamOptimizer.applyGradients back. */
export function uninstallFusedAdam(): void {
  const stock = proto[STOCK];
  if (!stock) return;
  proto.applyGradients = stock;
  delete proto[STOCK];
}

export function fusedAdamInstalled(): boolean {
  return proto[STOCK] !== undefined;
}
