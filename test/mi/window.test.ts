import { describe, expect, it } from 'vitest';
import { microAverage, WindowedEstimate } from '../../src/mi/window.js';
import { Rng } from '../../src/util/rng.js';

describe('windowed estimates (ReMINE §4.3)', () => {
  it('the micro average of equal-size batches equals DV on all their samples pooled (float64)', () => {
    const r = new Rng(1);
    const batches = Array.from({ length: 5 }, () => ({ j: Array.from({ length: 10 }, () => r.normal() + 1), m: Array.from({ length: 10 }, () => r.normal()) }));
    const lme = (a: number[]) => Math.log(a.reduce((s, v) => s + Math.exp(v), 0) / a.length);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const nums = batches.map((b) => ({ estimate: mean(b.j) - lme(b.m), jointTerm: mean(b.j), logMeanExpMarginal: lme(b.m) }));
    const pooled = mean(batches.flatMap((b) => b.j)) - lme(batches.flatMap((b) => b.m));
    expect(microAverage(nums, 'dv')).toBeCloseTo(pooled, 12);
    // and it differs from the macro average (Jensen): the pooled log-mean-exp is not the mean of the logs
    expect(Math.abs(pooled - mean(nums.map((n) => n.estimate)))).toBeGreaterThan(1e-4);
  });

  it('keeps only the last K batches', () => {
    const w = new WindowedEstimate(3, 'linear');
    for (const e of [10, 1, 2, 3]) w.push({ estimate: e, jointTerm: 0, logMeanExpMarginal: 0 });
    expect(w.values()).toEqual({ batch: 3, macro: 2, micro: 2 });
  });

  it('reports no micro average where pooling is invalid (InfoNCE, SMILE)', () => {
    const w = new WindowedEstimate(2, 'none');
    expect(w.push({ estimate: 1, jointTerm: 1, logMeanExpMarginal: 0 }).micro).toBeNull();
  });
});
