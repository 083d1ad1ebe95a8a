/**
 * Example 1 — your own tf.sequential classifier with an information-bottleneck term.
 * A stochastic encoder z = f(x) + σε and a softmax head are trained on MNIST digits with
 *   CE(y, head(z)) + β·I(X; Z),
 * I(X; Z) estimated by MINE through MIRegularizer (direction 'minimize', adaptive clipping).
 * Run: npx tsx examples/ib-classifier.ts [steps]
 */
import { MIRegularizer, loadEmbeddedMnist, ready, Rng, tf } from 'infobound';

const steps = Number(process.argv[2] ?? 300);
await ready();
const { train, test } = loadEmbeddedMnist({ seed: 0, trainSize: 4000, testSize: 1000 });
const rng = new Rng(0);
const K = 32,
  sigma = 0.5,
  batch = 100;

const encoder = tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }), tf.layers.dense({ units: K })] });
const head = tf.sequential({ layers: [tf.layers.dense({ inputShape: [K], units: 10 })] });
const mi = new MIRegularizer({
  xDim: 784,
  yDim: K,
  estimator: 'mine',
  critic: { kind: 'concat', hidden: [128] },
  beta: 1e-3,
  direction: 'minimize',
  clip: 'adaptive',
  seed: 1,
});
const optimizer = tf.train.adam(1e-3);
const encode = (x: tf.Tensor2D, eps: tf.Tensor2D) => tf.add(encoder.apply(x) as tf.Tensor2D, tf.mul(eps, sigma)) as tf.Tensor2D;

for (let step = 1; step <= steps; step++) {
  const idx = Array.from({ length: batch }, () => rng.int(train.n));
  const x = tf.tensor2d(
    idx.flatMap((i) => Array.from(train.images.subarray(i * 784, (i + 1) * 784))),
    [batch, 784],
  );
  const y = tf.tidy(() =>
    tf
      .oneHot(
        tf.tensor1d(
          idx.map((i) => train.labels[i]),
          'int32',
        ),
        10,
      )
      .toFloat(),
  );
  const eps = tf.randomNormal([batch, K], 0, 1, 'float32', rng.tfSeed()) as tf.Tensor2D;
  // the critic's step on (x, z), then CE + β·I(X; Z) for the encoder and head (tensors made inside are freed)
  const info = mi.minimize(
    optimizer,
    () => tf.losses.softmaxCrossEntropy(y, head.apply(encode(x, eps)) as tf.Tensor2D) as tf.Scalar,
    () => [x, encode(x, eps)],
    [...encoder.trainableWeights, ...head.trainableWeights],
  );
  tf.dispose([x, y, eps]);
  if (step % 50 === 0 || step === steps)
    console.log(`step ${step}: CE ${info.taskLoss.toFixed(3)}  I(X;Z) ≈ ${info.mi.toFixed(2)} nats  clip ${info.clipScale.toFixed(2)}`);
}

const accuracy = tf.tidy(() => {
  const x = tf.tensor2d(test.images, [test.n, 784]);
  const pred = (head.apply(encoder.apply(x)) as tf.Tensor2D).argMax(1);
  return pred.equal(tf.tensor1d(test.labels, 'int32')).mean().dataSync()[0];
});
console.log(`test accuracy (z = f(x), no noise): ${(100 * accuracy).toFixed(1)} %`);
mi.dispose();
