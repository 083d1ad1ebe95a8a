/**
 * The reconstruction metrics of MINE's Table 1 (Belghazi et al. 2018, §5.2, bidirectional models on
 * MNIST): Euclidean reconstruction error ‖x − G(F(x))‖₂, reconstruction accuracy (the share of
 * reconstructions a pretrained classifier gives the original's label; see mnistClassifier.ts), and
 * the within-class MS-SSIM of samples, a diversity measure (Odena et al. 2017, §4.2: lower = more
 * diverse; real MNIST classes sit well below 1).
 */
import { msssim, type MsSsimOptions } from './msssim.js';
import type { Rng } from '../util/rng.js';

/** Mean over samples of the Euclidean distance ‖x_i − x̂_i‖₂; x and xr are n × dim, row-major. */
export function reconstructionError(x: Float32Array, xr: Float32Array, dim: number): number {
  if (!Number.isInteger(dim) || dim <= 0) throw new Error(`dim must be a positive integer, got ${dim}`);
  if (x.length !== xr.length) throw new Error(`reconstructions have ${xr.length} values; expected ${x.length}, as many as the originals`);
  if (x.length === 0 || x.length % dim !== 0) throw new Error(`x has ${x.length} values; expected a positive multiple of dim = ${dim}`);
  const n = x.length / dim;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * dim; j < (i + 1) * dim; j++) {
      const d = x[j] - xr[j];
      s += d * d;
    }
    total += Math.sqrt(s);
  }
  const mean = total / n;
  if (!Number.isFinite(mean)) throw new Error(`reconstruction error is ${mean}: x or the reconstructions hold non-finite values`);
  return mean;
}

/** Share of predictions equal to their label. */
export function classAccuracy(predicted: Int32Array, labels: Int32Array): number {
  if (predicted.length !== labels.length) throw new Error(`predicted has ${predicted.length} entries; expected ${labels.length}, one per label`);
  if (labels.length === 0) throw new Error('classAccuracy: no labels');
  let k = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) k++;
  return k / labels.length;
}

export interface WithinClassMsSsimOptions {
  height: number;
  width: number;
  /** random pairs of distinct samples drawn per class. */
  pairsPerClass: number;
  rng: Rng;
  /** passed to msssim (scales, window, data range); defaults as there. */
  msssim?: MsSsimOptions;
}

export interface WithinClassMsSsim {
  /** mean over the classes that have ≥ 2 samples of their mean pair MS-SSIM. */
  mean: number;
  /** per class id 0…max label: mean MS-SSIM of its pairs; NaN for a class with fewer than 2 samples. */
  perClass: number[];
  /** pairs scored per class (0 where NaN). */
  pairs: number[];
  /** how the image size was handled (msssim's note), to print beside the number. */
  adaptation: string;
}

/**
 * Mean MS-SSIM over `pairsPerClass` random pairs (i ≠ j, drawn with replacement across pairs) of
 * samples with the same label: the intra-class diversity measure of Odena et al. 2017 (AC-GAN,
 * §4.2). Identical images in a class give 1; more diverse samples give lower values.
 * images: n × (height·width) in [0, 1]; labels: n class ids.
 */
export function withinClassMsSsim(images: Float32Array, labels: Int32Array, opts: WithinClassMsSsimOptions): WithinClassMsSsim {
  const { height, width, pairsPerClass, rng } = opts;
  const size = height * width;
  if (!Number.isInteger(pairsPerClass) || pairsPerClass < 1) throw new Error(`pairsPerClass must be a positive integer, got ${pairsPerClass}`);
  if (!Number.isInteger(size) || size <= 0) throw new Error(`height and width must be positive integers, got ${height} and ${width}`);
  if (images.length !== labels.length * size) {
    throw new Error(`images has ${images.length} values; expected labels.length × height × width = ${labels.length} × ${height} × ${width}`);
  }
  const byClass: number[][] = [];
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0) throw new Error(`labels[${i}] is ${c}; expected a class id ≥ 0`);
    (byClass[c] ??= []).push(i);
  }
  const perClass: number[] = [];
  const pairs: number[] = [];
  let adaptation = '';
  let sum = 0,
    classes = 0;
  for (let c = 0; c < byClass.length; c++) {
    const members = byClass[c] ?? [];
    if (members.length < 2) {
      perClass.push(NaN);
      pairs.push(0);
      continue;
    }
    let s = 0;
    for (let p = 0; p < pairsPerClass; p++) {
      const a = rng.int(members.length);
      // b uniform over the other m − 1 positions: draw from m − 1 and step over a.
      let b = rng.int(members.length - 1);
      if (b >= a) b++;
      const i = members[a],
        j = members[b];
      const r = msssim(images.subarray(i * size, (i + 1) * size), images.subarray(j * size, (j + 1) * size), height, width, opts.msssim);
      adaptation = r.adaptation;
      s += r.value;
    }
    perClass.push(s / pairsPerClass);
    pairs.push(pairsPerClass);
    sum += s / pairsPerClass;
    classes++;
  }
  if (classes === 0) throw new Error('withinClassMsSsim: no class has two samples to compare');
  return { mean: sum / classes, perClass, pairs, adaptation };
}
