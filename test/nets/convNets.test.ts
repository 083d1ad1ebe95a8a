/**
 * The conv stacks of ALI's image nets (src/nets/convNets.ts): their sizes chain (28 → 14 → 7 and
 * back), a stride-2 'same' convolution computes the known sums of a constant image, gradients reach
 * every filter (on wasm this needs the added Conv2DBackpropFilter kernel), and bad specs get one
 * clear line.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Chain, ConvStack, DeconvStack } from '../../src/nets/convNets.js';
import { Mlp } from '../../src/nets/mlp.js';
import { Rng } from '../../src/util/rng.js';

const mnist = { height: 28, width: 28, channels: 1, widths: [8, 16] };

describe('ConvStack and DeconvStack', () => {
  it('map 784-value rows to 7·7·16 features and back to 784 values', () => {
    const f = new ConvStack(mnist, new Rng(1));
    const g = new DeconvStack({ ...mnist, outputActivation: 'sigmoid' }, new Rng(2));
    expect([f.inputSize, f.outputSize]).toEqual([784, 7 * 7 * 16]);
    expect([g.inputSize, g.outputSize]).toEqual([7 * 7 * 16, 784]);
    const [fs, gs] = tf.tidy(() => {
      const x = tf.randomUniform([3, 784], 0, 1, 'float32', 3) as tf.Tensor2D;
      const h = f.apply(x);
      return [h.shape, g.apply(h).shape];
    });
    expect(fs).toEqual([3, 7 * 7 * 16]);
    expect(gs).toEqual([3, 784]);
    f.dispose();
    g.dispose();
  });

  it("a 4×4 all-ones filter, stride 2, 'same', on a 4×4 image of ones gives 9 in every corner (pad 1 each side: 3×3 inside)", () => {
    const f = new ConvStack({ height: 4, width: 4, channels: 1, widths: [1], activation: 'linear' }, new Rng(1));
    f.filters[0].assign(tf.ones([4, 4, 1, 1]));
    f.biases[0].assign(tf.zeros([1]));
    const out = tf.tidy(() =>
      f
        .apply(tf.ones([1, 16]) as tf.Tensor2D)
        .dataSync()
        .slice(),
    );
    // output 2×2; each window covers rows −1..2 or 1..4 of 0..3, i.e. 3 rows and 3 columns
    expect(Array.from(out)).toEqual([9, 9, 9, 9]);
    f.dispose();
  });

  it('gives every filter and bias a non-zero gradient, and leaves no tensors behind', () => {
    const f = new ConvStack(mnist, new Rng(1));
    const g = new DeconvStack(mnist, new Rng(2));
    const net = new Chain([f, g], 'autoencoder');
    const x = tf.randomUniform([4, 784], 0, 1, 'float32', 5) as tf.Tensor2D;
    const step = () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(net.apply(x), x))) as tf.Scalar, net.variables);
        return net.variables.map((v) => tf.sum(tf.abs(grads[v.name])).dataSync()[0]);
      });
    const sums = step();
    expect(sums).toHaveLength(8);
    for (const s of sums) expect(s).toBeGreaterThan(0);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    net.dispose();
  });

  it('batchNorm: every layer but the image-side one normalizes each channel over the batch (γ = 1, β = 0: mean 0, variance 1)', () => {
    const f = new ConvStack({ ...mnist, batchNorm: true, activation: 'linear' }, new Rng(1));
    const g = new DeconvStack({ ...mnist, batchNorm: true }, new Rng(2));
    // γ and β on F's second layer (16 channels) and G's first (8 channels), none on the image side
    expect(f.norms.map((p) => p?.gamma.shape[0] ?? 0)).toEqual([0, 16]);
    expect(g.norms.map((p) => p?.gamma.shape[0] ?? 0)).toEqual([8, 0]);
    expect(f.variables).toHaveLength(6);
    // the same filters without normalization (γ, β draw nothing from the seed)
    const raw = new ConvStack({ ...mnist, activation: 'linear' }, new Rng(1));
    const [mean, variance, rawVariance] = tf.tidy(() => {
      const x = tf.randomUniform([5, 784], 0, 1, 'float32', 9) as tf.Tensor2D;
      const m = tf.moments(tf.reshape(f.apply(x), [5, 7, 7, 16]), [0, 1, 2]);
      const r = tf.moments(tf.reshape(raw.apply(x), [5, 7, 7, 16]), [0, 1, 2]);
      return [m.mean.dataSync().slice(), m.variance.dataSync().slice(), r.variance.dataSync().slice()];
    });
    for (let c = 0; c < 16; c++) {
      expect(Math.abs(mean[c])).toBeLessThan(1e-5);
      // normalized by √(var + ε), ε = 1e-5: the variance becomes var / (var + ε)
      expect(variance[c]).toBeCloseTo(rawVariance[c] / (rawVariance[c] + 1e-5), 4);
    }
    raw.dispose();
    f.dispose();
    g.dispose();
  });

  it('rejects more stride-2 layers than the image side allows, naming the limit', () => {
    expect(() => new ConvStack({ ...mnist, widths: [8, 16, 32] }, new Rng(1), 'encoder.conv')).toThrow(
      'encoder.conv: 3 stride-2 conv layers need the image sides divisible by 8; a 28×28 image allows 2',
    );
  });

  it('a chain whose sizes do not meet names both parts', () => {
    const r = new Rng(1);
    const a = new Mlp({ sizes: [2, 5] }, r, 'a'),
      b = new Mlp({ sizes: [4, 1] }, r, 'b');
    expect(() => new Chain([a, b], 'G')).toThrow('G: a gives 5 values per row but b takes 4');
    a.dispose();
    b.dispose();
  });
});
