/**
 * Per-coordinate standardization of a point sampler's data (z-scores). GANs on the 25 Gaussians
 * train G and D in these coordinates (the grid spans ±4 with σ = 0.05, so raw coordinates ask G
 * for outputs of scale 4 and precision 0.05 at once); samples are mapped back before evaluation.
 */
import type { PointSampler } from './types.js';
import { deriveSeed } from '../util/hash.js';
import { Rng } from '../util/rng.js';

/** Per-coordinate mean and standard deviation of a sampler's data, from 10,000 points of a fixed seed. */
export function dataMoments(sampler: PointSampler): { mean: Float64Array; std: Float64Array } {
  const n = 10_000,
    d = sampler.dim;
  const x = sampler.sample(n, new Rng(deriveSeed(0, 'gan-standardize')));
  const mean = new Float64Array(d),
    sq = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) sq[j] += (x[i * d + j] - mean[j]) ** 2 / (n - 1);
  return { mean, std: sq.map(Math.sqrt) };
}

/** x ↦ (x − mean)/std per coordinate (`inverse`: x ↦ x·std + mean), in place; returns x. */
export function standardizeRows(x: Float32Array, m: { mean: Float64Array; std: Float64Array }, inverse = false): Float32Array {
  const d = m.mean.length;
  for (let i = 0; i < x.length; i++) {
    const j = i % d;
    x[i] = inverse ? x[i] * m.std[j] + m.mean[j] : (x[i] - m.mean[j]) / m.std[j];
  }
  return x;
}
