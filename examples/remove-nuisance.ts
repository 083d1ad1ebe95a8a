/**
 * Example 3 — removing a nuisance variable from a representation (direction 'minimize' on I(Z; S)).
 * x = [s + u/2, u]: s a nuisance (say, the recording device), u the signal to keep.
 * An encoder z = tanh(f(x)) + noise (2-D) and a linear head learn to predict u; with β > 0, MIRegularizer also pushes I(Z; S)
 * down. I(Z; S) is then measured by estimateMI: a fresh critic, held-out data.
 * Run: npx tsx examples/remove-nuisance.ts [steps]
 */
import { MIRegularizer, Rng, estimateMI, ready, tf } from 'infobound';

const steps = Number(process.argv[2] ?? 1500);
await ready();
const rng = new Rng(0);
const sample = (n: number) => {
  const s = rng.fillNormal(new Float32Array(n)),
    u = rng.fillNormal(new Float32Array(n));
  const x = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) [x[2 * i], x[2 * i + 1]] = [s[i] + 0.5 * u[i], u[i]];
  return { x, s, u };
};

async function train(beta: number) {
  const init = () => tf.initializers.glorotUniform({ seed: 5 });
  const encoder = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [2], units: 32, activation: 'relu', kernelInitializer: init() }),
      tf.layers.dense({ units: 2, activation: 'tanh', kernelInitializer: init() }),
    ],
  });
  const head = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1, kernelInitializer: init() })] });
  const encode = (x: tf.Tensor2D, seed: number) => tf.add(encoder.apply(x) as tf.Tensor2D, tf.randomNormal(x.shape, 0, 0.2, 'float32', seed)) as tf.Tensor2D;
  // clip false: near convergence the task gradient vanishes, and a clipped MI term would vanish with it
  const mi = new MIRegularizer({
    xDim: 1,
    yDim: 2,
    estimator: 'mine',
    critic: { kind: 'concat', hidden: [64] },
    beta,
    direction: 'minimize',
    clip: false,
    optimizer: { kind: 'adam', learningRate: 2e-3 },
    seed: 1,
  });
  const optimizer = tf.train.adam(2e-3);
  let info = null;
  for (let step = 1; step <= steps; step++) {
    const d = sample(128),
      seed = rng.tfSeed();
    const x = tf.tensor2d(d.x, [128, 2]),
      s = tf.tensor2d(d.s, [128, 1]),
      y = tf.tensor2d(d.u, [128, 1]);
    const task = () => tf.losses.meanSquaredError(y, head.apply(encode(x, seed)) as tf.Tensor2D) as tf.Scalar;
    info = mi.minimize(optimizer, task, () => [s, encode(x, seed)], [...encoder.trainableWeights, ...head.trainableWeights]);
    tf.dispose([x, s, y]);
  }
  // I(Z; S) on fresh data by a critic trained from scratch (the regularizer's own critic is not a witness)
  const d = sample(4000);
  const z = tf.tidy(() => encode(tf.tensor2d(d.x, [4000, 2]), 7).arraySync() as number[][]);
  const r = await estimateMI(Array.from(d.s), z, { estimator: 'mine', steps: Math.min(1000, steps), seed: 3 });
  console.log(`β = ${beta}: task loss ${info!.taskLoss.toFixed(3)}, I(Z; S) measured afterwards ${r.estimate.toFixed(3)} nats`);
  mi.dispose();
  return r.estimate;
}

const before = await train(0); // the representation a plain classifier learns
const after = await train(2); // the same, with the MI regularizer against S
console.log(`I(Z; S): without the regularizer ${before.toFixed(3)} → with it ${after.toFixed(3)} nats`);
