/**
 * Statistics networks ("critics") T(x, y) of the MI-estimation literature (Poole et al. 2019 §2):
 * concat T([x, y]) (MINE), separable φ₁(x)ᵀφ₂(y) (InfoNCE/CPC style), bilinear xᵀWy.
 * Each gives aligned-pair scores T(x_i, y_i) and the full score matrix S_ij = T(x_i, y_j).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.js';
import { Mlp, ownedVariable, type Activation } from './mlp.js';

export const CRITIC_KINDS = ['concat', 'separable', 'bilinear'] as const;
export type CriticKind = (typeof CRITIC_KINDS)[number];

export type CriticConfig =
  | { kind: 'concat'; hidden: number[]; activation?: Activation }
  | { kind: 'separable'; hidden: number[]; embedding: number; activation?: Activation }
  | { kind: 'bilinear' };

export interface Critic {
  readonly kind: CriticKind;
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

/** T([x, y]) with an MLP on the concatenation (MINE's statistics network). */
export class ConcatCritic implements Critic {
  readonly kind = 'concat';
  readonly net: Mlp;
  constructor(readonly dx: number, readonly dy: number, hidden: number[], rng: Rng, activation: Activation = 'relu') {
    this.net = new Mlp({ sizes: [dx + dy, ...hidden, 1], activation }, rng, 'critic');
  }
  get variables() {
    return this.net.variables;
  }
  pairs(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
    checkPair(x, y, this.dx, this.dy, true);
    return this.net.apply(tf.concat([x, y], 1)).reshape([x.shape[0]]);
  }
  matrix(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    checkPair(x, y, this.dx, this.dy, false);
    const [n, m] = [x.shape[0], y.shape[0]];
    const xs = tf.tile(x.expandDims(1), [1, m, 1]).reshape([n * m, this.dx]);
    const ys = tf.tile(y.expandDims(0), [n, 1, 1]).reshape([n * m, this.dy]);
    return this.net.apply(tf.concat([xs, ys], 1) as tf.Tensor2D).reshape([n, m]);
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
  constructor(readonly dx: number, readonly dy: number, hidden: number[], embedding: number, rng: Rng, activation: Activation = 'relu') {
    this.fx = new Mlp({ sizes: [dx, ...hidden, embedding], activation }, rng, 'critic.phiX');
    this.fy = new Mlp({ sizes: [dy, ...hidden, embedding], activation }, rng, 'critic.phiY');
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
  constructor(readonly dx: number, readonly dy: number) {
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
      return new ConcatCritic(dx, dy, cfg.hidden, rng, cfg.activation);
    case 'separable':
      return new SeparableCritic(dx, dy, cfg.hidden, cfg.embedding, rng, cfg.activation);
    case 'bilinear':
      return new BilinearCritic(dx, dy);
    default: {
      const k = (cfg as { kind: unknown }).kind;
      throw new Error(`critic.kind: unknown critic ${JSON.stringify(k)}; expected one of ${CRITIC_KINDS.join(', ')}`);
    }
  }
}
