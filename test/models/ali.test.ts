/**
 * ALI / ALICE / ALI+MI steps on tiny networks: which variables each block moves, the ALICE-L2 term
 * on known cases, the clip on the MI gradient, no leaks, reproducible runs.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { gridGaussians } from '../../src/data/gridGaussians.js';
import { MIRegularizer } from '../../src/mi/miRegularizer.js';
import {
  ALI_VARIANTS,
  aliTrainStep,
  checkAli,
  disposeAli,
  encodeNoisy,
  encoderMean,
  generatorEncoderLosses,
  jointLogits,
  l2Reconstruction,
  reconstruct,
  type Ali,
  type AliVariant,
} from '../../src/models/ali.js';
import { Mlp } from '../../src/nets/mlp.js';
import { Rng } from '../../src/util/rng.js';

interface Rates {
  gf?: number;
  d?: number;
  r?: number;
  t?: number;
}

function tinyAli(variant: AliVariant, o: { seed?: number; beta?: number; noise?: number | 'learned'; rates?: Rates; estimator?: string } = {}): Ali {
  const r = new Rng(o.seed ?? 1);
  const lr = { gf: 1e-2, d: 1e-2, r: 1e-2, t: 1e-2, ...o.rates };
  const m: Ali = {
    variant,
    generator: new Mlp({ sizes: [2, 16, 2] }, r, 'G'),
    encoder: new Mlp({ sizes: [2, 16, o.noise === 'learned' ? 4 : 2] }, r, 'F'),
    discriminatorX: null,
    discriminator: new Mlp({ sizes: [4, 16, 1] }, r, 'D'),
    reconDiscriminator: variant === 'alice-adv' ? new Mlp({ sizes: [4, 16, 1] }, r, "D'") : null,
    dataDim: 2,
    latentDim: 2,
    encoderNoise: o.noise ?? 0,
    lambda: 1,
    // plain SGD: a learning rate of 0 leaves a network exactly as it was
    gfOptimizer: tf.train.sgd(lr.gf),
    dOptimizer: tf.train.sgd(lr.d),
    rOptimizer: variant === 'alice-adv' ? tf.train.sgd(lr.r) : null,
    mi:
      variant === 'ali-mi'
        ? new MIRegularizer({
            xDim: 2,
            yDim: 2,
            critic: { kind: 'concat', hidden: [16] },
            estimator: (o.estimator ?? 'mine') as 'mine',
            beta: o.beta ?? 1,
            direction: 'maximize',
            optimizer: tf.train.sgd(lr.t),
            rng: r,
          })
        : null,
  };
  checkAli(m);
  return m;
}

const snapshot = (vars: tf.Variable[]) => vars.map((v) => Array.from(v.dataSync()));
const changed = (before: number[][], vars: tf.Variable[]) => snapshot(vars).some((a, i) => a.some((x, j) => x !== before[i][j]));

const data = gridGaussians({ side: 3, spacing: 2, std: 0.1 });

describe('ALI step: each block moves only its own networks', () => {
  for (const variant of ALI_VARIANTS) {
    it(`${variant}: with D's (and D'/T's) learning rate 0, one step changes G and F and leaves D, D', T as they were`, () => {
      const m = tinyAli(variant, { rates: { d: 0, r: 0, t: 0 } });
      const others = [...m.discriminator.variables, ...(m.reconDiscriminator?.variables ?? []), ...(m.mi?.variables ?? [])];
      const [g0, f0, o0] = [snapshot(m.generator.variables), snapshot(m.encoder.variables), snapshot(others)];
      const rng = new Rng(2);
      aliTrainStep(m, data.sample(32, rng), rng);
      expect(changed(g0, m.generator.variables)).toBe(true);
      expect(changed(f0, m.encoder.variables)).toBe(true);
      expect(changed(o0, others)).toBe(false);
      disposeAli(m);
    });
    it(`${variant}: with G/F's learning rate 0, one step changes D (and D'/T) and leaves G and F as they were`, () => {
      const m = tinyAli(variant, { rates: { gf: 0 } });
      const gf = [...m.generator.variables, ...m.encoder.variables];
      const gf0 = snapshot(gf),
        d0 = snapshot(m.discriminator.variables);
      const extra = m.reconDiscriminator?.variables ?? m.mi?.variables ?? [];
      const e0 = snapshot(extra);
      const rng = new Rng(2);
      aliTrainStep(m, data.sample(32, rng), rng);
      expect(changed(gf0, gf)).toBe(false);
      expect(changed(d0, m.discriminator.variables)).toBe(true);
      if (extra.length) expect(changed(e0, extra)).toBe(true);
      disposeAli(m);
    });
  }
  it('every variant: the G/F loss has a non-zero gradient for every variable of G and of F', () => {
    for (const variant of ALI_VARIANTS) {
      const m = tinyAli(variant);
      const rng = new Rng(3);
      const x = tf.tensor2d(data.sample(32, rng), [32, 2]);
      const z = tf.randomNormal([32, 2], 0, 1, 'float32', 7) as tf.Tensor2D;
      const g = tf.variableGrads(() => {
        const l = generatorEncoderLosses(m, x, z, m.encoder.apply(x));
        return tf.add(l.adversarial, l.alice) as tf.Scalar;
      }, [...m.generator.variables, ...m.encoder.variables]);
      for (const v of [...m.generator.variables, ...m.encoder.variables])
        expect(tf.sum(tf.abs(g.grads[v.name])).dataSync()[0], `${variant} ${v.name}`).toBeGreaterThan(0);
      tf.dispose([x, z, g.value, ...Object.values(g.grads)]);
      disposeAli(m);
    }
  });
});

/** Makes a 2 → 2 linear Mlp compute x ↦ a·x. */
function setLinear(net: Mlp, a: number): void {
  net.weights[0].assign(tf.tensor2d([a, 0, 0, a], [2, 2]));
  net.biases[0].assign(tf.zeros([2]));
}

describe('ALICE-L2 conditional-entropy term', () => {
  it('is 0 when G(F(x)) = x (F and G the identity)', () => {
    const m = tinyAli('alice-l2');
    m.generator.dispose();
    m.encoder.dispose();
    const r = new Rng(4);
    const g = new Mlp({ sizes: [2, 2] }, r),
      f = new Mlp({ sizes: [2, 2] }, r);
    [m.generator, m.encoder] = [g, f];
    setLinear(g, 1);
    setLinear(f, 1);
    const xs = data.sample(16, r);
    tf.tidy(() => {
      const x = tf.tensor2d(xs, [16, 2]);
      const l = generatorEncoderLosses(m, x, tf.zeros([16, 2]) as tf.Tensor2D, m.encoder.apply(x));
      expect(l.alice.dataSync()[0]).toBe(0);
    });
    expect(Array.from(reconstruct(m, xs))).toEqual(Array.from(xs));
    disposeAli(m);
  });
  it('is λ·mean‖x − 2x‖² = λ·mean‖x‖² when G(F(x)) = 2x (float64 reference)', () => {
    const m = tinyAli('alice-l2');
    m.lambda = 0.5;
    m.generator.dispose();
    m.encoder.dispose();
    const r = new Rng(5);
    const g = new Mlp({ sizes: [2, 2] }, r),
      f = new Mlp({ sizes: [2, 2] }, r);
    [m.generator, m.encoder] = [g, f];
    setLinear(g, 2);
    setLinear(f, 1);
    const xs = data.sample(16, r);
    let ref = 0;
    for (let i = 0; i < 16; i++) ref += xs[2 * i] ** 2 + xs[2 * i + 1] ** 2;
    ref = (0.5 * ref) / 16;
    tf.tidy(() => {
      const x = tf.tensor2d(xs, [16, 2]);
      const l = generatorEncoderLosses(m, x, tf.zeros([16, 2]) as tf.Tensor2D, m.encoder.apply(x));
      expect(l.alice.dataSync()[0]).toBeCloseTo(ref, 4);
    });
    disposeAli(m);
  });
  it('l2Reconstruction: mean over rows of the squared distance, [[0,0],[3,4]] vs zeros → (0 + 25)/2', () => {
    tf.tidy(() => {
      expect(l2Reconstruction(tf.tensor2d([0, 0, 3, 4], [2, 2]), tf.zeros([2, 2]) as tf.Tensor2D).dataSync()[0]).toBeCloseTo(12.5, 6);
    });
  });
  it('plain ALI has no ALICE term (0) on the same networks', () => {
    const m = tinyAli('ali');
    tf.tidy(() => {
      const x = tf.tensor2d(data.sample(8, new Rng(6)), [8, 2]);
      expect(generatorEncoderLosses(m, x, tf.zeros([8, 2]) as tf.Tensor2D, m.encoder.apply(x)).alice.dataSync()[0]).toBe(0);
    });
    disposeAli(m);
  });
});

describe('ALI+MI', () => {
  it('logs both gradient norms and a clip scale of min(1, ‖g_adv(F)‖ / ‖g_MI(F)‖)', () => {
    const m = tinyAli('ali-mi', { beta: 100 });
    const rng = new Rng(3);
    const r = aliTrainStep(m, data.sample(32, rng), rng);
    expect(r.clipScale).toBeCloseTo(Math.min(1, r.advGradNorm / r.miGradNorm), 4);
    expect(r.clipScale).toBeLessThan(1);
    expect(Number.isFinite(r.mi)).toBe(true);
    disposeAli(m);
  });
  it('a missing MI term or reconstruction discriminator is an error naming the part', () => {
    const m = tinyAli('ali');
    expect(() => checkAli({ ...m, variant: 'ali-mi' })).toThrow(/ali-mi.*needs mi/);
    expect(() => checkAli({ ...m, variant: 'alice-adv' })).toThrow(/alice-adv.*needs reconDiscriminator/);
    disposeAli(m);
  });
});

describe("the encoder's noise", () => {
  const x = () => tf.tensor2d([0.3, -1.2, 2, 0.5, -0.7, 0.1], [3, 2]);
  const eps = () => tf.tensor2d([1, -2, 0.5, 0, -1, 3], [3, 2]);
  it("learned σ: ẑ = μ(x) + softplus(s(x) − 5) ⊙ ε from F's output [μ, s] (float64 reference); the mean path is μ(x)", () => {
    const m = tinyAli('ali', { noise: 'learned' });
    tf.tidy(() => {
      const out = Array.from(m.encoder.apply(x()).dataSync());
      const e = Array.from(eps().dataSync());
      const softplus = (v: number) => Math.log1p(Math.exp(v));
      const want: number[] = [],
        mean: number[] = [];
      for (let i = 0; i < 3; i++)
        for (let k = 0; k < 2; k++) {
          const mu = out[4 * i + k],
            s = out[4 * i + 2 + k];
          want.push(mu + softplus(s - 5) * e[2 * i + k]);
          mean.push(mu);
        }
      const got = Array.from(encodeNoisy(m, x(), eps()).dataSync());
      got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 5));
      Array.from(encoderMean(m, x()).dataSync()).forEach((g, i) => expect(g).toBeCloseTo(mean[i], 6));
    });
    disposeAli(m);
  });
  it('fixed σ = 0.5: ẑ = F(x) + 0.5·ε; σ = 0 ignores ε', () => {
    for (const sigma of [0.5, 0]) {
      const m = tinyAli('ali', { noise: sigma });
      tf.tidy(() => {
        const f = Array.from(m.encoder.apply(x()).dataSync()),
          e = Array.from(eps().dataSync());
        Array.from(encodeNoisy(m, x(), eps()).dataSync()).forEach((g, i) => expect(g).toBeCloseTo(f[i] + sigma * e[i], 5));
      });
      disposeAli(m);
    }
  });
  it("reconstructions use the mean μ(x): G(F(x)) does not depend on the learned σ's noise", () => {
    const m = tinyAli('ali', { noise: 'learned' });
    const pts = data.sample(5, new Rng(4));
    const want = tf.tidy(() => Array.from(m.generator.apply(encoderMean(m, tf.tensor2d(pts, [5, 2]))).dataSync()));
    Array.from(reconstruct(m, pts)).forEach((g, i) => expect(g).toBeCloseTo(want[i], 6));
    disposeAli(m);
  });
  it('a learned-σ encoder without its 2·latentDim outputs, or a negative σ, is an error naming the encoder', () => {
    const m = tinyAli('ali');
    expect(() => checkAli({ ...m, encoderNoise: 'learned' })).toThrow(/encoder must map 2 → 4 \(\[μ, s\] of a learned-σ encoder\)/);
    expect(() => checkAli({ ...m, encoderNoise: -1 })).toThrow(/encoderNoise must be a number ≥ 0 or 'learned'/);
    disposeAli(m);
  });
});

describe("D's dropout and input noise (training passes only)", () => {
  const xz = () => [tf.tensor2d(data.sample(16, new Rng(8)), [16, 2]), tf.randomNormal([16, 2], 0, 1, 'float32', 9) as tf.Tensor2D] as const;
  it('without a training seed, or with rate and σ 0, D is its plain deterministic forward pass', () => {
    const m = tinyAli('ali');
    tf.tidy(() => {
      const [x, z] = xz();
      const plain = Array.from(m.discriminator.apply(tf.concat([x, z], 1) as tf.Tensor2D).dataSync());
      expect(Array.from(jointLogits(m, x, z, 123).dataSync())).toEqual(plain);
      m.discriminatorDropout = 0.5;
      m.discriminatorInputNoise = 1;
      expect(Array.from(jointLogits(m, x, z).dataSync())).toEqual(plain);
    });
    disposeAli(m);
  });
  it('dropout 0.5: the logits change with the seed, repeat with the same seed, and match a float64 reference of the masked net', () => {
    const m = tinyAli('ali');
    m.discriminatorDropout = 0.5;
    tf.tidy(() => {
      const [x, z] = xz();
      const a = Array.from(jointLogits(m, x, z, 11).dataSync());
      expect(Array.from(jointLogits(m, x, z, 11).dataSync())).toEqual(a);
      expect(Array.from(jointLogits(m, x, z, 12).dataSync())).not.toEqual(a);
      // Reference: with rate 0.5 each kept unit is ×2; recover the masks from tf.dropout on ones.
      const inp = tf.concat([x, z], 1) as tf.Tensor2D;
      const mask0 = tf.dropout(tf.onesLike(inp), 0.5, undefined, 11 + 7919).arraySync() as number[][];
      const h = tf.relu(tf.add(tf.matMul(tf.mul(inp, mask0), m.discriminator.weights[0]), m.discriminator.biases[0]));
      const mask1 = tf.dropout(tf.onesLike(h), 0.5, undefined, 11 + 2 * 7919).arraySync() as number[][];
      const ref = tf.add(tf.matMul(tf.mul(h, mask1), m.discriminator.weights[1]), m.discriminator.biases[1]).dataSync();
      for (const v of mask0.flat()) expect([0, 2]).toContain(v);
      a.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 4));
    });
    disposeAli(m);
  });
  it('input noise σ: a training pass differs from the plain pass; D and G/F still learn with dropout and noise', () => {
    const m = tinyAli('ali-mi');
    m.discriminatorInputNoise = 0.5;
    tf.tidy(() => {
      const [x, z] = xz();
      expect(Array.from(jointLogits(m, x, z, 3).dataSync())).not.toEqual(Array.from(jointLogits(m, x, z).dataSync()));
    });
    m.discriminatorDropout = 0.2;
    const gf = [...m.generator.variables, ...m.encoder.variables];
    const [gf0, d0] = [snapshot(gf), snapshot(m.discriminator.variables)];
    const rng = new Rng(2);
    const r = aliTrainStep(m, data.sample(32, rng), rng);
    expect(Number.isFinite(r.dLoss) && Number.isFinite(r.gfLoss)).toBe(true);
    expect(changed(gf0, gf)).toBe(true);
    expect(changed(d0, m.discriminator.variables)).toBe(true);
    disposeAli(m);
  });
  it('a dropout rate outside [0, 1) or a negative σ is an error naming the field', () => {
    const m = tinyAli('ali');
    expect(() => checkAli({ ...m, discriminatorDropout: 1 })).toThrow(/discriminatorDropout must be in \[0, 1\), got 1/);
    expect(() => checkAli({ ...m, discriminatorInputNoise: -0.1 })).toThrow(/discriminatorInputNoise must be ≥ 0, got -0.1/);
    disposeAli(m);
  });
});

describe('memory and reproducibility', () => {
  for (const [variant, noise] of [...ALI_VARIANTS.map((v) => [v, 1] as const), ['ali-mi', 'learned'] as const]) {
    it(`${variant} (Gaussian encoder σ = ${noise}, D dropout 0.2 and input noise 0.1): tensor count is flat over 30 steps after burn-in`, () => {
      const m = tinyAli(variant, { noise });
      m.discriminatorDropout = 0.2;
      m.discriminatorInputNoise = 0.1;
      const rng = new Rng(2);
      for (let i = 0; i < 2; i++) aliTrainStep(m, data.sample(32, rng), rng);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 30; i++) aliTrainStep(m, data.sample(32, rng), rng);
      expect(tf.memory().numTensors).toBe(before);
      disposeAli(m);
    });
  }
  it('the same seed gives the same losses; another seed does not', () => {
    const run = (seed: number) => {
      const m = tinyAli('ali-mi', { seed, noise: 1 });
      const rng = new Rng(seed);
      const out = Array.from({ length: 4 }, () => aliTrainStep(m, data.sample(32, rng), rng)).map((r) => [r.gfLoss, r.dLoss, r.mi]);
      disposeAli(m);
      return out;
    };
    expect(run(4)).toEqual(run(4));
    expect(run(4)).not.toEqual(run(5));
  });
});
