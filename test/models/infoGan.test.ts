/**
 * InfoGAN-style code MI: the recognition bound against closed forms and a float64 reference, code
 * sampling, gradients into G, no leaks, reproducibility, and size checks that name the network.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { gridGaussians } from '../../src/data/gridGaussians.js';
import { MIRegularizer } from '../../src/mi/miRegularizer.js';
import {
  checkInfoGan,
  codeEntropy,
  disposeInfoGan,
  infoGanTrainStep,
  recognitionBound,
  recognitionTerm,
  sampleCodes,
  type CodeSpec,
  type InfoGan,
} from '../../src/models/infoGan.js';
import { Mlp } from '../../src/nets/mlp.js';
import { Rng } from '../../src/util/rng.js';

const CAT5: CodeSpec = { categorical: 5, continuous: 0 };

function tinyInfoGan(kind: string, codes: CodeSpec = CAT5, seed = 1, beta = 1): InfoGan {
  const r = new Rng(seed);
  const w = codes.categorical + codes.continuous;
  const base = {
    generator: new Mlp({ sizes: [w + 2, 16, 2] }, r),
    discriminator: new Mlp({ sizes: [2, 16, 1] }, r),
    codes,
    noiseDim: 2,
    dataDim: 2,
    gOptimizer: tf.train.adam(1e-3, 0.5),
    dOptimizer: tf.train.adam(1e-3, 0.5),
  };
  if (kind === 'none') return { ...base, mi: null };
  const common = { xDim: 2, yDim: w, beta, direction: 'maximize', optimizer: tf.train.adam(1e-3), rng: r } as const;
  if (kind === 'infogan') return { ...base, mi: new MIRegularizer({ ...common, term: recognitionTerm(new Mlp({ sizes: [2, 16, w] }, r), codes) }) };
  return { ...base, mi: new MIRegularizer({ ...common, critic: { kind: 'concat', hidden: [16] }, estimator: kind as 'mine' }) };
}

const data = gridGaussians({ side: 3 });

describe('codes', () => {
  it('H(c) = log k + d·log 2 (uniform categorical, U(−1, 1) coordinates)', () => {
    expect(codeEntropy({ categorical: 25, continuous: 0 })).toBeCloseTo(Math.log(25), 12);
    expect(codeEntropy({ categorical: 0, continuous: 3 })).toBeCloseTo(3 * Math.log(2), 12);
  });
  it('samples one-hot categories with their labels, and continuous values in [−1, 1)', () => {
    const s = { categorical: 4, continuous: 2 };
    const { values, labels } = sampleCodes(s, 2000, new Rng(0));
    const freq = new Array(4).fill(0);
    for (let i = 0; i < 2000; i++) {
      const row = Array.from(values.subarray(i * 6, i * 6 + 6));
      expect(row.slice(0, 4).reduce((a, b) => a + b, 0)).toBe(1);
      expect(row[labels[i]]).toBe(1);
      freq[labels[i]]++;
      for (const v of row.slice(4)) expect(v >= -1 && v < 1).toBe(true);
    }
    // each of 4 categories: 500 expected, binomial std ≈ 19
    for (const f of freq) expect(Math.abs(f - 500)).toBeLessThan(100);
  });
});

describe('InfoGAN recognition bound (Chen et al. 2016 eq. 5)', () => {
  const k = 5;
  const code = () => tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0, 2, 4], 'int32'), k).toFloat() as tf.Tensor2D;
  it('a perfect Q gives log k, the entropy of the code (= I(x; c) when x determines c)', () => {
    tf.tidy(() => {
      const q = tf.mul(code(), 60) as tf.Tensor2D; // logits 60 on the true class: softmax ≈ 1
      const b = recognitionBound(q, code(), CAT5);
      expect(b.bound.dataSync()[0]).toBeCloseTo(Math.log(k), 5);
      expect(b.accuracy.dataSync()[0]).toBe(1);
    });
  });
  it('a uniform Q (all logits equal) gives 0: log k − CE with CE = log k', () => {
    tf.tidy(() => {
      expect(recognitionBound(tf.zeros([8, k]) as tf.Tensor2D, code(), CAT5).bound.dataSync()[0]).toBeCloseTo(0, 6);
    });
  });
  it('equals log k − cross-entropy computed in float64, and stays ≤ log k, on random logits', () => {
    const rng = new Rng(3);
    const logits = Array.from({ length: 8 * k }, () => 3 * rng.normal());
    const labels = [0, 1, 2, 3, 4, 0, 2, 4];
    let ce = 0;
    for (let i = 0; i < 8; i++) {
      const row = logits.slice(i * k, i * k + k);
      const m = Math.max(...row);
      ce -= row[labels[i]] - (m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)));
    }
    const expected = Math.log(k) - ce / 8;
    tf.tidy(() => {
      const got = recognitionBound(tf.tensor2d(logits, [8, k]), code(), CAT5).bound.dataSync()[0];
      expect(got).toBeCloseTo(expected, 5);
      expect(got).toBeLessThanOrEqual(Math.log(k) + 1e-6);
    });
  });
  it('continuous part with σ = 1: a perfect mean gives d·(log 2 − ½ log 2π), the best a unit-variance Q can do', () => {
    tf.tidy(() => {
      const c = tf.tensor2d([0.5, -0.25, 0.9, 0.1], [2, 2]);
      const b = recognitionBound(c, c, { categorical: 0, continuous: 2 });
      expect(b.bound.dataSync()[0]).toBeCloseTo(2 * (Math.log(2) - 0.5 * Math.log(2 * Math.PI)), 5);
      expect(b.accuracy.dataSync()[0]).toBeNaN();
    });
  });
  it('an output of the wrong width is an error naming the head and the expected size', () => {
    tf.tidy(() => {
      expect(() => recognitionBound(tf.zeros([2, 4]) as tf.Tensor2D, tf.zeros([2, 5]) as tf.Tensor2D, CAT5)).toThrow(
        /recognition head: output must have 5 columns/,
      );
    });
  });
});

describe('InfoGAN step', () => {
  for (const kind of ['infogan', 'mine', 'eta-mine', 'remine', 'none']) {
    it(`${kind}: tensor count is flat over 30 steps after burn-in`, () => {
      const g = tinyInfoGan(kind);
      const rng = new Rng(2);
      for (let i = 0; i < 2; i++) infoGanTrainStep(g, data.sample(32, rng), rng);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 30; i++) infoGanTrainStep(g, data.sample(32, rng), rng);
      expect(tf.memory().numTensors).toBe(before);
      disposeInfoGan(g);
    });
  }
  for (const kind of ['infogan', 'mine']) {
    it(`${kind}: the MI gradient reaches every generator variable (non-zero norm, clip scale in (0, 1])`, () => {
      const g = tinyInfoGan(kind, { categorical: 3, continuous: 1 });
      const rng = new Rng(5);
      const r = infoGanTrainStep(g, data.sample(32, rng), rng);
      expect(r.miGradNorm).toBeGreaterThan(0);
      expect(r.clipScale).toBeGreaterThan(0);
      expect(r.clipScale).toBeLessThanOrEqual(1);
      expect(r.clipScale).toBeCloseTo(Math.min(1, r.advGradNorm / r.miGradNorm), 4);
      // per variable: the MI term alone has a non-zero gradient for each of G's weights and biases
      const codes = sampleCodes(g.codes, 16, rng);
      const grads = tf.tidy(() => {
        const z = tf.concat([tf.tensor2d(codes.values, [16, 4]), tf.randomNormal([16, 2], 0, 1, 'float32', 1)], 1) as tf.Tensor2D;
        const mi = g.mi!;
        const { grads } = tf.variableGrads(() => {
          const x = g.generator.apply(z);
          const c = tf.tensor2d(codes.values, [16, 4]);
          return mi.term.evaluate(x, c, new Rng(1).permutation(16), { updateState: false }).miForGradient;
        }, g.generator.variables);
        return Object.values(grads).map((t) => tf.sum(tf.abs(t)).dataSync()[0]);
      });
      expect(grads).toHaveLength(g.generator.variables.length);
      for (const v of grads) expect(v).toBeGreaterThan(0);
      disposeInfoGan(g);
    });
  }
  it('reports the Q-head bound in nats (≤ log k) with the head accuracy; estimators report no accuracy', () => {
    const rng = new Rng(6);
    const q = tinyInfoGan('infogan');
    const r = infoGanTrainStep(q, data.sample(32, rng), rng);
    expect(r.mi).toBeLessThanOrEqual(Math.log(5) + 1e-6);
    expect(r.codeAccuracy).toBeGreaterThanOrEqual(0);
    disposeInfoGan(q);
    const m = tinyInfoGan('mine');
    expect(infoGanTrainStep(m, data.sample(32, rng), rng).codeAccuracy).toBeNaN();
    disposeInfoGan(m);
  });
  it('the same seed gives the same losses; another seed does not', () => {
    const run = (seed: number) => {
      const g = tinyInfoGan('infogan', CAT5, seed);
      const rng = new Rng(seed);
      const out = Array.from({ length: 4 }, () => {
        const r = infoGanTrainStep(g, data.sample(32, rng), rng);
        return [r.gLoss, r.mi];
      });
      disposeInfoGan(g);
      return out;
    };
    expect(run(4)).toEqual(run(4));
    expect(run(4)).not.toEqual(run(5));
  });
  it('networks that do not fit the code are errors naming the network and the sizes', () => {
    const g = tinyInfoGan('infogan');
    const wrong = new MIRegularizer({ xDim: 2, yDim: 5, direction: 'maximize', term: recognitionTerm(new Mlp({ sizes: [2, 4, 3] }, new Rng(0)), CAT5) });
    expect(() => checkInfoGan({ ...g, mi: wrong })).toThrow(/recognition head: output size 3 ≠ code size 5/);
    expect(() => checkInfoGan({ ...g, noiseDim: 3 })).toThrow(/generator: input size 7 ≠ code size 5 \+ noiseDim 3/);
    wrong.dispose();
    disposeInfoGan(g);
  });
});
