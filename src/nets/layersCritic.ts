/**
 * A user's own tf.LayersModel as a critic: T(x, y) = model([x, y]), the model taking the
 * concatenation [x, y] (n × (dx + dy)) to one score per row (n × 1 or n). Its trainable weights are
 * the critic's variables, so the regularizer's optimizer trains it like any built-in critic.
 * Disposing the critic (or the regularizer that owns it) disposes the model.
 */
import * as tf from '@tensorflow/tfjs';
import type { Critic } from './critics.js';

/** Wraps `model` (input [n, dx + dy], output [n, 1]) as a critic for MIRegularizer or estimators. */
export function layersCritic(model: tf.LayersModel, dims?: { xDim: number; yDim: number }): Critic {
  const inShape = model.inputs?.[0]?.shape;
  const width = inShape && typeof inShape[inShape.length - 1] === 'number' ? (inShape[inShape.length - 1] as number) : null;
  if (dims && width !== null && width !== dims.xDim + dims.yDim) {
    throw new Error(`layersCritic: the model's input has ${width} columns, expected xDim + yDim = ${dims.xDim} + ${dims.yDim}`);
  }
  const outShape = model.outputs?.[0]?.shape;
  if (outShape && outShape.length === 2 && outShape[1] !== 1)
    throw new Error(`layersCritic: the model must output one score per row ([n, 1]), got [${outShape.join(', ')}]`);
  const check = (x: tf.Tensor2D, y: tf.Tensor2D) => {
    if (width !== null && x.shape[1] + y.shape[1] !== width)
      throw new Error(`layersCritic: x has ${x.shape[1]} and y ${y.shape[1]} columns; the model takes ${width}`);
  };
  const score = (xy: tf.Tensor2D): tf.Tensor1D => {
    const out = model.apply(xy) as tf.Tensor;
    return out.reshape([xy.shape[0]]) as tf.Tensor1D;
  };
  return {
    kind: 'layers',
    get variables() {
      return model.trainableWeights.map((w) => w.read() as tf.Variable);
    },
    pairs(x, y) {
      check(x, y);
      if (x.shape[0] !== y.shape[0]) throw new Error(`layersCritic: x and y must have the same number of rows, got ${x.shape[0]} and ${y.shape[0]}`);
      return score(tf.concat([x, y], 1) as tf.Tensor2D);
    },
    matrix(x, y) {
      check(x, y);
      const [n, m] = [x.shape[0], y.shape[0]];
      const xs = tf.tile(x.expandDims(1), [1, m, 1]).reshape([n * m, x.shape[1]]);
      const ys = tf.tile(y.expandDims(0), [n, 1, 1]).reshape([n * m, y.shape[1]]);
      return score(tf.concat([xs, ys], 1) as tf.Tensor2D).reshape([n, m]) as tf.Tensor2D;
    },
    dispose() {
      model.dispose();
    },
  };
}
