/**
 * MIRegularizer (src/mi/miRegularizer.ts), the one component that adds β·I(X; Y) to a model's
 * loss: the critic step moves only the critic; the combined gradient is the task gradient plus
 * ∓β·∇Î (sign by direction), capped at the task gradient's norm when clipping is adaptive (MINE
 * app. 6.3); a user's own tf.sequential model and Layers critic compose with it; 200 steps leak no
 * tensor; and minimising I(Z; S) lowers the MI a fresh critic measures afterwards.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { MIRegularizer } from '../../src/mi/miRegularizer.js';
import { createCritic } from '../../src/nets/critics.js';
import { layersCritic } from '../../src/nets/layersCritic.js';
import { createEstimator, parseEstimatorConfig } from '../../src/mi/registry.js';
import { miTrainStep } from '../../src/mi/miStep.js';
import { Rng } from '../../src/util/rng.js';

const N = 64;

/** x [N, 2] standard normal; a linear "encoder" y = x W (W a variable) — a model of the user's. */
function setup(seed = 0) {
  const rng = new Rng(seed);
  const x = tf.tensor2d(rng.fillNormal(new Float32Array(N * 2)), [N, 2]);
  const w = tf.variable(
    tf.tensor2d([
      [1, 0.3],
      [-0.2, 0.8],
    ]),
    true,
    `w-${seed}-${Math.random()}`,
  );
  const target = tf.tensor2d(rng.fillNormal(new Float32Array(N * 2)), [N, 2]);
  const taskLoss = () => tf.mean(tf.square(tf.sub(tf.matMul(x, w), target))) as tf.Scalar;
  const pair = (): [tf.Tensor2D, tf.Tensor2D] => [x, tf.matMul(x, w)];
  const dispose = () => tf.dispose([x, w, target]);
  return { x, w, taskLoss, pair, dispose };
}

const reg = (o: Partial<ConstructorParameters<typeof MIRegularizer>[0]> = {}) =>
  new MIRegularizer({ xDim: 2, yDim: 2, critic: { kind: 'concat', hidden: [8] }, estimator: 'mine-biased', direction: 'maximize', clip: false, seed: 1, ...o });

/** ∇_w of the bound under the regulariser's current critic on a fixed permutation (no state change). */
function boundGradient(mi: MIRegularizer, s: ReturnType<typeof setup>, perm: Int32Array): Float32Array {
  return tf.tidy(() => {
    const g = tf.variableGrads(() => {
      const [x, y] = s.pair();
      return mi.term.evaluate(x, y, perm, { updateState: false }).miForGradient;
    }, [s.w as tf.Variable]);
    return Object.values(g.grads)[0].dataSync() as Float32Array;
  });
}

describe('MIRegularizer: the combined gradient', () => {
  for (const direction of ['maximize', 'minimize'] as const) {
    it(`${direction}: g = ∇L_task ${direction === 'maximize' ? '−' : '+'} β·∇Î (clip off, β = 0.5), with ∇Î at the critic after its step`, () => {
      const s = setup();
      const mi = reg({ direction, beta: 0.5 });
      const perm = new Rng(9).permutation(N);
      const out = tf.tidy(() => {
        const { grads } = mi.computeGradients(s.taskLoss, s.pair, [s.w], { perm });
        return Object.values(grads)[0].dataSync().slice();
      });
      const task = tf.tidy(() =>
        Object.values(tf.variableGrads(s.taskLoss, [s.w]).grads)[0]
          .dataSync()
          .slice(),
      );
      const gMi = boundGradient(mi, s, perm); // the critic has now stepped once, as inside the call
      const sign = direction === 'maximize' ? -0.5 : 0.5;
      for (let i = 0; i < 4; i++) expect(out[i]).toBeCloseTo(task[i] + sign * gMi[i], 5);
      mi.dispose();
      s.dispose();
    });
  }

  it('adaptive clipping: the MI part is scaled by min(1, ‖∇L_task‖ / ‖β∇Î‖) (MINE app. 6.3)', () => {
    const s = setup();
    const mi = reg({ beta: 1e4, clip: 'adaptive' }); // a huge β: the MI gradient dominates and is cut
    const info = mi.minimize(tf.train.sgd(0), s.taskLoss, s.pair, [s.w]);
    expect(info.clipScale).toBeLessThan(1);
    expect(info.clipScale).toBeCloseTo(info.taskGradNorm / info.miGradNorm, 4);
    const small = reg({ beta: 1e-6, clip: 'adaptive' }).minimize(tf.train.sgd(0), s.taskLoss, s.pair, [s.w]);
    // unclipped: min(‖g‖, ‖g_MI‖)/(‖g_MI‖ + 1e-12) = 1 up to the ε that guards a zero MI gradient
    expect(small.clipScale).toBeCloseTo(1, 4);
    mi.dispose();
    s.dispose();
  });

  it('clip false adds the MI gradient unscaled (clipScale 1) even when it dominates; one gradient pass: taskGradNorm is the applied gradient’s norm, miGradNorm 0', () => {
    const s = setup();
    const mi = reg({ beta: 1e4, clip: false });
    const task = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(s.taskLoss, [s.w]);
      return { value: value.dataSync()[0], norm: Math.hypot(...Object.values(grads)[0].dataSync()) };
    });
    const { g, info } = tf.tidy(() => {
      const { grads, info } = mi.computeGradients(s.taskLoss, s.pair, [s.w]);
      return {
        g: Object.values(grads)[0].dataSync().slice(),
        info: Object.fromEntries(
          Object.entries(info)
            .filter(([k]) => k !== 'extras')
            .map(([k, v]) => [k, (v as tf.Scalar).dataSync()[0]]),
        ),
      };
    });
    expect(info.clipScale).toBe(1);
    expect(info.taskLoss).toBe(task.value);
    expect(info.taskGradNorm).toBeCloseTo(Math.hypot(...g), 2);
    expect(info.miGradNorm).toBe(0);
    expect(info.taskGradNorm).toBeGreaterThan(100 * task.norm); // the β·MI part, unscaled, dominates
    mi.dispose();
    s.dispose();
  });

  it('clip false differentiates taskLoss and pair() on one gradient tape (adaptive: two), and leaks no tensor', () => {
    const s = setup();
    // the engine's tape of the gradient being recorded (a new array per gradient pass; null outside)
    const tape = () => (tf.engine() as unknown as { state: { activeTape: unknown[] | null } }).state.activeTape;
    for (const clip of [false, 'adaptive'] as const) {
      const mi = reg({ beta: 0.5, clip });
      let taskTape: unknown = null,
        pairTape: unknown = null;
      const step = () =>
        tf.tidy(() => {
          const { grads, info } = mi.computeGradients(() => {
            taskTape = tape();
            return s.taskLoss();
          }, () => {
            if (tape()) pairTape = tape(); // pair() also runs once outside, for the critic's pair
            return s.pair();
          }, [s.w]);
          void [grads, info];
        });
      step();
      expect(taskTape).not.toBeNull();
      expect(pairTape).not.toBeNull();
      expect(pairTape === taskTape).toBe(clip === false);
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 10; i++) step();
      expect(tf.memory().numTensors).toBe(before);
      mi.dispose();
    }
    s.dispose();
  });

  it('β = 0: the critic still trains (a monitor) and the model gets exactly its task gradient', () => {
    const s = setup();
    const mi = reg({ beta: 0 });
    const before = mi.variables.map((v) => v.dataSync().slice());
    const g = tf.tidy(() =>
      Object.values(mi.computeGradients(s.taskLoss, s.pair, [s.w]).grads)[0]
        .dataSync()
        .slice(),
    );
    const task = tf.tidy(() =>
      Object.values(tf.variableGrads(s.taskLoss, [s.w]).grads)[0]
        .dataSync()
        .slice(),
    );
    expect(Array.from(g)).toEqual(Array.from(task));
    expect(mi.variables.some((v, i) => v.dataSync().some((a, j) => a !== before[i][j]))).toBe(true);
    mi.dispose();
    s.dispose();
  });

  it('the critic step moves the critic only; the model moves only through the given optimizer', () => {
    const s = setup();
    const mi = reg({ beta: 1 });
    const w0 = s.w.dataSync().slice();
    const c0 = mi.variables.map((v) => v.dataSync().slice());
    mi.minimize(tf.train.sgd(0), s.taskLoss, s.pair, [s.w]); // the model's optimizer has lr 0
    expect(Array.from(s.w.dataSync())).toEqual(Array.from(w0));
    expect(mi.variables.some((v, i) => v.dataSync().some((a, j) => a !== c0[i][j]))).toBe(true);
    mi.dispose();
    s.dispose();
  });

  it('reports the bound parts: for DV, mi = E_P[T] − log E_Q[e^T]', () => {
    const s = setup();
    const mi = reg({ estimator: 'remine' });
    const info = mi.minimize(tf.train.adam(1e-3), s.taskLoss, s.pair, [s.w]);
    expect(info.mi).toBeCloseTo(info.jointTerm - info.marginalTerm, 5);
    expect(info.penalty).toBeGreaterThanOrEqual(0); // ReMINE's λ·(log E_Q e^T − 0)²
    mi.dispose();
    s.dispose();
  });

  it('bad pairs and options are errors naming the field', () => {
    const s = setup();
    expect(() => reg({ direction: 'up' as 'maximize' })).toThrow(/direction must be "maximize" or "minimize"/);
    expect(() => reg({ beta: -1 })).toThrow(/beta must be a finite number ≥ 0/);
    const mi = reg();
    expect(() => tf.tidy(() => mi.computeGradients(s.taskLoss, () => [s.x, tf.zeros([N, 3]) as tf.Tensor2D], [s.w]))).toThrow(
      /y must have shape \[n, 2\] \(yDim\), got \[64, 3\]/,
    );
    mi.dispose();
    s.dispose();
  });
});

describe("MIRegularizer with a user's own tf.sequential model", () => {
  it('trainableWeights as varList, a Layers critic, 200 steps: tf.memory().numTensors stays flat', () => {
    const rng = new Rng(3);
    const encoder = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 8, activation: 'relu' }), tf.layers.dense({ units: 2 })] });
    const head = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
    const criticModel = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 8, activation: 'relu' }), tf.layers.dense({ units: 1 })] });
    const mi = new MIRegularizer({
      xDim: 4,
      yDim: 2,
      critic: layersCritic(criticModel, { xDim: 4, yDim: 2 }),
      estimator: 'mine',
      beta: 0.1,
      direction: 'minimize',
      clip: 'adaptive',
      seed: 4,
    });
    const opt = tf.train.adam(1e-3);
    const vars = [...encoder.trainableWeights, ...head.trainableWeights];
    const step = () => {
      const xb = tf.tensor2d(rng.fillNormal(new Float32Array(32 * 4)), [32, 4]);
      const yb = tf.tensor2d(rng.fillNormal(new Float32Array(32)), [32, 1]);
      const info = mi.minimize(
        opt,
        () => tf.losses.meanSquaredError(yb, head.apply(encoder.apply(xb)) as tf.Tensor2D) as tf.Scalar,
        () => [xb, encoder.apply(xb) as tf.Tensor2D],
        vars,
      );
      tf.dispose([xb, yb]);
      return info;
    };
    for (let i = 0; i < 2; i++) step();
    const before = tf.memory().numTensors;
    let info = step();
    for (let i = 0; i < 199; i++) info = step();
    expect(tf.memory().numTensors).toBe(before);
    expect(Number.isFinite(info.mi) && Number.isFinite(info.taskLoss)).toBe(true);
    mi.dispose(); // disposes the critic model too
    encoder.dispose();
    head.dispose();
    opt.dispose();
  });
});

describe('direction "minimize": removing a nuisance variable', () => {
  it('training z = [s, u]W + noise against I(Z; S) lowers the MI a fresh critic measures afterwards', () => {
    // x = [s, u], s the nuisance, u the signal; the task asks z to keep u; the MI term removes s.
    const rng = new Rng(11);
    const n = 128;
    const w = tf.variable(
      tf.tensor2d([
        [1, 0],
        [0, 1],
      ]),
      true,
      'nuisance-w',
    );
    const mi = new MIRegularizer({
      xDim: 1,
      yDim: 2,
      critic: { kind: 'concat', hidden: [32] },
      estimator: 'mine',
      beta: 1,
      direction: 'minimize',
      clip: false,
      optimizer: { kind: 'adam', learningRate: 3e-3 },
      seed: 2,
    });
    const opt = tf.train.adam(1e-2);
    const batch = () => {
      const x = rng.fillNormal(new Float32Array(n * 2));
      const eps = rng.fillNormal(new Float32Array(n * 2));
      return { x, eps };
    };
    const encode = (x: tf.Tensor2D, eps: tf.Tensor2D) => tf.add(tf.matMul(x, w), tf.mul(eps, 0.3)) as tf.Tensor2D;
    /** I(Z; S) by a fresh critic trained from scratch on the current encoder (MINE, 300 steps). */
    const measure = (seed: number) => {
      const critic = createCritic({ kind: 'concat', hidden: [32] }, 1, 2, new Rng(seed));
      const estimator = createEstimator(parseEstimatorConfig('mine'));
      const optimizer = tf.train.adam(3e-3);
      const r = new Rng(seed + 1);
      const est: number[] = [];
      for (let i = 0; i < 300; i++) {
        const b = batch();
        const z = tf.tidy(() => encode(tf.tensor2d(b.x, [n, 2]), tf.tensor2d(b.eps, [n, 2])).dataSync() as Float32Array);
        const s = b.x.filter((_, j) => j % 2 === 0);
        est.push(miTrainStep({ critic, estimator, optimizer }, { x: s, y: z, n, dx: 1, dy: 2 }, r).estimate);
      }
      critic.dispose();
      estimator.dispose();
      optimizer.dispose();
      return est.slice(-100).reduce((a, b) => a + b, 0) / 100;
    };
    const before = measure(21);
    for (let i = 0; i < 400; i++) {
      const b = batch();
      tf.tidy(() => {
        const x = tf.tensor2d(b.x, [n, 2]);
        const eps = tf.tensor2d(b.eps, [n, 2]);
        const s = tf.slice(x, [0, 0], [n, 1]) as tf.Tensor2D;
        const u = tf.slice(x, [0, 1], [n, 1]);
        // task: keep u recoverable from z (here: its second coordinate)
        mi.minimize(
          opt,
          () => tf.mean(tf.square(tf.sub(tf.slice(encode(x, eps), [0, 1], [n, 1]), u))) as tf.Scalar,
          () => [s, encode(x, eps)],
          [w],
        );
      });
    }
    const after = measure(21);
    // before: z carries s through W = I with noise 0.3: I(Z; S) = ½ log(1 + 1/0.09) ≈ 1.25 nats
    expect(before).toBeGreaterThan(0.8);
    expect(after).toBeLessThan(0.5 * before);
    mi.dispose();
    opt.dispose();
    w.dispose();
  });
});
