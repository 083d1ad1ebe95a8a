/**
 * Bias, variance and MSE of a sequence of MI estimates against the truth (ReMINE Table 1;
 * Song & Ermon 2020 Fig. 2): bias = mean − I, variance = mean of squared deviations, MSE = bias² + variance.
 */
export interface EstimateStats {
  n: number;
  mean: number;
  bias: number;
  variance: number;
  mse: number;
}

export function estimateStats(estimates: ArrayLike<number>, trueMI: number): EstimateStats {
  const n = estimates.length;
  if (n === 0) throw new Error('estimateStats: no estimates');
  let s = 0;
  for (let i = 0; i < n; i++) s += estimates[i];
  const mean = s / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (estimates[i] - mean) ** 2;
  const variance = v / n;
  const bias = mean - trueMI;
  return { n, mean, bias, variance, mse: bias * bias + variance };
}

/** Mean and (population) standard deviation, for summaries over seeds. */
export function meanStd(values: number[]): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return { mean, std };
}
