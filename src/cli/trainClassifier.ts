/**
 * `infobound train-classifier`: trains the MNIST classifier used for reconstruction accuracy and
 * saves it (model.json + weights.bin + meta.json) as a tfjs Layers model, by default into the
 * shipped models/mnist-classifier.
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../backend/backend.js';
import { ConfigError } from '../config/validate.js';
import { loadEmbeddedMnist, loadIdxDataset, type ImageSplit } from '../data/mnist.js';
import {
  DEFAULT_CLASSIFIER_DIR,
  DEFAULT_EPOCHS,
  DEFAULT_HIDDEN,
  META_FILE,
  MODEL_FILE,
  serializeClassifier,
  trainMnistClassifier,
  WEIGHTS_FILE,
  type ClassifierMeta,
} from '../eval/mnistClassifier.js';
import { RunDir } from '../io/runDir.js';
import { createProgress } from './progress.js';

export const TRAIN_CLASSIFIER_USAGE =
  'infobound train-classifier [--epochs N] [--data embedded|idx --dir D] [--seed S] [--out DIR] [--hidden 512[,…]] [--shift PX] [--backend B]';

function intOpt(v: string | undefined, name: string, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`--${name} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}

export async function cmdTrainClassifier(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      epochs: { type: 'string' },
      data: { type: 'string' },
      dir: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string' },
      'batch-size': { type: 'string' },
      shift: { type: 'string' },
      hidden: { type: 'string' },
    },
  });
  if (positionals.length)
    throw new ConfigError(`train-classifier takes no positional arguments, got ${positionals.join(' ')}; usage: ${TRAIN_CLASSIFIER_USAGE}`);
  const epochs = intOpt(values.epochs, 'epochs', DEFAULT_EPOCHS, 1);
  const seed = intOpt(values.seed, 'seed', 0, 0);
  const batchSize = intOpt(values['batch-size'], 'batch-size', 128, 1);
  const shift = intOpt(values.shift, 'shift', 2, 0);
  const source = values.data ?? 'embedded';
  let data: ImageSplit;
  if (source === 'embedded') {
    if (values.dir !== undefined) throw new ConfigError('--dir applies only to --data idx');
    data = loadEmbeddedMnist({ seed });
  } else if (source === 'idx') {
    if (values.dir === undefined) throw new ConfigError('--data idx needs --dir D, the directory holding the four MNIST IDX files');
    data = loadIdxDataset(values.dir);
  } else {
    throw new ConfigError(`--data must be embedded or idx, got "${source}"`);
  }
  const out = values.out ?? DEFAULT_CLASSIFIER_DIR;
  const backend = await initBackend({ requested: values.backend });
  process.stderr.write(
    `training the MNIST classifier on ${data.train.n} images (${data.source}), testing on ${data.test.n}, ${epochs} epochs, on backend ${backend.name}\n`,
  );
  const progress = createProgress();
  progress.start('train-classifier', epochs * Math.floor(data.train.n / batchSize));
  const t0 = performance.now();
  const hidden = (values.hidden ?? DEFAULT_HIDDEN.join(',')).split(',').map((h) => intOpt(h.trim(), 'hidden', 0, 1));
  const trained = await trainMnistClassifier({
    train: data.train,
    test: data.test,
    seed,
    epochs,
    batchSize,
    shift,
    hidden,
    onProgress: (d, t) => progress.tick(d, t),
    onEpoch: (e, loss) => progress.note(`epoch ${e}/${epochs}: mean loss ${loss.toFixed(4)}`),
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  progress.done();
  const { modelJson, weights } = await serializeClassifier(trained.mlp);
  trained.mlp.dispose();
  const split = source === 'embedded' ? `, split seed ${seed}` : '';
  const meta: ClassifierMeta = {
    testAccuracy: trained.testAccuracy,
    trainedOn: `${data.train.name}: ${data.train.n} images from ${data.source}`,
    testedOn: `${data.test.name}: ${data.test.n} held-out images${split}`,
    testSize: data.test.n,
    seed,
    command: ['infobound', 'train-classifier', ...argv].join(' '),
    architecture: `MLP ${[784, ...hidden, 10].join('-')}, relu, softmax logits (tfjs Layers model, float32 weights)`,
    epochs,
    batchSize,
    learningRate: 1e-3,
    shift,
    backend: backend.name,
    tfjsVersion: backend.tfjsVersion,
    trainSeconds: Math.round(trainSeconds),
  };
  // Weights first, meta.json last: a directory with meta.json always holds a whole model.
  const dir = new RunDir(out);
  dir.write(WEIGHTS_FILE, weights);
  dir.write(MODEL_FILE, modelJson);
  dir.writeJson(META_FILE, meta);
  process.stdout.write(`test accuracy ${(100 * trained.testAccuracy).toFixed(2)}% on ${data.test.n} held-out images (${trainSeconds.toFixed(0)} s)\n`);
  process.stdout.write(
    `saved ${relative(process.cwd(), out) || out}/{${MODEL_FILE},${WEIGHTS_FILE},${META_FILE}} (${(weights.length / 1e6).toFixed(2)} MB of weights)\n`,
  );
  return 0;
}
