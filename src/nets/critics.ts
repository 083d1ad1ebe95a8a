/**
 * Statistics networks ("critics") T(x, y) of the MI-estimation literature (Poole et al. 2019 §2):
 * concat T([x, y]) (MINE), separable φ₁(x)ᵀφ₂(y) (InfoNCE/CPC style), bilinear xᵀWy.
 * Each gives aligned-pair scores T(x_i, y_i) and the full score matrix S_ij = T(x_i, y_j).
 */
import * as tf from '@tensorflow/tfjs';
import { pairSumRelu } from '../backend/pairSumRelu.js';
import type { Rng } from '../util/rng.js';
import { Mlp, activate, ownedVariable, type Activation } from './mlp.js';

export const CRITIC_KINDS = ['concat', 'separable', 'bilinear'] as const;
export type CriticKind = (typeof CRITIC_KINDS)[number];

/**
 * Weight initialisation of an MLP critic: 'pytorch' (default) is nn.Linear's U(±1/√fan_in) for
 * weights and biases; 'keras' is tf.keras Dense with kernel_initializer='random_normal' —
 * N(0, 0.05²) weights and zero biases — the critic of SMILE's and ReMINE's reference code.
 */
export const CRITIC_INITS = ['pytorch', 'keras'] as const;
export type CriticInit = (typeof CRITIC_INITS)[number];

export type CriticConfig =
  | { kind: 'concat'; hidden: number[]; activation?: Activation; init?: CriticInit }
  | { kind: 'separable'; hidden: number[]; embedding: number; activation?: Activation; init?: CriticInit }
  | { kind: 'bilinear' };

/** Re-draws an MLP's weights as tf.keras' RandomNormal(0, 0.05) and zeroes its biases (see CriticInit). */
function kerasInit(net: Mlp, rng: Rng): void {
  for (const w of net.weights) tf.tidy(() => w.assign(tf.randomNormal(w.shape, 0, 0.05, 'float32', rng.tfSeed())));
  for (const b of net.biases) tf.tidy(() => b.assign(tf.zerosLike(b)));
}

export interface Critic {
  /** the kind; 'layers' for a user's tf.LayersModel wrapped by layersCritic. */
  readonly kind: CriticKind | 'layers';
  readonly variables: tf.Variable[];
  /** T(x_i, y_i) for aligned rows: x [n, dx], y [n, dy] → [n]. */
  pairs(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D;
  /** S_ij = T(x_i, y_j): x [n, dx], y [m, dy] → [n, m]. */
  matrix(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

function checkPair(x: tf.Tensor2D, y: tf.Tensor2D, dx: number, dy: number, aligned: boolean): void {
  if (x.rank !== 2 || x.shape[1] !== dx) throw new Error(`critic: x must have shape [n, ${dx}], got [${x.shape.join(', ')}]`);
  if (y.rank !== 2 || y.shape[1] !== dy) throw new Error(`critic: y must have shape [n, ${dy}], got [${y.shape.join(', ')}]`);
  if (aligned && x.shape[0] !== y.shape[0]) {
    throw new Error(`critic: x and y must have the same number of rows, got ${x.shape[0]} and ${y.shape[0]}`);
  }
}

/**
 * The all-pairs scores S_ij = MLP([x_i; y_j]) of a ReLU MLP with a linear output, with its backward
 * pass written out as matmuls. tfjs' own gradients of the same graph reduce the [n·m, h] tensors
 * with Sum kernels (the bias gradients, the broadcast add's gradient), which on wasm cost as much as
 * the layers' matmuls; here every reduction is a product with a ones vector (one sgemm).
 * Inputs: x [n, dx], y [m, dy], then the MLP's variables (W₀, b₀, W₁, b₁, …); returns [n, m].
 */
function reluMlpAllPairs(dx: number, layers: number): (...inputs: tf.Tensor[]) => tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [x, y, ...params] = args as tf.Tensor2D[];
    const [n, m] = [x.shape[0], y.shape[0]];
    const w = params.filter((_, i) => i % 2 === 0),
      b = params.filter((_, i) => i % 2 === 1) as unknown as tf.Tensor1D[];
    const h0 = w[0].shape[1];
    const w0x = w[0].slice([0, 0], [dx, h0]),
      w0y = w[0].slice([dx, 0], [w[0].shape[0] - dx, h0]);
    // layer 0 per sample, broadcast over pairs: W₀[x_i; y_j] + b₀ = (W₀ₓx_i + b₀) + W₀ᵧy_j
    const pre0 = tf
      .add(tf.fused.matMul({ a: x, b: w0x, bias: b[0] }).reshape([n, 1, h0]), tf.matMul(y, w0y).reshape([1, m, h0]))
      .reshape([n * m, h0]) as tf.Tensor2D;
    // outs[k] = layer k's output; the last layer is linear
    const outs: tf.Tensor2D[] = [layers === 1 ? pre0 : tf.relu(pre0)];
    for (let k = 1; k < layers; k++) {
      outs.push(tf.fused.matMul({ a: outs[k - 1], b: w[k], bias: b[k], activation: k === layers - 1 ? 'linear' : 'relu' }) as tf.Tensor2D);
    }
    save([x, y, ...w, ...outs]);
    return {
      value: outs[layers - 1].reshape([n, m]),
      gradFunc: (dS: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sy] = saved as tf.Tensor2D[];
        const sw = saved.slice(2, 2 + layers) as tf.Tensor2D[];
        const so = saved.slice(2 + layers) as tf.Tensor2D[];
        const onesRows = tf.ones([1, n * m]) as tf.Tensor2D;
        const dW: tf.Tensor2D[] = new Array(layers),
          db: tf.Tensor1D[] = new Array(layers);
        // g: the loss's gradient with respect to layer k's pre-activation
        let g = dS.reshape([n * m, 1]) as tf.Tensor2D;
        for (let k = layers - 1; k >= 1; k--) {
          dW[k] = tf.matMul(so[k - 1], g, true, false);
          db[k] = tf.matMul(onesRows, g).reshape([g.shape[1]]);
          g = tf.mul(tf.matMul(g, sw[k], false, true), tf.step(so[k - 1])) as tf.Tensor2D;
        }
        // layer 0: the pair gradient sums over j for x_i's part and over i for y_j's part
        const gA = tf.matMul(g.reshape([n, m, h0]), tf.ones([1, m, 1]), true, false).reshape([n, h0]) as tf.Tensor2D;
        const gC = tf.matMul(tf.ones([1, n]), g.reshape([n, m * h0])).reshape([m, h0]) as tf.Tensor2D;
        dW[0] = tf.concat([tf.matMul(sx, gA, true, false), tf.matMul(sy, gC, true, false)], 0) as tf.Tensor2D;
        db[0] = tf.matMul(tf.ones([1, n]), gA).reshape([h0]);
        const sw0x = sw[0].slice([0, 0], [dx, h0]),
          sw0y = sw[0].slice([dx, 0], [sw[0].shape[0] - dx, h0]);
        const grads: tf.Tensor[] = [tf.matMul(gA, sw0x, false, true), tf.matMul(gC, sw0y, false, true)];
        for (let k = 0; k < layers; k++) grads.push(dW[k], db[k]);
        return grads;
      },
    };
  });
}

/** T([x, y]) with an MLP on the concatenation (MINE's statistics network). */
export class ConcatCritic implements Critic {
  readonly kind = 'concat';
  readonly net: Mlp;
  constructor(
    readonly dx: number,
    readonly dy: number,
    hidden: number[],
    rng: Rng,
    activation: Activation = 'relu',
    init: CriticInit = 'pytorch',
  ) {
    this.net = new Mlp({ sizes: [dx + dy, ...hidden, 1], activation }, rng, 'critic');
    if (init === 'keras') kerasInit(this.net, rng);
  }
  get variables() {
    return this.net.variables;
  }
  pairs(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
    checkPair(x, y, this.dx, this.dy, true);
    return this.net.apply(tf.concat([x, y], 1)).reshape([x.shape[0]]);
  }
  /**
   * All n·m scores without tiling the inputs: the first layer is linear, W₁[x; y] = W₁ₓx + W₁ᵧy,
   * so W₁ₓx_i + b₁ and W₁ᵧy_j are computed once per sample and broadcast-added to [n, m, h] before
   * the activation; only the later layers run on n·m rows. Equal to `matrixTiled` up to float
   * rounding, in value and gradient (test/nets/critics.test.ts).
   */
  matrix(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    checkPair(x, y, this.dx, this.dy, false);
    const [n, m] = [x.shape[0], y.shape[0]];
    if (this.net.activation === 'relu' && this.net.outputActivation === 'linear') {
      const fused = this.fusedReluAllPairs(x, y);
      if (fused) return fused;
      this.reluAllPairs ??= reluMlpAllPairs(this.dx, this.net.weights.length);
      return this.reluAllPairs(x, y, ...this.net.variables) as tf.Tensor2D;
    }
    return this.net.applyLayers(this.firstLayerAllPairs(x, y), 1, this.net.weights.length).reshape([n, m]);
  }
  private reluAllPairs?: (...inputs: tf.Tensor[]) => tf.Tensor;
  /**
   * The ReLU path through the fused kernels (wasm): the first layer on all pairs as one kernel
   * each way (src/backend/pairSumRelu.ts), the later layers as one dense stack. Null where either
   * cannot serve; then the tf-op path above runs.
   */
  private fusedReluAllPairs(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D | null {
    const { weights, biases } = this.net;
    if (weights.length < 2) return null;
    const h = weights[0].shape[1];
    // matMul + add rather than tf.fused.matMul: the fused op's gradient also computes x's gradient
    const ax = tf.add(tf.matMul(x, weights[0].slice([0, 0], [this.dx, h])), biases[0]) as tf.Tensor2D;
    const ay = tf.matMul(y, weights[0].slice([this.dx, 0], [this.dy, h])) as tf.Tensor2D;
    const h1 = pairSumRelu(ax, ay);
    if (!h1) return null;
    const out = this.net.applyLayers(h1, 1, weights.length);
    return out.reshape([x.shape[0], y.shape[0]]) as tf.Tensor2D;
  }
  /** The reference all-pairs path: the concatenated inputs tiled to n·m rows through the whole MLP. */
  matrixTiled(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    checkPair(x, y, this.dx, this.dy, false);
    const [n, m] = [x.shape[0], y.shape[0]];
    const xs = tf.tile(x.expandDims(1), [1, m, 1]).reshape([n * m, this.dx]);
    const ys = tf.tile(y.expandDims(0), [n, 1, 1]).reshape([n * m, this.dy]);
    return this.net.apply(tf.concat([xs, ys], 1) as tf.Tensor2D).reshape([n, m]);
  }
  /**
   * The last hidden layer's activations Φ(x_i, y_i) for aligned rows, [n, h]: the feature map of
   * convex η-MINE (Mroueh et al. 2021 §4), where T = ⟨w, Φ⟩ + b with the last layer's (w, b).
   */
  features(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    checkPair(x, y, this.dx, this.dy, true);
    this.requireHidden();
    return this.net.applyLayers(tf.concat([x, y], 1) as tf.Tensor2D, 0, this.net.weights.length - 1);
  }
  /** Φ(x_i, y_j) for all pairs, [n·m, h], row i·m + j (the all-pairs path of `matrix`). */
  featuresAllPairs(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    checkPair(x, y, this.dx, this.dy, false);
    this.requireHidden();
    return this.net.applyLayers(this.firstLayerAllPairs(x, y), 1, this.net.weights.length - 1);
  }
  private requireHidden(): void {
    if (this.net.weights.length < 2) throw new Error('critic: features need at least one hidden layer (critic.hidden is empty)');
  }
  /** The first layer's activations on every pair (x_i, y_j): [n·m, h₁], row i·m + j. */
  private firstLayerAllPairs(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    const [n, m] = [x.shape[0], y.shape[0]];
    const w = this.net.weights[0];
    const h = w.shape[1];
    const ax = tf.fused.matMul({ a: x, b: w.slice([0, 0], [this.dx, h]), bias: this.net.biases[0] });
    const ay = tf.matMul(y, w.slice([this.dx, 0], [this.dy, h]));
    const pre = tf.add(ax.reshape([n, 1, h]), ay.reshape([1, m, h])).reshape([n * m, h]) as tf.Tensor2D;
    return activate(pre, this.net.weights.length === 1 ? this.net.outputActivation : this.net.activation);
  }
  dispose() {
    this.net.dispose();
  }
}

/** φ₁(x)ᵀφ₂(y): two MLP embeddings and a dot product; the score matrix costs one matmul. */
export class SeparableCritic implements Critic {
  readonly kind = 'separable';
  readonly fx: Mlp;
  readonly fy: Mlp;
  constructor(
    readonly dx: number,
    readonly dy: number,
    hidden: number[],
    embedding: number,
    rng: Rng,
    activation: Activation = 'relu',
    init: CriticInit = 'pytorch',
  ) {
    this.fx = new Mlp({ sizes: [dx, ...hidden, embedding], activation }, rng, 'critic.phiX');
    this.fy = new Mlp({ sizes: [dy, ...hidden, embedding], activation }, rng, 'critic.phiY');
    if (init === 'keras') for (const net of [this.fx, this.fy]) kerasInit(net, rng);
  }
  get variables() {
    return [...this.fx.variables, ...this.fy.variables];
  }
  pairs(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
    checkPair(x, y, this.dx, this.dy, true);
    return tf.sum(tf.mul(this.fx.apply(x), this.fy.apply(y)), 1);
  }
  matrix(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    checkPair(x, y, this.dx, this.dy, false);
    return tf.matMul(this.fx.apply(x), this.fy.apply(y), false, true);
  }
  dispose() {
    this.fx.dispose();
    this.fy.dispose();
  }
}

/** xᵀWy with W initialised at zero (the critic starts at T = 0, where every bound is 0). */
export class BilinearCritic implements Critic {
  readonly kind = 'bilinear';
  readonly w: tf.Variable<tf.Rank.R2>;
  constructor(
    readonly dx: number,
    readonly dy: number,
  ) {
    this.w = ownedVariable(tf.zeros([dx, dy]) as tf.Tensor2D);
  }
  get variables() {
    return [this.w];
  }
  pairs(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
    checkPair(x, y, this.dx, this.dy, true);
    return tf.sum(tf.mul(tf.matMul(x, this.w), y), 1);
  }
  matrix(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    checkPair(x, y, this.dx, this.dy, false);
    return tf.matMul(tf.matMul(x, this.w), y, false, true);
  }
  dispose() {
    this.w.dispose();
  }
}

export function createCritic(cfg: CriticConfig, dx: number, dy: number, rng: Rng): Critic {
  switch (cfg.kind) {
    case 'concat':
      return new ConcatCritic(dx, dy, cfg.hidden, rng, cfg.activation, cfg.init);
    case 'separable':
      return new SeparableCritic(dx, dy, cfg.hidden, cfg.embedding, rng, cfg.activation, cfg.init);
    case 'bilinear':
      return new BilinearCritic(dx, dy);
    default: {
      const k = (cfg as { kind: unknown }).kind;
      throw new Error(`critic.kind: unknown critic ${JSON.stringify(k)}; expected one of ${CRITIC_KINDS.join(', ')}`);
    }
  }
}
