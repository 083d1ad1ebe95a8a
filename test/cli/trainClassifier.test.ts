// `infobound train-classifier` end to end on a tiny IDX dataset: what it writes, and that the saved
// model scores what meta.json records.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { cmdTrainClassifier } from '../../src/cli/trainClassifier.js';
import { loadIdxDataset } from '../../src/data/mnist.js';
import { loadMnistClassifier } from '../../src/eval/mnistClassifier.js';
import { Rng } from '../../src/util/rng.js';
import { idxBytes } from '../data/idxFixtures.js';

/** n images of class i % 10: a bright bar on row 3 + 2·class, plus noise (learnable by a tiny MLP without shifts, which would move the bar to a neighbour's row). */
function writeBars(dir: string, prefix: string, n: number, rng: Rng): void {
  const px = new Uint8Array(n * 784),
    labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 10;
    for (let k = 0; k < 784; k++) px[i * 784 + k] = Math.floor(40 * rng.uniform());
    for (let x = 4; x < 24; x++) px[i * 784 + (3 + 2 * labels[i]) * 28 + x] = 255;
  }
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), idxBytes(0x08, [n, 28, 28], px));
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), idxBytes(0x08, [n], labels));
}

describe('infobound train-classifier', () => {
  it('--data idx --dir D trains, writes model.json + weights.bin + meta.json, and the saved model scores the recorded accuracy', async () => {
    const data = mkdtempSync(join(tmpdir(), 'infobound-idx-'));
    const rng = new Rng(0);
    writeBars(data, 'train', 200, rng);
    writeBars(data, 't10k', 50, rng);
    const out = join(mkdtempSync(join(tmpdir(), 'infobound-clf-')), 'model');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(
        await cmdTrainClassifier(['--data', 'idx', '--dir', data, '--epochs', '3', '--hidden', '16', '--batch-size', '20', '--shift', '0', '--out', out]),
      ).toBe(0);
    } finally {
      write.mockRestore();
      err.mockRestore();
    }
    for (const f of ['model.json', 'weights.bin', 'meta.json']) expect(existsSync(join(out, f))).toBe(true);
    expect(statSync(join(out, 'weights.bin')).size).toBe(4 * (784 * 16 + 16 + 16 * 10 + 10));
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ seed: 0, epochs: 3, batchSize: 20, shift: 0, testSize: 50, architecture: expect.stringMatching(/^MLP 784-16-10, relu/) });
    expect(meta.trainedOn).toContain(`idx:${data}`);
    expect(meta.command).toBe(`infobound train-classifier --data idx --dir ${data} --epochs 3 --hidden 16 --batch-size 20 --shift 0 --out ${out}`);
    const clf = await loadMnistClassifier(out);
    const { test } = loadIdxDataset(data);
    expect(clf.accuracy(test.images, test.labels)).toBe(meta.testAccuracy);
    expect(meta.testAccuracy).toBeGreaterThan(0.5); // the bars are easy: well above chance (0.1)
    clf.dispose();
  });

  it('names bad flags', async () => {
    await expect(cmdTrainClassifier(['--data', 'idx'])).rejects.toThrow(/--data idx needs --dir D/);
    await expect(cmdTrainClassifier(['--data', 'cifar'])).rejects.toThrow(/--data must be embedded or idx, got "cifar"/);
    await expect(cmdTrainClassifier(['--epochs', '0'])).rejects.toThrow(/--epochs must be an integer ≥ 1, got "0"/);
  });
});
