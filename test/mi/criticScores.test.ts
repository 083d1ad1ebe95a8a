/**
 * criticScores (src/mi/criticScores.ts) with 'shuffle' sampling scores the joint pairs (x_i, y_i)
 * and the marginal pairs (x_i, y_π(i)) in one critic pass over 2n rows: for every critic kind the
 * scores are those of two separate passes, the gradients equal to float rounding, and a concat
 * critic runs one dense stack each way instead of two.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DENSE_BACKWARD, DENSE_FORWARD } from '../../src/backend/denseStack.js';
import { type Critic, createCritic, type CriticConfig } from '../../src/nets/critics.js';
import { layersCritic } from '../../src/nets/layersCritic.js';
import { criticScores } from '../../src/mi/criticScores.js';
import { Rng } from '../../src/util/rng.js';

const N = 24,
  DX = 3,
  DY = 2;

function data(seed: number) {
  const r = new Rng(seed);
  return { x: r.fillNormal(new Float32Array(N * DX)), y: r.fillNormal(new Float32Array(N * DY)), perm: r.permutation(N) };
}

/** The two passes criticScores made before: pairs on (x, y), then on (x, y_π). */
function twoPasses(critic: Critic, x: tf.Tensor2D, y: tf.Tensor2D, perm: Int32Array) {
  return { joint: critic.pairs(x, y), marginal: critic.pairs(x, tf.gather(y, tf.tensor1d(perm, 'int32')) as tf.Tensor2D) };
}

/** Scores and the gradient of a weighted sum of them w.r.t. the critic's variables and y. */
function run(critic: Critic, d: ReturnType<typeof data>, one: boolean) {
  return tf.tidy(() => {
    const x = tf.tensor2d(d.x, [N, DX]),
      y = tf.tensor2d(d.y, [N, DY]);
    const w = tf.linspace(-1, 1, N);
    let joint: number[] = [],
      marginal: number[] = [];
    const f = (yy: tf.Tensor2D) => {
      const s = one ? criticScores(critic, 'shuffle', x, yy, d.perm) : twoPasses(critic, x, yy, d.perm);
      joint = Array.from(s.joint.dataSync());
      marginal = Array.from(s.marginal.dataSync());
      return tf.add(tf.sum(tf.mul(s.joint, w)), tf.sum(tf.exp(s.marginal))) as tf.Scalar;
    };
    const vars = critic.variables;
    const { grads } = tf.variableGrads(() => f(y), vars);
    const dy = tf.grad((yy: tf.Tensor) => f(yy as tf.Tensor2D))(y);
    return { joint, marginal, grads: [...vars.map((v) => Array.from(grads[v.name].dataSync())), Array.from(dy.dataSync())] };
  });
}

const CRITICS: [string, () => Critic][] = [
  ['concat (relu, the fused dense stack)', () => createCritic({ kind: 'concat', hidden: [16, 16] }, DX, DY, new Rng(1))],
  ['concat (tanh)', () => createCritic({ kind: 'concat', hidden: [16], activation: 'tanh' } as CriticConfig, DX, DY, new Rng(2))],
  ['separable', () => createCritic({ kind: 'separable', hidden: [16], embedding: 4 }, DX, DY, new Rng(3))],
  [
    'bilinear',
    () => {
      const c = createCritic({ kind: 'bilinear' }, DX, DY, new Rng(4));
      tf.tidy(() => c.variables[0].assign(tf.randomNormal([DX, DY], 0, 1, 'float32', 5)));
      return c;
    },
  ],
  [
    "a user's tf.LayersModel (layersCritic)",
    () =>
      layersCritic(tf.sequential({ layers: [tf.layers.dense({ inputShape: [DX + DY], units: 16, activation: 'relu' }), tf.layers.dense({ units: 1 })] }), {
        xDim: DX,
        yDim: DY,
      }),
  ],
];

describe("criticScores, 'shuffle': one critic pass for the joint and the marginal pairs", () => {
  for (const [name, make] of CRITICS) {
    it(`${name}: the scores of two passes, gradients equal to float rounding`, () => {
      const critic = make();
      const d = data(7);
      const one = run(critic, d, true),
        two = run(critic, d, false);
      // row-wise critics: the same scores (to 1 ulp where a matmul blocks 2n rows differently from n)
      one.joint.forEach((v, i) => expect(Math.abs(v - two.joint[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v))));
      one.marginal.forEach((v, i) => expect(Math.abs(v - two.marginal[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v))));
      one.grads.forEach((g, k) => g.forEach((v, i) => expect(Math.abs(v - two.grads[k][i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v)))));
      critic.dispose();
    });
  }

  it('a concat critic runs one dense stack forward and one backward (two passes: two each); no tensor is left behind', async () => {
    const critic = createCritic({ kind: 'concat', hidden: [16, 16] }, DX, DY, new Rng(1));
    const d = data(8);
    const kernels = async (one: boolean) => (await tf.profile(() => void run(critic, d, one))).kernels.map((k) => k.name);
    const [a, b] = [await kernels(true), await kernels(false)];
    const n = (ks: string[], k: string) => ks.filter((x) => x === k).length;
    // run() differentiates twice (w.r.t. the variables, then w.r.t. y)
    expect([n(a, DENSE_FORWARD), n(a, DENSE_BACKWARD)]).toEqual([2, 2]);
    expect([n(b, DENSE_FORWARD), n(b, DENSE_BACKWARD)]).toEqual([4, 4]);
    run(critic, d, true);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) run(critic, d, true);
    expect(tf.memory().numTensors).toBe(before);
    critic.dispose();
  });

  it("a permutation of the wrong length is an error; 'matrix' still scores the full matrix", () => {
    const critic = createCritic({ kind: 'concat', hidden: [8] }, DX, DY, new Rng(1));
    const d = data(9);
    tf.tidy(() => {
      const x = tf.tensor2d(d.x, [N, DX]),
        y = tf.tensor2d(d.y, [N, DY]);
      expect(() => criticScores(critic, 'shuffle', x, y, new Int32Array(N - 1))).toThrow(/permutation length 23 does not match batch size 24/);
      const s = criticScores(critic, 'matrix', x, y, d.perm);
      expect(s.matrix?.shape).toEqual([N, N]);
      expect(s.marginal.shape).toEqual([N * (N - 1)]);
    });
    critic.dispose();
  });
});
