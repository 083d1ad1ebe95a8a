/**
 * A multi-layer perceptron held as plain tf.Variables (no tf.layers model): the trainer owns the
 * variable lists it optimises, weights are initialised from an explicit seed, and a step is a few
 * fused matmuls.
 */
import * as tf from '@tensorflow/tfjs';
import { denseStack } from '../backend/denseStack.js';
import type { Rng } from '../util/rng.js';

export const ACTIVATIONS = ['relu', 'leakyRelu', 'elu', 'tanh', 'sigmoid', 'softplus', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export interface MlpSpec {
  /** layer widths including input and output, e.g. [40, 256, 256, 1]. */
  sizes: number[];
  /** activation between hidden layers (default relu). */
  activation?: Activation;
  /** activation after the last layer (default linear). */
  outputActivation?: Activation;
}

/** The slope of leakyRelu below 0. */
export const LEAKY_RELU_ALPHA = 0.2;

export function checkActivation(a: unknown, field: string): Activation {
  if (typeof a === 'string' && (ACTIVATIONS as readonly string[]).includes(a)) return a as Activation;
  throw new Error(`${field}: unknown activation ${JSON.stringify(a)}; expected one of ${ACTIVATIONS.join(', ')}`);
}

/** The activation elementwise, on a tensor of any rank (the conv stacks apply it to NHWC maps). */
export function activate<T extends tf.Tensor>(x: T, a: Activation): T {
  switch (a) {
    case 'relu':
      return tf.relu(x);
    case 'leakyRelu':
      return tf.leakyRelu(x, LEAKY_RELU_ALPHA);
    case 'elu':
      return tf.elu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'softplus':
      return tf.softplus(x);
    case 'linear':
      return x;
  }
}

/**
 * A trainable variable initialised from `init`, which is disposed: tf.variable shares the initial
 * tensor's buffer, so keeping the tensor would hold the memory after the variable is disposed.
 */
export function ownedVariable<R extends tf.Rank>(init: tf.Tensor<R>, trainable = true): tf.Variable<R> {
  const v = tf.variable(init, trainable);
  init.dispose();
  return v;
}

export class Mlp {
  readonly weights: tf.Variable<tf.Rank.R2>[] = [];
  readonly biases: tf.Variable<tf.Rank.R1>[] = [];
  readonly activation: Activation;
  readonly outputActivation: Activation;

  /**
   * Weights and biases ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), PyTorch's nn.Linear default, so that
   * runs are comparable with the PyTorch peer and the papers' reference code.
   */
  /** `name` appears in error messages; tfjs variable names stay auto-generated (they must be unique per process). */
  constructor(
    readonly spec: MlpSpec,
    rng: Rng,
    readonly name = 'mlp',
  ) {
    const { sizes } = spec;
    if (!Array.isArray(sizes) || sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s <= 0)) {
      throw new Error(`${name}: layer sizes must be at least two positive integers, got ${JSON.stringify(sizes)}`);
    }
    this.activation = checkActivation(spec.activation ?? 'relu', `${name}.activation`);
    this.outputActivation = checkActivation(spec.outputActivation ?? 'linear', `${name}.outputActivation`);
    for (let i = 0; i + 1 < sizes.length; i++) {
      const bound = 1 / Math.sqrt(sizes[i]);
      this.weights.push(ownedVariable(tf.randomUniform([sizes[i], sizes[i + 1]], -bound, bound, 'float32', rng.tfSeed()) as tf.Tensor2D));
      this.biases.push(ownedVariable(tf.randomUniform([sizes[i + 1]], -bound, bound, 'float32', rng.tfSeed()) as tf.Tensor1D));
    }
  }

  get inputSize(): number {
    return this.spec.sizes[0];
  }

  get outputSize(): number {
    return this.spec.sizes[this.spec.sizes.length - 1];
  }

  get variables(): tf.Variable[] {
    const v: tf.Variable[] = [];
    for (let i = 0; i < this.weights.length; i++) v.push(this.weights[i], this.biases[i]);
    return v;
  }

  /** x: [n, sizes[0]] → [n, sizes[last]]. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.inputSize) {
      throw new Error(`${this.name}: expected input of shape [n, ${this.inputSize}], got [${x.shape.join(', ')}]`);
    }
    return this.applyLayers(x, 0, this.weights.length);
  }

  /**
   * Layers [from, to) applied to h (the input of layer `from`): the concat critic's all-pairs path
   * runs its first layer itself and the rest here; convex η-MINE's features stop before the last.
   */
  applyLayers(h: tf.Tensor2D, from: number, to: number): tf.Tensor2D {
    const last = this.weights.length - 1;
    if (from >= to) return h;
    // one kernel each way on the wasm backend (src/backend/denseStack.ts); null where it cannot serve
    const outAct = to - 1 === last ? this.outputActivation : this.activation;
    const fused = denseStack(h, this.weights.slice(from, to), this.biases.slice(from, to), this.activation, outAct, LEAKY_RELU_ALPHA);
    if (fused) return fused;
    for (let i = from; i < to; i++) {
      const a = i === last ? this.outputActivation : this.activation;
      // fused matmul+bias(+relu) is one kernel; other activations are applied separately because
      // tfjs can only differentiate fused linear/relu.
      if (a === 'relu' || a === 'linear') {
        h = tf.fused.matMul({ a: h, b: this.weights[i], bias: this.biases[i], activation: a }) as tf.Tensor2D;
      } else {
        h = activate(tf.fused.matMul({ a: h, b: this.weights[i], bias: this.biases[i] }) as tf.Tensor2D, a);
      }
    }
    return h;
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/** Runs `fn` on `x` in chunks of `chunk` rows and returns the concatenated outputs (n × outDim). */
export function mapRows(x: Float32Array, inDim: number, outDim: number, chunk: number, fn: (t: tf.Tensor2D) => tf.Tensor2D): Float32Array {
  const n = x.length / inDim;
  const res = new Float32Array(n * outDim);
  for (let s = 0; s < n; s += chunk) {
    const k = Math.min(chunk, n - s);
    const t = tf.tidy(() => fn(tf.tensor2d(x.subarray(s * inDim, (s + k) * inDim), [k, inDim])));
    res.set(t.dataSync(), s * outDim);
    t.dispose();
  }
  return res;
}
