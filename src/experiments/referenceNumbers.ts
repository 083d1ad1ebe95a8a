/**
 * Published or reference-code numbers that an experiment's table prints beside ours. Data only:
 * each set names its source exactly, and each row says which of our estimator labels it is
 * compared with (labelOfEstimator in miBenchmark.ts) and how the reference differs where we know.
 */

export interface ReferenceRow {
  /** the estimator's name in the source. */
  name: string;
  /** our estimator label (labelOfEstimator) that runs the same loss. */
  ours: string;
  /** bias, variance, MSE per true-MI level of the set; null where the source prints nothing. */
  bias: (number | null)[];
  variance: (number | null)[];
  mse: (number | null)[];
  /** how the source's estimator differs from ours, if it does. */
  note?: string;
}

export interface ReferenceSet {
  /** where the numbers come from, precisely enough to find them again. */
  source: string;
  /** how the source computed its statistics. */
  statistics: string;
  /** the true-MI levels (nats) the columns refer to. */
  levels: number[];
  rows: ReferenceRow[];
}

/**
 * ReMINE (Choi & Lee, "Combating the Instability of Mutual Information-based Losses via
 * Regularization", UAI 2022), Table 1's 20-D staircase at batch 64, as printed by the output cell
 * of the authors' notebook comparison_with_sota.ipynb (github.com/Siyeong-Lee/Deconstructing-MINE,
 * commit 2e1070b). The notebook leaves a cell blank when the value is ≥ 100 (here null). Their
 * training code (experiments.py): concat critic 40-256-256-1 with Keras' random_normal init, all
 * n(n−1) off-diagonal pairs as marginal samples, no moving average, Adam 5e-4, 20,000 steps.
 */
const REMINE_TABLE1: ReferenceSet = {
  source: 'Choi & Lee (UAI 2022) Table 1; output of comparison_with_sota.ipynb in github.com/Siyeong-Lee/Deconstructing-MINE (commit 2e1070b)',
  statistics: "np.mean/np.var/mean squared error over each level's whole 4,000-step block of per-batch training estimates",
  levels: [2, 4, 6, 8, 10],
  rows: [
    {
      name: 'MINE',
      ours: 'mine-biased(matrix)',
      bias: [-0.15, -0.24, 0.32, 33.81, null],
      variance: [0.12, 0.27, 7.16, null, null],
      mse: [0.14, 0.33, 7.27, null, null],
    },
    {
      name: 'iMINE (C=0, λ=1)',
      ours: 'remine(matrix,lambda=1)',
      bias: [-0.15, -0.27, -0.5, -0.66, -0.58],
      variance: [0.11, 0.15, 0.35, 0.69, 1.33],
      mse: [0.14, 0.22, 0.6, 1.13, 1.67],
    },
    {
      name: 'iMINE-J (C=0, λ=1)',
      ours: 'remine-j(matrix,lambda=1)',
      bias: [-0.16, -0.29, -0.51, -0.64, -0.39],
      variance: [0.12, 0.13, 0.2, 0.31, 0.56],
      mse: [0.14, 0.21, 0.45, 0.72, 0.72],
    },
    {
      name: 'NWJ',
      ours: 'nwj(matrix)',
      bias: [-0.2, -0.36, -0.74, -1.47, -2.7],
      variance: [0.15, 0.26, 1.54, 6.85, 23.42],
      mse: [0.19, 0.39, 2.09, 9.01, 30.68],
    },
    {
      name: 'JS',
      ours: 'js(matrix)',
      bias: [-0.57, -0.72, -0.94, -1.21, -1.61],
      variance: [0.12, 0.1, 0.15, 0.22, 0.57],
      mse: [0.45, 0.62, 1.03, 1.67, 3.17],
    },
    {
      name: 'SMILE (τ=100)',
      ours: 'smile(matrix,tau=10)',
      bias: [-0.16, -0.24, 0.1, null, null],
      variance: [0.12, 0.25, 5.74, null, null],
      mse: [0.14, 0.31, 5.75, null, null],
      note: "the notebook labels it τ = 100; the repository's experiments.py clips at ±10, which we run",
    },
    {
      name: 'InfoNCE',
      ours: 'infonce(matrix)',
      bias: [-0.3, -1.0, -2.31, -4.0, -5.89],
      variance: [0.09, 0.03, 0.02, 0.01, 0.0],
      mse: [0.17, 1.03, 5.33, 16.02, 34.68],
    },
  ],
};

export const REFERENCE_SETS: Record<string, ReferenceSet> = {
  'remine-table1': REMINE_TABLE1,
};
