// MS-SSIM (Wang, Simoncelli & Bovik 2003) against identities, closed forms and an independent
// float64 reference written here with direct double loops over a 2-D window.
import { describe, expect, it } from 'vitest';
import { MSSSIM_WEIGHTS, msssim, msssimPlan, ssim } from '../../src/eval/msssim.js';
import { Rng } from '../../src/util/rng.js';

/** A deterministic smooth test image in [0, 1]: a few Gaussian blobs and a ramp. */
function blobs(h: number, w: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const centres = Array.from({ length: 5 }, () => [rng.uniform() * h, rng.uniform() * w, 2 + (rng.uniform() * h) / 6, 0.3 + 0.5 * rng.uniform()]);
  const img = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 0.1 * (x / w);
      for (const [cy, cx, s, a] of centres) v += a * Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * s * s));
      img[y * w + x] = Math.min(1, v);
    }
  }
  return img;
}

function noisy(img: Float64Array, sigma: number, noise: Float64Array): Float64Array {
  return img.map((v, i) => v + sigma * noise[i]);
}

/**
 * Reference MS-SSIM, written independently of src/eval/msssim.ts: a 2-D Gaussian window (not two
 * 1-D passes), two-pass local variances Σw(x − μ)², a 2×2 block-mean downsampler, Wang's eq. 7
 * with the coarsest term the mean SSIM map and each term clamped at 0.
 */
function referenceMsssim(a: Float64Array, b: Float64Array, h: number, w: number, scales: number, win: number, sigma: number, weights: number[]): number {
  const c1 = (0.01 * 1) ** 2,
    c2 = (0.03 * 1) ** 2;
  const r = (win - 1) / 2;
  const kernel: number[][] = [];
  let ksum = 0;
  for (let dy = -r; dy <= r; dy++) {
    const row: number[] = [];
    for (let dx = -r; dx <= r; dx++) {
      const v = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
      row.push(v);
      ksum += v;
    }
    kernel.push(row);
  }
  let x = Array.from(a),
    y = Array.from(b),
    H = h,
    W = w;
  let result = 1;
  for (let s = 0; s < scales; s++) {
    let sumCs = 0,
      sumSsim = 0,
      count = 0;
    for (let cy = r; cy < H - r; cy++) {
      for (let cx = r; cx < W - r; cx++) {
        let mx = 0,
          my = 0;
        for (let dy = -r; dy <= r; dy++)
          for (let dx = -r; dx <= r; dx++) {
            const k = kernel[dy + r][dx + r] / ksum;
            mx += k * x[(cy + dy) * W + cx + dx];
            my += k * y[(cy + dy) * W + cx + dx];
          }
        let vx = 0,
          vy = 0,
          cov = 0;
        for (let dy = -r; dy <= r; dy++)
          for (let dx = -r; dx <= r; dx++) {
            const k = kernel[dy + r][dx + r] / ksum;
            const ex = x[(cy + dy) * W + cx + dx] - mx,
              ey = y[(cy + dy) * W + cx + dx] - my;
            vx += k * ex * ex;
            vy += k * ey * ey;
            cov += k * ex * ey;
          }
        const cs = (2 * cov + c2) / (vx + vy + c2);
        sumCs += cs;
        sumSsim += (cs * (2 * mx * my + c1)) / (mx * mx + my * my + c1);
        count++;
      }
    }
    const term = s === scales - 1 ? sumSsim / count : sumCs / count;
    result *= Math.pow(Math.max(0, term), weights[s]);
    const nh = Math.floor(H / 2),
      nw = Math.floor(W / 2);
    const half = (img: number[]) => {
      const out: number[] = [];
      for (let i = 0; i < nh; i++)
        for (let j = 0; j < nw; j++)
          out.push((img[2 * i * W + 2 * j] + img[2 * i * W + 2 * j + 1] + img[(2 * i + 1) * W + 2 * j] + img[(2 * i + 1) * W + 2 * j + 1]) / 4);
      return out;
    };
    x = half(x);
    y = half(y);
    H = nh;
    W = nw;
  }
  return result;
}

describe('msssimPlan: scales, window and weights by image size', () => {
  it('176x176 and larger: the standard five scales, 11-px window, Wang et al. weights', () => {
    const p = msssimPlan(176, 200);
    expect(p.scales).toBe(5);
    expect(p.windowSize).toBe(11);
    expect(p.weights).toEqual([0.0448, 0.2856, 0.3001, 0.2363, 0.1333]);
    expect(p.adaptation).toBe('176x200: standard (5 scales, 11-px window)');
  });

  it('28x28 (MNIST): 3 scales (28, 14, 7) with a 7-px window and the first three weights renormalised', () => {
    const p = msssimPlan(28, 28);
    expect(p.scales).toBe(3);
    expect(p.windowSize).toBe(7);
    const total = 0.0448 + 0.2856 + 0.3001;
    p.weights.forEach((w, i) => expect(w).toBeCloseTo(MSSSIM_WEIGHTS[i] / total, 12));
    expect(p.weights.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(p.adaptation).toMatch(/^28x28: 3 scales, 7-px window .*renormalised/);
  });

  it('64x64 keeps the 11-px window with 3 scales (64, 32, 16); an explicit window is honoured', () => {
    expect(msssimPlan(64, 64)).toMatchObject({ scales: 3, windowSize: 11 });
    expect(msssimPlan(28, 28, { windowSize: 11 })).toMatchObject({ scales: 2, windowSize: 11 });
    expect(msssimPlan(12, 12, { windowSize: 11 })).toMatchObject({ scales: 1, windowSize: 11, weights: [1] });
  });

  it('names the problem when the image or the requested scales do not fit', () => {
    expect(() => msssimPlan(5, 40)).toThrow(/image 5x40 is smaller than the 7-px window/);
    expect(() => msssimPlan(28, 28, { scales: 4 })).toThrow(/scales = 4 does not fit a 28x28 image with a 7-px window \(at most 3/);
    expect(() => msssimPlan(28, 28, { scales: 6 })).toThrow(/scales must be an integer in 1…5, got 6/);
  });
});

describe('msssim', () => {
  const a28 = blobs(28, 28, 1);
  // a related image (a28 shifted one pixel right, plus a fixed noise draw), so no term is clamped
  const b28 = new Float64Array(28 * 28);
  const r28 = new Rng(3);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) b28[y * 28 + x] = a28[y * 28 + Math.max(0, x - 1)] + 0.05 * r28.normal();

  it('MS-SSIM(x, x) = 1 at 28x28 and at 176x176', () => {
    expect(msssim(a28, a28, 28, 28).value).toBeCloseTo(1, 12);
    const big = blobs(176, 176, 3);
    expect(msssim(big, big, 176, 176).value).toBeCloseTo(1, 12);
  });

  it('is symmetric: MS-SSIM(a, b) = MS-SSIM(b, a)', () => {
    const ab = msssim(a28, b28, 28, 28).value,
      ba = msssim(b28, a28, 28, 28).value;
    expect(ab).toBeLessThan(0.99);
    expect(ab).toBeGreaterThan(0.5);
    expect(Math.abs(ab - ba)).toBeLessThan(1e-14);
  });

  it('drops monotonically with added Gaussian noise of increasing σ (same noise draw, scaled)', () => {
    const noise = new Float64Array(28 * 28);
    const rng = new Rng(11);
    for (let i = 0; i < noise.length; i++) noise[i] = rng.normal();
    const sigmas = [0, 0.02, 0.05, 0.1, 0.2, 0.4, 0.8];
    const values = sigmas.map((s) => msssim(a28, noisy(a28, s, noise), 28, 28).value);
    expect(values[0]).toBeCloseTo(1, 12);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThan(values[i - 1]);
    expect(values[values.length - 1]).toBeLessThan(0.5);
  });

  it('matches the independent float64 reference on a fixed pair to 1e-6: 28x28 (3 scales, 7-px window)', () => {
    const noise = new Float64Array(28 * 28);
    const rng = new Rng(5);
    for (let i = 0; i < noise.length; i++) noise[i] = rng.normal();
    const b = noisy(b28, 0.05, noise);
    const p = msssimPlan(28, 28);
    const expected = referenceMsssim(a28, b, 28, 28, 3, 7, 1.5, p.weights);
    const got = msssim(a28, b, 28, 28);
    expect(got.perScale.every((t) => t > 0)).toBe(true);
    expect(expected).toBeGreaterThan(0.05);
    expect(expected).toBeLessThan(0.95);
    expect(Math.abs(got.value - expected)).toBeLessThan(1e-6);
  });

  it('matches the independent float64 reference with the standard five scales at 176x176 to 1e-6', () => {
    const a = blobs(176, 176, 21),
      b = blobs(176, 176, 22);
    const expected = referenceMsssim(a, b, 176, 176, 5, 11, 1.5, [...MSSSIM_WEIGHTS]);
    const got = msssim(a, b, 176, 176);
    expect(got.scales).toBe(5);
    expect(expected).toBeGreaterThan(0.05);
    expect(Math.abs(got.value - expected)).toBeLessThan(1e-6);
  });

  it('float32 input gives the float64 answer to float32 precision', () => {
    expect(msssim(Float32Array.from(a28), Float32Array.from(b28), 28, 28).value).toBeCloseTo(msssim(a28, b28, 28, 28).value, 5);
  });

  it('is invariant to the data range: MS-SSIM(255·a, 255·b; L = 255) = MS-SSIM(a, b; L = 1)', () => {
    const s = (x: Float64Array) => x.map((v) => 255 * v);
    expect(msssim(s(a28), s(b28), 28, 28, { dataRange: 255 }).value).toBeCloseTo(msssim(a28, b28, 28, 28).value, 10);
  });

  it('clamps negative contrast-structure terms at 0 (as tf.image.ssim_multiscale and pytorch_msssim do): MS-SSIM(x, 1 − x) = 0', () => {
    const inv = a28.map((v) => 1 - v);
    const r = msssim(a28, inv, 28, 28);
    expect(r.perScale[0]).toBeLessThan(0);
    expect(r.value).toBe(0);
  });

  it('rejects mismatched sizes and non-finite pixels, naming the field', () => {
    expect(() => msssim(a28, new Float64Array(27 * 28), 28, 28)).toThrow(/image b has 756 values; expected height × width = 28 × 28 = 784/);
    const bad = Float64Array.from(a28);
    bad[3] = NaN;
    expect(() => msssim(bad, a28, 28, 28)).toThrow(/image a pixel 3 is NaN/);
    expect(() => msssim(a28, a28, 28, 28, { windowSize: 8 })).toThrow(/windowSize must be an odd positive integer, got 8/);
  });
});

describe('ssim (single scale)', () => {
  it('of two constant images is the luminance term alone: (2μaμb + C1) / (μa² + μb² + C1), cs = 1', () => {
    const a = new Float64Array(20 * 20).fill(0.3),
      b = new Float64Array(20 * 20).fill(0.5);
    const c1 = 0.01 ** 2;
    const r = ssim(a, b, 20, 20);
    expect(r.cs).toBeCloseTo(1, 12);
    expect(r.value).toBeCloseTo((2 * 0.3 * 0.5 + c1) / (0.09 + 0.25 + c1), 12);
  });

  it('a constant shift x + c leaves contrast-structure at 1 and lowers only luminance', () => {
    const a = blobs(28, 28, 4).map((v) => 0.5 * v);
    const r = ssim(
      a,
      a.map((v) => v + 0.2),
      28,
      28,
    );
    expect(r.cs).toBeCloseTo(1, 10);
    expect(r.luminance).toBeLessThan(1);
    expect(r.value).toBeLessThan(1);
  });
});
