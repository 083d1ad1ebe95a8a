/**
 * The 2-D swiss roll (as in scikit-learn's make_swiss_roll, projected on its (x, z) plane):
 * t ~ U(1.5π, 4.5π), point = (t cos t, t sin t)/scale + N(0, noise²). The default scale 7.5 puts
 * the roll in roughly [-2, 2]² (the usual GAN-benchmark normalisation).
 */
import { requirePositiveInt, type PointSampler } from './types.js';

export function swissRoll(opts: { noise?: number; scale?: number } = {}): PointSampler {
  const noise = opts.noise ?? 0.05;
  const scale = opts.scale ?? 7.5;
  if (!(noise >= 0)) throw new Error(`data.noise must be non-negative, got ${noise}`);
  if (!(scale > 0)) throw new Error(`data.scale must be positive, got ${scale}`);
  return {
    name: 'swiss-roll',
    dim: 2,
    sample: (n, rng) => {
      requirePositiveInt(n, 'batch size');
      const out = new Float32Array(n * 2);
      for (let i = 0; i < n; i++) {
        const t = 1.5 * Math.PI * (1 + 2 * rng.uniform());
        out[2 * i] = (t * Math.cos(t)) / scale + noise * rng.normal();
        out[2 * i + 1] = (t * Math.sin(t)) / scale + noise * rng.normal();
      }
      return out;
    },
  };
}
