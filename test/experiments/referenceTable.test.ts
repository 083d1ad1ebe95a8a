/**
 * The reference-numbers section of an mi-benchmark table: each reference estimator we ran, per
 * level, our bias/variance/MSE beside the source's; a blank source cell (≥ 100) and a diverged cell
 * of ours are said as such; estimators we did not run are left out.
 */
import { describe, expect, it } from 'vitest';
import { REFERENCE_SETS } from '../../src/experiments/referenceNumbers.js';
import { referenceComparisonMarkdown } from '../../src/experiments/referenceTable.js';

describe('referenceComparisonMarkdown (remine-table1)', () => {
  const set = REFERENCE_SETS['remine-table1'];
  it('has five levels and three statistics per row, each a number or null (blank in the notebook)', () => {
    expect(set.levels).toEqual([2, 4, 6, 8, 10]);
    for (const r of set.rows) for (const k of ['bias', 'variance', 'mse'] as const) expect(r[k]).toHaveLength(5);
  });
  it('prints ours beside theirs for the estimators we ran, "≥ 100" for a blank source cell, "diverged" for ours', () => {
    const rows = [
      { estimator: 'remine-j(matrix,lambda=1)', trueMI: 10, bias: -0.5, variance: 0.25, mse: 0.5 },
      { estimator: 'mine-biased(matrix)', trueMI: 10, diverged: { step: 17000 } },
    ];
    const md = referenceComparisonMarkdown('remine-table1', set, rows);
    expect(md).toContain('| remine-j(matrix,lambda=1) | iMINE-J (C=0, λ=1) | 10 | -0.50 | -0.39 | 0.25 | 0.56 | 0.50 | 0.72 |');
    expect(md).toContain('| mine-biased(matrix) | MINE | 10 | diverged | ≥ 100 | – | ≥ 100 | – | ≥ 100 |');
    expect(md).not.toContain('| nwj(matrix) |');
  });
});
