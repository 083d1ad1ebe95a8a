/**
 * Mode coverage for grid mixtures (the VEEGAN / PacGAN protocol): a generated sample is
 * "high quality" when it lies within 3σ of some mode centre; a mode is captured when at least
 * `minCount` high-quality samples are assigned to it; KL(mode histogram ‖ uniform) measures how
 * evenly the captured samples spread over the modes.
 */

export interface ModeCoverage {
  /** number of modes with at least minCount high-quality samples. */
  modes: number;
  /** number of modes with at least one high-quality sample (PacGAN's code counts modes this way). */
  modesAnySample: number;
  totalModes: number;
  /** % of samples within 3σ of a centre. */
  highQualityPercent: number;
  /** KL(p ‖ uniform) in nats, p = high-quality samples' distribution over modes (0 when perfectly even). */
  klToUniform: number;
  counts: number[];
}

export function modeCoverage(
  samples: ArrayLike<number>,
  centres: ArrayLike<number>,
  std: number,
  opts: { minCount?: number; radiusStd?: number } = {},
): ModeCoverage {
  const minCount = opts.minCount ?? 20;
  const radius = (opts.radiusStd ?? 3) * std;
  if (!(std > 0)) throw new Error(`modeCoverage: std must be positive, got ${std}`);
  if (samples.length % 2 !== 0 || centres.length % 2 !== 0) throw new Error('modeCoverage: samples and centres must be 2-D (even lengths)');
  const k = centres.length / 2,
    n = samples.length / 2;
  if (n === 0) throw new Error('modeCoverage: no samples');
  const counts = new Array<number>(k).fill(0);
  let hq = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[2 * i],
      y = samples[2 * i + 1];
    let best = -1,
      bd = Infinity;
    for (let j = 0; j < k; j++) {
      const d = Math.hypot(x - centres[2 * j], y - centres[2 * j + 1]);
      if (d < bd) {
        bd = d;
        best = j;
      }
    }
    if (bd <= radius) {
      hq++;
      counts[best]++;
    }
  }
  let kl = hq > 0 ? 0 : NaN;
  if (hq > 0) for (const c of counts) if (c > 0) kl += (c / hq) * Math.log((c / hq) * k);
  return {
    modes: counts.filter((c) => c >= minCount).length,
    modesAnySample: counts.filter((c) => c >= 1).length,
    totalModes: k,
    highQualityPercent: (100 * hq) / n,
    klToUniform: kl,
    counts,
  };
}

/**
 * Swiss-roll coverage: the share of real points that have a generated point within `radius`
 * (a mode-dropping measure for a continuous manifold).
 */
export function pointCoverage(real: ArrayLike<number>, generated: ArrayLike<number>, radius: number): number {
  const n = real.length / 2,
    m = generated.length / 2;
  let covered = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      if (Math.hypot(real[2 * i] - generated[2 * j], real[2 * i + 1] - generated[2 * j + 1]) <= radius) {
        covered++;
        break;
      }
    }
  }
  return covered / n;
}
