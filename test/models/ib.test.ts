/**
 * The IB model (src/models/ib.ts): config errors name the field, a step leaves no tensor behind,
 * the MI term reaches the encoder (and only when β > 0), adaptive clipping caps it at the CE
 * gradient's norm, and the learning-rate schedule is applied.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createIbModel, disposeIbModel, ibModelVariables, ibTestError, ibTrainStep, setIbLearningRate, type IbModelConfig } from '../../src/models/ib.js';
import { ENCODER_KINDS } from '../../src/nets/encoders.js';
import { Rng } from '../../src/util/rng.js';

const D = 20,
  C = 3,
  N = 16;
const cfgOf = (over: Partial<IbModelConfig> = {}): IbModelConfig => ({
  inputDim: D,
  numClasses: C,
  encoder: { kind: 'gaussian', hidden: [16], zDim: 4, noiseDim: 3 },
  beta: 0.1,
  rate: 'mi',
  mi: { estimator: { kind: 'mine', movingAverageRate: 0.01 }, critic: { kind: 'concat', hidden: [8] }, clip: true },
  optimizer: { kind: 'adam', learningRate: 1e-3 },
  ...over,
});

function batch(seed: number) {
  const r = new Rng(seed);
  return { x: Float32Array.from({ length: N * D }, () => r.uniform()), y: Int32Array.from({ length: N }, () => r.int(C)) };
}

describe('IB model', () => {
  for (const [kind, rate] of [...ENCODER_KINDS.map((k) => [k, 'mi'] as const), ['gaussian', 'vib'] as const]) {
    it(`${kind} encoder, rate ${rate}: 30 steps after two burn-in steps add no tensor`, () => {
      const m = createIbModel(cfgOf({ encoder: { kind, hidden: [16], zDim: 4, noiseDim: 3 }, rate }), new Rng(0));
      const rng = new Rng(1);
      const b = batch(2);
      for (let i = 0; i < 2; i++) ibTrainStep(m, b.x, b.y, rng);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 30; i++) {
        const r = ibTrainStep(m, b.x, b.y, rng);
        expect(Number.isFinite(r.ce)).toBe(true);
      }
      ibTestError(m, b.x, b.y, 3, rng, 5);
      expect(tf.memory().numTensors).toBe(before);
      disposeIbModel(m);
    });
  }

  it('the MI gradient reaches the encoder when β > 0 and not when β = 0 (same batch, same noise)', () => {
    const encoderAfterOneStep = (beta: number) => {
      const m = createIbModel(cfgOf({ beta, mi: { estimator: { kind: 'mine' }, critic: { kind: 'concat', hidden: [8] }, clip: false } }), new Rng(0));
      const b = batch(3);
      const r = ibTrainStep(m, b.x, b.y, new Rng(4));
      const w = m.encoder.variables[0].dataSync().slice();
      disposeIbModel(m);
      return { r, w };
    };
    const a = encoderAfterOneStep(0),
      b = encoderAfterOneStep(5);
    expect(a.r.miGradNorm).toBe(0);
    // clip off: one gradient of CE + β·I, whose norm is mainGradNorm (miGradNorm is not measured: 0)
    expect(b.r.miGradNorm).toBe(0);
    expect(b.r.mainGradNorm).not.toBe(a.r.mainGradNorm);
    expect(Math.max(...a.w.map((v, i) => Math.abs(v - b.w[i])))).toBeGreaterThan(0);
    // the CE part is the same: same init, batch and noise
    expect(b.r.ce).toBe(a.r.ce);
  });

  it('clip off: the encoder runs once in the model update (plus once for the critic’s pair), three times with adaptive clipping; the same step when the clip does not bind', () => {
    const stepWith = (clip: boolean) => {
      // β small enough that adaptive clipping leaves the MI gradient as it is (scale 1)
      const m = createIbModel(cfgOf({ beta: 1e-3, mi: { estimator: { kind: 'mine' }, critic: { kind: 'concat', hidden: [8] }, clip } }), new Rng(0));
      const encode = m.encoder.encode.bind(m.encoder);
      let calls = 0;
      m.encoder.encode = (...args: Parameters<typeof encode>) => (calls++, encode(...args));
      const b = batch(3);
      const r = ibTrainStep(m, b.x, b.y, new Rng(4));
      const w = m.encoder.variables.map((v) => Array.from(v.dataSync()));
      disposeIbModel(m);
      return { r, w, calls };
    };
    const off = stepWith(false),
      on = stepWith(true);
    expect(off.calls).toBe(2);
    expect(on.calls).toBe(3);
    expect(on.r.clipScale).toBeCloseTo(1, 5);
    expect(off.r.ce).toBe(on.r.ce);
    expect(off.r.mi).toBe(on.r.mi);
    off.w.forEach((w, k) => w.forEach((v, i) => expect(v).toBeCloseTo(on.w[k][i], 6)));
  });

  it('adaptive clipping scales the β·I gradient to at most the CE gradient norm (MINE appendix)', () => {
    const m = createIbModel(cfgOf({ beta: 1e4 }), new Rng(0));
    const b = batch(5);
    const r = ibTrainStep(m, b.x, b.y, new Rng(6));
    expect(r.miGradNorm).toBeGreaterThan(r.mainGradNorm);
    expect(r.clipScale).toBeCloseTo(r.mainGradNorm / r.miGradNorm, 5);
    disposeIbModel(m);
  });

  it('VIB: rate is the closed-form KL and the loss is CE + β·KL', () => {
    const m = createIbModel(cfgOf({ rate: 'vib', mi: undefined, beta: 0.5 }), new Rng(0));
    const b = batch(7);
    const r = ibTrainStep(m, b.x, b.y, new Rng(8));
    expect(r.rate).toBeGreaterThan(0);
    expect(r.loss).toBeCloseTo(r.ce + 0.5 * r.rate, 5);
    expect(Number.isNaN(r.mi)).toBe(true);
    disposeIbModel(m);
  });

  it('the learning rate setter changes the step size: lr 0 is rejected, a tiny lr barely moves the weights', () => {
    const m = createIbModel(cfgOf({ rate: 'vib', mi: undefined }), new Rng(0));
    expect(() => setIbLearningRate(m, 0)).toThrow(/learning rate must be > 0, got 0/);
    setIbLearningRate(m, 1e-12);
    const before = m.decoder.variables[0].dataSync().slice();
    const b = batch(9);
    ibTrainStep(m, b.x, b.y, new Rng(1));
    const after = m.decoder.variables[0].dataSync();
    expect(Math.max(...before.map((v, i) => Math.abs(v - after[i])))).toBeLessThan(1e-9);
    disposeIbModel(m);
  });

  it('names every variable once, in a fixed order (checkpoints rely on it)', () => {
    const m = createIbModel(cfgOf(), new Rng(0));
    const names = ibModelVariables(m).map((v) => v.name);
    expect(names).toEqual(['encoder/0', 'encoder/1', 'encoder/2', 'encoder/3', 'decoder/0', 'decoder/1', 'critic/0', 'critic/1', 'critic/2', 'critic/3']);
    disposeIbModel(m);
  });

  it('bad configs and batches are errors naming the field', () => {
    expect(() => createIbModel(cfgOf({ rate: 'vib', encoder: { kind: 'additive', hidden: [4], zDim: 2 } }), new Rng(0))).toThrow(
      /encoder\.kind: rate "vib" needs the gaussian encoder/,
    );
    expect(() => createIbModel(cfgOf({ mi: undefined }), new Rng(0))).toThrow(/mi: rate "mi" needs/);
    expect(() => createIbModel(cfgOf({ beta: -1 }), new Rng(0))).toThrow(/beta must be a finite number ≥ 0, got -1/);
    const m = createIbModel(cfgOf(), new Rng(0));
    const b = batch(1);
    expect(() => ibTrainStep(m, b.x.subarray(1), b.y, new Rng(0))).toThrow(/batch x has 319 values; expected n·inputDim = 16·20/);
    const bad = b.y.slice();
    bad[3] = 7;
    expect(() => ibTrainStep(m, b.x, bad, new Rng(0))).toThrow(/labels\[3\] is 7; expected a class id in 0…2/);
    disposeIbModel(m);
  });
});
