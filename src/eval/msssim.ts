/**
 * SSIM and multi-scale SSIM (Wang, Simoncelli & Bovik 2003, "Multi-scale structural similarity for
 * image quality assessment"), in float64 JavaScript: the images here are small (MNIST 28×28), so a
 * tensor round trip would cost more than the arithmetic.
 *
 * Per scale j, with Gaussian-weighted local means μ, variances σ² and covariance σ_xy (window 11,
 * σ = 1.5, "valid" positions only — no padding):
 *   l(x, y)  = (2 μ_x μ_y + C1) / (μ_x² + μ_y² + C1)                    (eq. 1)
 *   cs(x, y) = (2 σ_xy + C2) / (σ_x² + σ_y² + C2)                         (eq. 2–3, with C3 = C2/2)
 *   C1 = (K1·L)², C2 = (K2·L)², K1 = 0.01, K2 = 0.03, L = data range.
 * MS-SSIM = [mean SSIM map at the coarsest scale M]^{w_M} · Π_{j<M} [mean cs map at scale j]^{w_j}
 * (eq. 7; the coarsest term is the mean of l·cs, as in Wang's reference msssim.m), with
 * w = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333] and 2×2 average pooling between scales.
 *
 * Negative terms: a mean cs (or coarsest SSIM) below 0 would make x^w undefined for fractional w.
 * As TensorFlow's tf.image.ssim_multiscale and pytorch_msssim do, each term is clamped at 0 (relu)
 * before the power, so MS-SSIM ∈ [0, 1].
 *
 * Small images: five scales with an 11-px window need min(height, width) ≥ 176 (= 11·2⁴: the
 * coarsest scale, after four poolings that drop odd rows, must still hold the window). Smaller
 * images use as many scales as fit with the 11-px window; when that is fewer than three (28×28:
 * 28 and 14 fit, 7 does not — two scales), the window shrinks to 7 px (σ stays 1.5, so the window
 * still spans ±2σ) and again as many scales as fit are used: 28×28 gets three scales (28, 14, 7;
 * the coarsest SSIM is a single Gaussian-weighted window over the whole 7×7 image). The weights
 * are the first `scales` of the five (finest first), renormalised to sum to 1. The returned `adaptation` says what was done.
 */

/** The standard five scale weights of Wang et al. 2003 (finest scale first). */
export const MSSSIM_WEIGHTS: readonly number[] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];
export const K1 = 0.01;
export const K2 = 0.03;
export const DEFAULT_WINDOW = 11;
export const DEFAULT_SIGMA = 1.5;
/** The window used for images too small for three scales with the 11-px window. */
export const SMALL_IMAGE_WINDOW = 7;

export interface SsimOptions {
  /** odd window side in pixels (default 11). */
  windowSize?: number;
  /** Gaussian window σ in pixels (default 1.5). */
  sigma?: number;
  /** L, the range of pixel values: images in [0, dataRange] (default 1). */
  dataRange?: number;
}

export interface MsSsimOptions extends SsimOptions {
  /** number of scales (default 5, reduced for small images; see the module comment). */
  scales?: number;
}

export interface SsimResult {
  /** mean of the SSIM map l·cs. */
  value: number;
  /** mean of the contrast-structure map cs. */
  cs: number;
  /** mean of the luminance map l. */
  luminance: number;
}

export interface MsSsimResult {
  value: number;
  scales: number;
  windowSize: number;
  /** the weight of each scale, finest first (renormalised when fewer than five). */
  weights: number[];
  /** how the image size was handled, e.g. "28x28: 3 scales, 7-px window, weights renormalised". */
  adaptation: string;
  /** per scale: the mean cs (scales < last) and, for the last, the mean SSIM, before clamping. */
  perScale: number[];
}

/** A normalised 1-D Gaussian of odd length `size`: exp(−(i − c)² / 2σ²) / Σ. */
export function gaussianWindow(size: number, sigma: number): Float64Array {
  const g = new Float64Array(size);
  const c = (size - 1) / 2;
  let s = 0;
  for (let i = 0; i < size; i++) s += g[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
  for (let i = 0; i < size; i++) g[i] /= s;
  return g;
}

/**
 * Valid 2-D filtering with the separable window g ⊗ g: out is (h − k + 1) × (w − k + 1).
 * The rows pass, then the columns pass (the 2-D Gaussian is the outer product of two 1-D ones).
 */
function filterValid(img: Float64Array, h: number, w: number, g: Float64Array): Float64Array {
  const k = g.length;
  const oh = h - k + 1,
    ow = w - k + 1;
  const rows = new Float64Array(h * ow);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += g[i] * img[y * w + x + i];
      rows[y * ow + x] = s;
    }
  }
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += g[i] * rows[(y + i) * ow + x];
      out[y * ow + x] = s;
    }
  }
  return out;
}

/** 2×2 average pooling with stride 2; an odd last row or column is dropped. */
function downsample(img: Float64Array, h: number, w: number): { img: Float64Array; h: number; w: number } {
  const oh = Math.floor(h / 2),
    ow = Math.floor(w / 2);
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const o = 2 * y * w + 2 * x;
      out[y * ow + x] = 0.25 * (img[o] + img[o + 1] + img[o + w] + img[o + w + 1]);
    }
  }
  return { img: out, h: oh, w: ow };
}

function checkPair(a: ArrayLike<number>, b: ArrayLike<number>, height: number, width: number, dataRange: number): void {
  if (!Number.isInteger(height) || height <= 0) throw new Error(`height must be a positive integer, got ${height}`);
  if (!Number.isInteger(width) || width <= 0) throw new Error(`width must be a positive integer, got ${width}`);
  if (a.length !== height * width) throw new Error(`image a has ${a.length} values; expected height × width = ${height} × ${width} = ${height * width}`);
  if (b.length !== height * width) throw new Error(`image b has ${b.length} values; expected height × width = ${height} × ${width} = ${height * width}`);
  if (!(dataRange > 0) || !Number.isFinite(dataRange)) throw new Error(`dataRange must be a positive number, got ${dataRange}`);
  for (const [name, img] of [
    ['a', a],
    ['b', b],
  ] as const) {
    for (let i = 0; i < img.length; i++) {
      if (!Number.isFinite(img[i])) throw new Error(`image ${name} pixel ${i} is ${img[i]}; expected finite values in [0, ${dataRange}]`);
    }
  }
}

function checkWindow(windowSize: number, sigma: number): void {
  if (!Number.isInteger(windowSize) || windowSize < 1 || windowSize % 2 === 0) throw new Error(`windowSize must be an odd positive integer, got ${windowSize}`);
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new Error(`sigma must be a positive number, got ${sigma}`);
}

/** SSIM and its parts on float64 images of one scale (no checks). */
function ssimParts(x: Float64Array, y: Float64Array, h: number, w: number, g: Float64Array, c1: number, c2: number): SsimResult {
  const n = x.length;
  const xx = new Float64Array(n),
    yy = new Float64Array(n),
    xy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xx[i] = x[i] * x[i];
    yy[i] = y[i] * y[i];
    xy[i] = x[i] * y[i];
  }
  const mx = filterValid(x, h, w, g),
    my = filterValid(y, h, w, g);
  const sxx = filterValid(xx, h, w, g),
    syy = filterValid(yy, h, w, g),
    sxy = filterValid(xy, h, w, g);
  let sumS = 0,
    sumCs = 0,
    sumL = 0;
  for (let i = 0; i < mx.length; i++) {
    const vx = sxx[i] - mx[i] * mx[i],
      vy = syy[i] - my[i] * my[i],
      cxy = sxy[i] - mx[i] * my[i];
    const l = (2 * mx[i] * my[i] + c1) / (mx[i] * mx[i] + my[i] * my[i] + c1);
    const cs = (2 * cxy + c2) / (vx + vy + c2);
    sumL += l;
    sumCs += cs;
    sumS += l * cs;
  }
  const m = mx.length;
  return { value: sumS / m, cs: sumCs / m, luminance: sumL / m };
}

/** Single-scale SSIM (Wang et al. 2004) of two height×width images; the window must fit the image. */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, height: number, width: number, opts: SsimOptions = {}): SsimResult {
  const windowSize = opts.windowSize ?? DEFAULT_WINDOW;
  const sigma = opts.sigma ?? DEFAULT_SIGMA;
  const L = opts.dataRange ?? 1;
  checkPair(a, b, height, width, L);
  checkWindow(windowSize, sigma);
  if (Math.min(height, width) < windowSize) {
    throw new Error(`image ${height}x${width} is smaller than the ${windowSize}-px window; pass a windowSize ≤ ${Math.min(height, width)}`);
  }
  return ssimParts(Float64Array.from(a), Float64Array.from(b), height, width, gaussianWindow(windowSize, sigma), (K1 * L) ** 2, (K2 * L) ** 2);
}

/** How many scales fit: the largest s with min side after s − 1 poolings ≥ window. */
function scalesThatFit(height: number, width: number, windowSize: number): number {
  let s = 0;
  for (let h = height, w = width; Math.min(h, w) >= windowSize && s < MSSSIM_WEIGHTS.length; h = Math.floor(h / 2), w = Math.floor(w / 2)) s++;
  return s;
}

/** The scales, window and weights used for a height×width image (see the module comment). */
export function msssimPlan(height: number, width: number, opts: { scales?: number; windowSize?: number } = {}): Omit<MsSsimResult, 'value' | 'perScale'> {
  const maxScales = MSSSIM_WEIGHTS.length;
  if (opts.scales !== undefined && (!Number.isInteger(opts.scales) || opts.scales < 1 || opts.scales > maxScales)) {
    throw new Error(`scales must be an integer in 1…${maxScales}, got ${opts.scales}`);
  }
  const wanted = opts.scales ?? maxScales;
  let windowSize = opts.windowSize ?? DEFAULT_WINDOW;
  let fit = scalesThatFit(height, width, windowSize);
  let shrunk = false;
  if (opts.windowSize === undefined && fit < Math.min(3, wanted)) {
    windowSize = SMALL_IMAGE_WINDOW;
    fit = scalesThatFit(height, width, windowSize);
    shrunk = true;
  }
  if (fit === 0) {
    throw new Error(
      `image ${height}x${width} is smaller than the ${windowSize}-px window; MS-SSIM needs at least ${windowSize}x${windowSize} pixels (or pass a smaller windowSize)`,
    );
  }
  if (opts.scales !== undefined && fit < opts.scales) {
    throw new Error(
      `scales = ${opts.scales} does not fit a ${height}x${width} image with a ${windowSize}-px window (at most ${fit}: each scale halves the image and must stay ≥ the window)`,
    );
  }
  const scales = Math.min(wanted, fit);
  const first = MSSSIM_WEIGHTS.slice(0, scales);
  const total = first.reduce((s, v) => s + v, 0);
  const weights = scales === maxScales ? [...first] : first.map((v) => v / total);
  const notes: string[] = [];
  if (scales < maxScales) notes.push(`${scales} scale${scales === 1 ? '' : 's'}`);
  if (shrunk) notes.push(`${windowSize}-px window (11 px leaves fewer than 3 scales)`);
  else if (windowSize !== DEFAULT_WINDOW) notes.push(`${windowSize}-px window`);
  if (scales === 1) notes.push('plain SSIM, weight 1');
  else if (scales < maxScales) notes.push(`weights = the first ${scales} of the standard five, renormalised to sum 1`);
  const adaptation = notes.length ? `${height}x${width}: ${notes.join(', ')}` : `${height}x${width}: standard (5 scales, 11-px window)`;
  return { scales, windowSize, weights, adaptation };
}

/**
 * Multi-scale SSIM of two height×width images a, b (row-major, values in [0, dataRange]).
 * 1 for identical images; symmetric in a and b; in [0, 1] (negative terms clamped, see above).
 */
export function msssim(a: ArrayLike<number>, b: ArrayLike<number>, height: number, width: number, opts: MsSsimOptions = {}): MsSsimResult {
  const sigma = opts.sigma ?? DEFAULT_SIGMA;
  const L = opts.dataRange ?? 1;
  checkPair(a, b, height, width, L);
  checkWindow(opts.windowSize ?? DEFAULT_WINDOW, sigma);
  const plan = msssimPlan(height, width, opts);
  const g = gaussianWindow(plan.windowSize, sigma);
  const c1 = (K1 * L) ** 2,
    c2 = (K2 * L) ** 2;
  let x: { img: Float64Array; h: number; w: number } = { img: Float64Array.from(a), h: height, w: width };
  let y: { img: Float64Array; h: number; w: number } = { img: Float64Array.from(b), h: height, w: width };
  const perScale: number[] = [];
  let value = 1;
  for (let j = 0; j < plan.scales; j++) {
    const p = ssimParts(x.img, y.img, x.h, x.w, g, c1, c2);
    const last = j === plan.scales - 1;
    const term = last ? p.value : p.cs;
    perScale.push(term);
    value *= Math.max(term, 0) ** plan.weights[j];
    if (!last) {
      x = downsample(x.img, x.h, x.w);
      y = downsample(y.img, y.h, y.w);
    }
  }
  return { value, ...plan, perScale };
}
