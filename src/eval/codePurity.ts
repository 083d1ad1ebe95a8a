/**
 * Does each code own a mode? For samples of a conditional generator on a grid mixture, each
 * high-quality sample (within `radiusStd`·σ of a centre, the VEEGAN/PacGAN criterion of
 * modeCoverage) is assigned to its nearest mode; code c's "top mode" is the mode most of its
 * samples fall in. Purity = Σ_c n(c, top(c)) / Σ_c n(c, ·) over high-quality samples: 1 when every
 * code puts all its good samples in one mode, 1/modes-used when it spreads them evenly.
 */

export interface CodePurity {
  /** pooled share of high-quality samples that lie in their code's top mode (NaN with none). */
  purity: number;
  /** number of distinct modes that are some code's top mode (= #codes when codes own distinct modes). */
  distinctTopModes: number;
  /** each code's top mode (−1 for a code with no high-quality sample). */
  topMode: number[];
}

export function codePurity(
  samples: ArrayLike<number>,
  labels: ArrayLike<number>,
  codes: number,
  centres: ArrayLike<number>,
  std: number,
  radiusStd = 3,
): CodePurity {
  if (!(std > 0)) throw new Error(`codePurity: std must be positive, got ${std}`);
  if (samples.length !== 2 * labels.length) throw new Error(`codePurity: ${samples.length / 2} samples but ${labels.length} labels`);
  if (!Number.isInteger(codes) || codes < 1) throw new Error(`codePurity: codes must be a positive integer, got ${codes}`);
  const k = centres.length / 2,
    radius = radiusStd * std;
  const counts = Array.from({ length: codes }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!(c >= 0 && c < codes)) throw new Error(`codePurity: label ${c} of sample ${i} is outside 0…${codes - 1}`);
    let best = -1,
      bd = Infinity;
    for (let j = 0; j < k; j++) {
      const d = Math.hypot(samples[2 * i] - centres[2 * j], samples[2 * i + 1] - centres[2 * j + 1]);
      if (d < bd) [bd, best] = [d, j];
    }
    if (bd <= radius) counts[c][best]++;
  }
  let inTop = 0,
    total = 0;
  const topMode = counts.map((row) => {
    const sum = row.reduce((a, b) => a + b, 0);
    if (sum === 0) return -1;
    let top = 0;
    for (let j = 1; j < k; j++) if (row[j] > row[top]) top = j;
    inTop += row[top];
    total += sum;
    return top;
  });
  return { purity: total > 0 ? inTop / total : NaN, distinctTopModes: new Set(topMode.filter((t) => t >= 0)).size, topMode };
}
