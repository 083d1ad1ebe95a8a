/**
 * Gaussian kernel density estimates with a diagonal bandwidth (plain float64 JavaScript: the
 * evaluation sets are a few thousand points in 2-D, and a reference evaluator should not depend on
 * the training backend's float32).
 *   p̂(x) = (1/n) Σ_i Π_d N(x_d; s_id, h_d²)
 * Bandwidths by Scott's rule h_d = σ_d n^{−1/(d+4)} or Silverman's h_d = σ_d (4/((d+2)n))^{1/(d+4)}.
 */

export type BandwidthRule = 'scott' | 'silverman';

function std(samples: ArrayLike<number>, n: number, dim: number, d: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) m += samples[i * dim + d];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (samples[i * dim + d] - m) ** 2;
  return Math.sqrt(v / Math.max(1, n - 1));
}

/** Per-dimension bandwidths for `samples` (n × dim, row-major). */
export function bandwidth(samples: ArrayLike<number>, dim: number, rule: BandwidthRule | number = 'scott'): number[] {
  const n = Math.floor(samples.length / dim);
  if (n < 2) throw new Error(`kde: need at least 2 samples, got ${n}`);
  if (typeof rule === 'number') {
    if (!(rule > 0)) throw new Error(`kde: bandwidth must be positive, got ${rule}`);
    return new Array(dim).fill(rule);
  }
  const factor = rule === 'scott' ? n ** (-1 / (dim + 4)) : (4 / ((dim + 2) * n)) ** (1 / (dim + 4));
  return Array.from({ length: dim }, (_, d) => Math.max(std(samples, n, dim, d), 1e-12) * factor);
}

export class GaussianKde {
  readonly n: number;
  readonly h: number[];
  private readonly logNorm: number;
  constructor(
    readonly samples: ArrayLike<number>,
    readonly dim: number,
    rule: BandwidthRule | number = 'scott',
  ) {
    if (samples.length % dim !== 0) throw new Error(`kde: ${samples.length} values is not a multiple of dim ${dim}`);
    for (let i = 0; i < samples.length; i++) if (!Number.isFinite(samples[i])) throw new Error(`kde: sample value ${i} is ${samples[i]}`);
    this.n = samples.length / dim;
    this.h = bandwidth(samples, dim, rule);
    this.logNorm = -Math.log(this.n) - this.h.reduce((a, h) => a + Math.log(h * Math.sqrt(2 * Math.PI)), 0);
  }

  /** log p̂(x) for one point, by log-sum-exp over the samples. */
  logDensity(x: ArrayLike<number>, offset = 0): number {
    const { n, dim, h, samples } = this;
    let max = -Infinity;
    const e = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const z = (x[offset + d] - samples[i * dim + d]) / h[d];
        s -= 0.5 * z * z;
      }
      e[i] = s;
      if (s > max) max = s;
    }
    if (max === -Infinity) return -Infinity;
    let acc = 0;
    for (let i = 0; i < n; i++) acc += Math.exp(e[i] - max);
    return this.logNorm + max + Math.log(acc);
  }

  /** Mean log p̂ over points (m × dim): the held-out log-likelihood. */
  meanLogLikelihood(points: ArrayLike<number>): number {
    const m = points.length / this.dim;
    let s = 0;
    for (let j = 0; j < m; j++) s += this.logDensity(points, j * this.dim);
    return s / m;
  }

  /** p̂ on a res × res grid over [x0, x1] × [y0, y1] (2-D only); row 0 is the lowest y. */
  densityGrid(xRange: [number, number], yRange: [number, number], res: number): Float64Array {
    if (this.dim !== 2) throw new Error(`kde: densityGrid needs 2-D samples, got dim ${this.dim}`);
    const out = new Float64Array(res * res);
    const p = new Float64Array(2);
    for (let r = 0; r < res; r++)
      for (let c = 0; c < res; c++) {
        p[0] = xRange[0] + ((c + 0.5) / res) * (xRange[1] - xRange[0]);
        p[1] = yRange[0] + ((r + 0.5) / res) * (yRange[1] - yRange[0]);
        out[r * res + c] = Math.exp(this.logDensity(p));
      }
    return out;
  }
}
