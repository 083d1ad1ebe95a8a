// The shipped MNIST classifier (reconstruction accuracy of MINE's Table 1): its saved format, its
// recorded accuracy, and the pieces that train it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { IMAGE_SIZE, loadEmbeddedMnist } from '../../src/data/mnist.js';
import {
  DEFAULT_CLASSIFIER_DIR,
  loadMnistClassifier,
  serializeClassifier,
  shiftedBatch,
  trainMnistClassifier,
  type ClassifierMeta,
} from '../../src/eval/mnistClassifier.js';
import { RunDir } from '../../src/io/runDir.js';
import { Mlp } from '../../src/nets/mlp.js';
import { Rng } from '../../src/util/rng.js';

describe('the shipped classifier, models/mnist-classifier', () => {
  it('reproduces the test accuracy recorded in its meta.json on the same held-out split (≥ 97 %)', async () => {
    const clf = await loadMnistClassifier();
    try {
      expect(clf.meta.testedOn).toMatch(/^mnist-embedded-test: 2000 held-out images, split seed \d+$/);
      const { test } = loadEmbeddedMnist({ seed: clf.meta.seed });
      const acc = clf.accuracy(test.images, test.labels);
      // trained and measured on wasm; another backend may flip a borderline digit or two
      expect(Math.abs(acc - clf.testAccuracy)).toBeLessThanOrEqual(2 / test.n);
      expect(clf.testAccuracy).toBeGreaterThanOrEqual(0.97);
      expect(clf.meta.architecture).toMatch(/^MLP 784-/);
    } finally {
      clf.dispose();
    }
  });

  it('a missing model names the path and the command that trains it', async () => {
    const dir = join(tmpdir(), 'no-such-classifier');
    await expect(loadMnistClassifier(dir)).rejects.toThrow(
      /MNIST classifier not found: missing .*no-such-classifier\/model\.json.*infobound train-classifier --out .*no-such-classifier/,
    );
  });

  it('defaults to models/mnist-classifier in the package root', () => {
    expect(DEFAULT_CLASSIFIER_DIR).toBe(join(process.cwd(), 'models', 'mnist-classifier'));
  });
});

describe('saving and loading', () => {
  it('a saved Mlp loads back as a tfjs Layers model that predicts exactly what the Mlp predicts', async () => {
    const mlp = new Mlp({ sizes: [IMAGE_SIZE, 16, 10] }, new Rng(1));
    const x = new Rng(4).fillNormal(new Float32Array(20 * IMAGE_SIZE), 0, 5); // spread inputs, so the untrained net predicts several classes
    const direct = tf.tidy(() => mlp.apply(tf.tensor2d(x, [20, IMAGE_SIZE])).argMax(1));
    const expected = Array.from(direct.dataSync());
    direct.dispose();
    const { modelJson, weights } = await serializeClassifier(mlp);
    mlp.dispose();
    expect(weights.length).toBe(4 * (IMAGE_SIZE * 16 + 16 + 16 * 10 + 10)); // float32
    const dir = new RunDir(mkdtempSync(join(tmpdir(), 'infobound-clf-')));
    dir.write('weights.bin', weights);
    dir.write('model.json', modelJson);
    dir.writeJson('meta.json', { testAccuracy: 0.5 } as Partial<ClassifierMeta>);
    const clf = await loadMnistClassifier(dir.dir);
    expect(Array.from(clf.predict(x))).toEqual(expected);
    expect(new Set(expected).size).toBeGreaterThan(1);
    clf.dispose();
  });

  it('a weights file of the wrong size is named', async () => {
    const mlp = new Mlp({ sizes: [IMAGE_SIZE, 4, 10] }, new Rng(2));
    const { modelJson, weights } = await serializeClassifier(mlp);
    mlp.dispose();
    const dir = new RunDir(mkdtempSync(join(tmpdir(), 'infobound-clf-')));
    dir.write('weights.bin', weights.subarray(0, 100));
    dir.write('model.json', modelJson);
    dir.writeJson('meta.json', { testAccuracy: 0.5 });
    await expect(loadMnistClassifier(dir.dir)).rejects.toThrow(/weights\.bin: 100 bytes; model\.json describes 12760 \(float32 weights\)/);
  });
});

describe('training', () => {
  it('shiftedBatch translates by (dy, dx) with zero fill; shift 0 copies', () => {
    const src = new Float32Array(IMAGE_SIZE);
    src[5 * 28 + 7] = 1; // pixel at row 5, column 7
    const out = new Float32Array(IMAGE_SIZE);
    shiftedBatch(src, [0], 0, new Rng(0), out);
    expect(Array.from(out)).toEqual(Array.from(src));
    // with shift 2 the pixel lands at (5 + dy, 7 + dx), |dy|, |dx| ≤ 2, and nowhere else
    for (let seed = 0; seed < 10; seed++) {
      shiftedBatch(src, [0], 2, new Rng(seed), out);
      const at = out.indexOf(1);
      expect(Math.abs(Math.floor(at / 28) - 5)).toBeLessThanOrEqual(2);
      expect(Math.abs((at % 28) - 7)).toBeLessThanOrEqual(2);
      expect(out.reduce((s, v) => s + v, 0)).toBe(1);
    }
  });

  it('trains through runLoop without leaking tensors, reproducibly from the seed', async () => {
    // synthetic images: this checks the loop's bookkeeping, not what it learns
    const rng = new Rng(8);
    const fake = (n: number) => ({
      name: 'fake',
      images: Float32Array.from({ length: n * IMAGE_SIZE }, () => rng.uniform()),
      labels: Int32Array.from({ length: n }, (_, i) => i % 10),
      n,
      height: 28 as const,
      width: 28 as const,
      numClasses: 10 as const,
    });
    const small = fake(192);
    const test = fake(64);
    const before = tf.memory().numTensors;
    const run = async () => {
      const r = await trainMnistClassifier({ train: small, test, seed: 3, epochs: 2, batchSize: 32, hidden: [16] });
      r.mlp.dispose();
      return r;
    };
    const a = await run();
    expect(tf.memory().numTensors).toBe(before);
    const b = await run();
    expect(b.finalLoss).toBe(a.finalLoss);
    expect(b.testAccuracy).toBe(a.testAccuracy);
    expect(a.steps).toBe(12);
  });
});
