/**
 * The stateful estimators: MINE's moving-average gradient, η-MINE's η block, ReMINE's regulariser,
 * their gradients (every estimator's loss reaches the critic's scores), and the registry's errors.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DvEstimator, updateLogMovingAverage } from '../../src/mi/dv.js';
import { EtaMine } from '../../src/mi/etaMine.js';
import { createEstimator, ESTIMATOR_KINDS, parseEstimatorConfig } from '../../src/mi/registry.js';
import { scoresFromMatrix } from '../../src/mi/ops.js';
import { Rng } from '../../src/util/rng.js';

const num = (t: tf.Tensor) => t.dataSync()[0];
function scores(n: number, seed: number, shift = 0): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => shift + r.normal());
}

describe('MINE moving average (Belghazi et al. §3.2)', () => {
  it('starts at the first batch value, then mixes (1−r)·m̄ + r·E_Q[e^T] in linear space', () => {
    tf.tidy(() => {
      const first = updateLogMovingAverage(tf.scalar(NaN), tf.scalar(Math.log(2)), 0.01);
      expect(Math.exp(num(first))).toBeCloseTo(2, 5);
      const second = updateLogMovingAverage(first, tf.scalar(Math.log(4)), 0.01);
      expect(Math.exp(num(second))).toBeCloseTo(0.99 * 2 + 0.01 * 4, 5);
    });
  });

  it('gives the corrected gradient ∂/∂T_Q,i = −e^{T_Q,i}/(n·m̄), not the biased −softmax(T_Q)_i', () => {
    const est = new DvEstimator('mine', { movingAverageRate: 0.5, regularizer: null, report: 'bound' });
    const j = scores(8, 1),
      m1 = scores(8, 2),
      m2 = scores(8, 3, 0.5);
    tf.tidy(() => void est.objective({ joint: tf.tensor1d(j), marginal: tf.tensor1d(m1) }));
    const mean = (a: Float32Array) => a.reduce((s, v) => s + Math.exp(v), 0) / a.length;
    const ma = 0.5 * mean(m1) + 0.5 * mean(m2); // the average after the second batch, float64
    const g = tf.tidy(() => tf.grad((m: tf.Tensor) => est.objective({ joint: tf.tensor1d(j), marginal: m as tf.Tensor1D }).miForGradient)(tf.tensor1d(m2)));
    const gv = g.dataSync();
    for (let i = 0; i < 8; i++) expect(gv[i]).toBeCloseTo(-Math.exp(m2[i]) / (8 * ma), 5);
    // the value reported is still the DV bound of the batch
    const out = tf.tidy(() => num(est.objective({ joint: tf.tensor1d(j), marginal: tf.tensor1d(m2) }, { updateState: false }).mi));
    const dv = j.reduce((s, v) => s + v, 0) / 8 - Math.log(mean(m2));
    expect(out).toBeCloseTo(dv, 5);
    g.dispose();
    est.dispose();
  });

  it('keeps its state in log space across calls and restores it from a checkpoint', () => {
    const a = new DvEstimator('mine', { movingAverageRate: 0.01, regularizer: null, report: 'bound' });
    tf.tidy(() => void a.objective({ joint: tf.tensor1d([1, 2]), marginal: tf.tensor1d([Math.log(3), Math.log(3)]) }));
    expect(a.getState().logMovingAverage).toBeCloseTo(Math.log(3), 5);
    const b = new DvEstimator('mine', { movingAverageRate: 0.01, regularizer: null, report: 'bound' });
    b.setState(a.getState());
    expect(b.getState().logMovingAverage).toBeCloseTo(Math.log(3), 5);
    a.dispose();
    b.dispose();
  });
});

describe('η-MINE (Mroueh et al. 2021)', () => {
  it('the η-loss e^{−η}E_Q[e^T] + η − 1 is minimised at η = log E_Q[e^T] (gradient 0 there, positive curvature)', () => {
    const est = new EtaMine();
    const m = scores(64, 5, 1.2);
    const target = Math.log(m.reduce((s, v) => s + Math.exp(v), 0) / m.length);
    const s = () => ({ joint: tf.tensor1d(scores(64, 6)), marginal: tf.tensor1d(m) });
    const lossAt = (eta: number) => tf.tidy(() => num(est.etaLoss(s(), tf.scalar(eta))));
    const g = tf.tidy(() => num(tf.grad((e: tf.Tensor) => est.etaLoss(s(), e as tf.Scalar))(tf.scalar(target))));
    expect(Math.abs(g)).toBeLessThan(1e-5);
    expect(lossAt(target - 0.3)).toBeGreaterThan(lossAt(target));
    expect(lossAt(target + 0.3)).toBeGreaterThan(lossAt(target));
    est.dispose();
  });

  it('the exact η block sets η = log E_Q[e^T] of the batch; the bounded SGD block moves toward it by at most 1 nat', () => {
    const m = scores(64, 5, 1.2);
    const target = Math.log(m.reduce((s, v) => s + Math.exp(v), 0) / m.length);
    const s = () => ({ joint: tf.tensor1d(scores(64, 6)), marginal: tf.tensor1d(m) });
    const exact = new EtaMine(null, 'shuffle', 'exact');
    tf.tidy(() => exact.updateOwnBlock(s()));
    expect(num(exact.eta)).toBeCloseTo(target, 5);
    const sgd = new EtaMine(null, 'shuffle', 'sgd', 0.3);
    tf.tidy(() => sgd.updateOwnBlock({ joint: tf.tensor1d([0]), marginal: tf.tensor1d([0]) })); // warm start at 0
    for (let i = 0; i < 200; i++) tf.tidy(() => sgd.updateOwnBlock(s()));
    expect(num(sgd.eta)).toBeCloseTo(target, 3);
    exact.dispose();
    sgd.dispose();
  });

  it('the default η block is an Adam step like a critic parameter’s: the first step moves η by exactly its rate (5e-4) toward log E_Q[e^T]', () => {
    const m = scores(64, 5, 1.2);
    const target = Math.log(m.reduce((s, v) => s + Math.exp(v), 0) / m.length);
    const est = new EtaMine();
    expect([est.etaUpdate, est.etaLearningRate]).toEqual(['adam', 5e-4]);
    // warm start 1 nat above the target (the objective sets η = log E_Q[e^T] of its first batch);
    // Adam's first step is lr·g/|g| with g = 1 − e^{target − η} > 0, i.e. exactly lr downward
    tf.tidy(() => void est.objective({ joint: tf.tensor1d([0]), marginal: tf.tensor1d([target + 1]) }));
    tf.tidy(() => est.updateOwnBlock({ joint: tf.tensor1d(scores(64, 6)), marginal: tf.tensor1d(m) }));
    expect(num(est.eta)).toBeCloseTo(target + 1 - 5e-4, 5);
    est.dispose();
  });

  it('starts η at the first batch’s log E_Q[e^T], where the η-bound equals DV', () => {
    const est = new EtaMine();
    const j = scores(32, 7),
      m = scores(32, 8);
    const [bound, dv] = tf.tidy(() => {
      const s = { joint: tf.tensor1d(j), marginal: tf.tensor1d(m) };
      return [num(est.objective(s).mi), num(est.dvValue(s))];
    });
    expect(bound).toBeCloseTo(dv, 5);
    est.dispose();
  });

  it('the critic block treats η as a constant: the loss has no gradient w.r.t. η (stopGradient is off the tape)', () => {
    const est = new EtaMine();
    const s = () => ({ joint: tf.tensor1d(scores(16, 9)), marginal: tf.tensor1d(scores(16, 10)) });
    tf.tidy(() => void est.objective(s()));
    est.eta.trainable = true;
    // a probe variable keeps the loss connected to something, so that variableGrads can run at all
    const probe = tf.variable(tf.scalar(1), true, `probe-${Math.random()}`);
    const names = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.add(est.objective(s(), { updateState: false }).loss, tf.mul(probe, 0)) as tf.Scalar, [est.eta, probe]);
      return Object.keys(grads);
    });
    expect(names).toEqual([probe.name]);
    probe.dispose();
    est.dispose();
  });

  it("readout 'dv' reports the DV bound of the scores (η at its optimum), ≥ the η-DV value at a trained η; the loss and its gradient are the η-DV ones", () => {
    const j = scores(32, 11, 1),
      m = scores(32, 12);
    const dv = j.reduce((s, v) => s + v, 0) / 32 - Math.log(m.reduce((s, v) => s + Math.exp(v), 0) / 32);
    const run = (readout: 'eta-dv' | 'dv') => {
      const est = createEstimator(parseEstimatorConfig({ kind: 'eta-mine', etaReadout: readout }, 'estimator'));
      (est as EtaMine).setState({ eta: 2, etaInitialised: 1 }); // a trained η away from log E_Q[e^T] ≈ 0.5
      const out = tf.tidy(() => {
        const o = est.objective({ joint: tf.tensor1d(j), marginal: tf.tensor1d(m) }, { updateState: false });
        const g = tf.grad((t: tf.Tensor) => est.objective({ joint: tf.tensor1d(j), marginal: t as tf.Tensor1D }, { updateState: false }).loss)(tf.tensor1d(m));
        return { estimate: num(o.estimate), mi: num(o.mi), grad: Array.from(g.dataSync()) };
      });
      est.dispose();
      return out;
    };
    const eta = run('eta-dv'),
      readDv = run('dv');
    expect(readDv.estimate).toBeCloseTo(dv, 5);
    expect(eta.estimate).toBeCloseTo(eta.mi, 6);
    expect(eta.estimate).toBeLessThan(dv - 0.1); // e^{lme−η} − 1 − (lme − η) ≈ 0.72 nats below at η − lme ≈ 1.5
    expect(readDv.mi).toBe(eta.mi);
    expect(readDv.grad).toEqual(eta.grad);
  });
});

describe('ReMINE regulariser (Choi & Lee eq. 9)', () => {
  it('adds λ·(log E_Q[e^T] − C)² to the loss and its gradient 2λ(lme − C)·softmax(T_Q)', () => {
    const est = createEstimator(parseEstimatorConfig({ kind: 'remine', lambda: 0.5, target: 0.2 }));
    const j = scores(10, 11),
      m = scores(10, 12, 0.7);
    const mx = Math.max(...m);
    const lme = mx + Math.log(m.reduce((s, v) => s + Math.exp(v - mx), 0) / 10);
    const out = tf.tidy(() => {
      const o = est.objective({ joint: tf.tensor1d(j), marginal: tf.tensor1d(m) });
      return { reg: num(o.regularizer), loss: num(o.loss), mi: num(o.mi) };
    });
    expect(out.reg).toBeCloseTo(0.5 * (lme - 0.2) ** 2, 5);
    expect(out.loss).toBeCloseTo(-out.mi + out.reg, 5);
    const g = tf.tidy(() =>
      tf
        .grad((mm: tf.Tensor) => est.objective({ joint: tf.tensor1d(j), marginal: mm as tf.Tensor1D }).regularizer)(tf.tensor1d(m))
        .dataSync(),
    );
    const z = m.reduce((s, v) => s + Math.exp(v), 0);
    for (let i = 0; i < 10; i++) expect(g[i]).toBeCloseTo((2 * 0.5 * (lme - 0.2) * Math.exp(m[i])) / z, 5);
  });

  it('ReMINE-J reports the joint term E_P[T] as its estimate', () => {
    const est = createEstimator(parseEstimatorConfig('remine-j'));
    tf.tidy(() => {
      const o = est.objective({ joint: tf.tensor1d([1, 2, 3]), marginal: tf.tensor1d([0, 0, 0]) });
      expect(num(o.estimate)).toBeCloseTo(2, 6);
    });
  });
});

describe('every estimator', () => {
  for (const kind of ESTIMATOR_KINDS) {
    it(`${kind}: its loss has a non-zero gradient w.r.t. the joint and the marginal scores`, () => {
      const est = createEstimator(parseEstimatorConfig(kind));
      const n = 6;
      const mat = tf.tensor2d(scores(n * n, 13), [n, n]);
      const [gj, gm] = tf.tidy(() =>
        tf
          .grads((j: tf.Tensor, m: tf.Tensor) => {
            const s =
              est.sampling === 'matrix'
                ? scoresFromMatrix(tf.add(mat, tf.add(tf.mul(tf.eye(n), tf.sum(j)), tf.mul(tf.sub(1, tf.eye(n)), tf.sum(m)))) as tf.Tensor2D)
                : { joint: j as tf.Tensor1D, marginal: m as tf.Tensor1D };
            return est.objective(s).loss;
          })([tf.tensor1d(scores(n, 14)), tf.tensor1d(scores(n, 15))])
          .map((g) => g.dataSync()),
      );
      expect(gj.some((v) => Math.abs(v) > 1e-6)).toBe(true);
      expect(gm.some((v) => Math.abs(v) > 1e-6)).toBe(true);
      mat.dispose();
      est.dispose();
    });
  }
});

describe('estimator configs', () => {
  it('an unknown estimator names itself and the valid kinds', () => {
    expect(() => parseEstimatorConfig({ kind: 'mien' })).toThrow(/estimator\.kind: unknown estimator "mien"; expected one of mine, mine-biased, nwj/);
  });
  it('an unknown key is named', () => {
    expect(() => parseEstimatorConfig({ kind: 'mine', lamda: 0.1 })).toThrow(/estimator\.lamda: unknown key/);
  });
  it('a negative λ is rejected with the field path', () => {
    expect(() => parseEstimatorConfig({ kind: 'remine', lambda: -1 })).toThrow(/estimator\.lambda must be ≥ 0, got -1/);
  });
  it('a moving-average rate outside (0, 1] is rejected', () => {
    expect(() => parseEstimatorConfig({ kind: 'mine', movingAverageRate: 0 })).toThrow(/movingAverageRate must be > 0/);
  });
  it('ReMINE defaults to λ = 0.1, C = 0, squared distance', () => {
    expect(parseEstimatorConfig('remine').regularizer).toEqual({ lambda: 0.1, target: 0, distance: 'l2' });
  });
});

describe('scores from a score matrix', () => {
  it('joint = diagonal, marginal = the off-diagonal entries in row-major order', () => {
    const n = 4;
    const vals = Float32Array.from({ length: n * n }, (_, k) => k);
    tf.tidy(() => {
      const s = scoresFromMatrix(tf.tensor2d(vals, [n, n]));
      expect(Array.from(s.joint.dataSync())).toEqual([0, 5, 10, 15]);
      expect(Array.from(s.marginal.dataSync())).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14]);
    });
  });
});

describe('estimator state', () => {
  for (const kind of ['mine', 'eta-mine'] as const) {
    it(`${kind}: setState (checkpoint restore) leaves no tensor behind`, () => {
      const est = createEstimator(parseEstimatorConfig(kind));
      const state = { logMovingAverage: 0.5, eta: 0.5, etaInitialised: 1 };
      est.setState(state);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 10; i++) est.setState(state);
      expect(tf.memory().numTensors).toBe(before);
      est.dispose();
    });
  }
});
