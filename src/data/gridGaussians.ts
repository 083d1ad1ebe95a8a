/**
 * The 25-Gaussians grid (a 5x5 mixture of isotropic Gaussians, equal weights), the standard
 * mode-collapse benchmark (VEEGAN, PacGAN, MINE §5.2): centres {-4,-2,0,2,4}², std 0.05.
 */
import { requirePositiveInt, type PointSampler } from './types.js';

export interface GridMixtureOptions {
  /** modes per side (5 gives 25 modes). */
  side?: number;
  /** distance between neighbouring centres. */
  spacing?: number;
  /** standard deviation of each mode. */
  std?: number;
}

/** The mode centres, row-major [x0, y0, x1, y1, …], centred on the origin. */
export function gridCentres(side = 5, spacing = 2): Float32Array {
  const c = new Float32Array(side * side * 2);
  const off = ((side - 1) * spacing) / 2;
  let k = 0;
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) {
      c[k++] = i * spacing - off;
      c[k++] = j * spacing - off;
    }
  }
  return c;
}

export function gridGaussians(opts: GridMixtureOptions = {}): PointSampler & { centres: Float32Array; std: number } {
  const side = requirePositiveInt(opts.side ?? 5, 'data.side');
  const spacing = opts.spacing ?? 2;
  const std = opts.std ?? 0.05;
  if (!(std > 0)) throw new Error(`data.std must be positive, got ${std}`);
  if (!(spacing > 0)) throw new Error(`data.spacing must be positive, got ${spacing}`);
  const centres = gridCentres(side, spacing);
  const m = side * side;
  return {
    name: `grid-${m}-gaussians`,
    dim: 2,
    centres,
    std,
    sample: (n, rng) => {
      const out = new Float32Array(n * 2);
      for (let i = 0; i < n; i++) {
        const k = rng.int(m);
        out[2 * i] = centres[2 * k] + std * rng.normal();
        out[2 * i + 1] = centres[2 * k + 1] + std * rng.normal();
      }
      return out;
    },
  };
}
