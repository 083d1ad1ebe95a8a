// Reconstruction metrics of MINE's Table 1 against known answers.
import { describe, expect, it } from 'vitest';
import { msssim } from '../../src/eval/msssim.js';
import { classAccuracy, reconstructionError, withinClassMsSsim } from '../../src/eval/reconstruction.js';
import { Rng } from '../../src/util/rng.js';

function randomImages(n: number, size: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * size }, () => rng.uniform());
}

describe('reconstructionError: mean over samples of ‖x − x̂‖₂', () => {
  const dim = 784;
  const x = randomImages(5, dim, 1);

  it('is 0 when x̂ = x', () => {
    expect(reconstructionError(x, x.slice(), dim)).toBe(0);
  });

  it('is c·√dim when x̂ = x + c·1 (every sample off by c in every coordinate)', () => {
    const c = 0.25;
    expect(
      reconstructionError(
        x,
        x.map((v) => v + c),
        dim,
      ),
    ).toBeCloseTo(c * Math.sqrt(dim), 4);
  });

  it('averages per-sample distances (not the distance of the pooled error): samples off by 3–4–0 and 0 give (5 + 0) / 2', () => {
    const a = new Float32Array([0, 0, 0, 1, 1, 1]);
    const b = new Float32Array([3, 4, 0, 1, 1, 1]);
    expect(reconstructionError(a, b, 3)).toBe(2.5);
  });

  it('names mismatched shapes', () => {
    expect(() => reconstructionError(x, x.subarray(0, dim), dim)).toThrow(/reconstructions have 784 values; expected 3920/);
    expect(() => reconstructionError(x, x, 100)).toThrow(/expected a positive multiple of dim = 100/);
  });
});

describe('classAccuracy', () => {
  it('is the share of predictions equal to the label: 3 of 4 → 0.75', () => {
    expect(classAccuracy(new Int32Array([1, 2, 3, 4]), new Int32Array([1, 2, 3, 0]))).toBe(0.75);
  });

  it('names a length mismatch', () => {
    expect(() => classAccuracy(new Int32Array(3), new Int32Array(4))).toThrow(/predicted has 3 entries; expected 4/);
  });
});

describe('withinClassMsSsim (Odena et al. 2017 diversity)', () => {
  const size = 28 * 28;

  it('is 1 for every class when the samples of each class are identical', () => {
    const protos = randomImages(3, size, 2);
    const labels = new Int32Array([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    const images = new Float32Array(labels.length * size);
    labels.forEach((c, i) => images.set(protos.subarray(c * size, (c + 1) * size), i * size));
    const r = withinClassMsSsim(images, labels, { height: 28, width: 28, pairsPerClass: 4, rng: new Rng(0) });
    expect(r.mean).toBeCloseTo(1, 10);
    r.perClass.forEach((v) => expect(v).toBeCloseTo(1, 10));
    expect(r.adaptation).toMatch(/^28x28: 3 scales/);
  });

  it('with two samples per class equals the MS-SSIM of that one pair, whatever the draws', () => {
    const images = randomImages(4, size, 3);
    const labels = new Int32Array([5, 7, 5, 7]);
    const r = withinClassMsSsim(images, labels, { height: 28, width: 28, pairsPerClass: 3, rng: new Rng(9) });
    const pair = (i: number, j: number) => msssim(images.subarray(i * size, (i + 1) * size), images.subarray(j * size, (j + 1) * size), 28, 28).value;
    expect(r.perClass[5]).toBeCloseTo(pair(0, 2), 12);
    expect(r.perClass[7]).toBeCloseTo(pair(1, 3), 12);
    expect(r.mean).toBeCloseTo((pair(0, 2) + pair(1, 3)) / 2, 12);
    // classes 0–4 and 6 have no samples: NaN, not counted in the mean
    expect(r.perClass.filter((v) => Number.isNaN(v))).toHaveLength(6);
    expect(r.pairs[5]).toBe(3);
  });

  it('is reproducible from the rng seed', () => {
    const images = randomImages(12, size, 4);
    const labels = new Int32Array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
    const run = (s: number) => withinClassMsSsim(images, labels, { height: 28, width: 28, pairsPerClass: 5, rng: new Rng(s) }).mean;
    expect(run(1)).toBe(run(1));
  });

  it('names mismatched shapes and the no-pair case', () => {
    expect(() => withinClassMsSsim(new Float32Array(10), new Int32Array(2), { height: 28, width: 28, pairsPerClass: 1, rng: new Rng(0) })).toThrow(
      /images has 10 values; expected labels.length × height × width = 2 × 28 × 28/,
    );
    expect(() => withinClassMsSsim(randomImages(2, size, 0), new Int32Array([0, 1]), { height: 28, width: 28, pairsPerClass: 1, rng: new Rng(0) })).toThrow(
      /no class has two samples/,
    );
  });
});
