import { describe, expect, it } from 'vitest';
import { estimateRange } from '../../src/experiments/miFigures.js';

describe('estimate chart range', () => {
  it('clips a diverging estimator to 3× the largest true MI and says so', () => {
    const r = estimateRange([1, 2, 1500], [2, 2]);
    expect(r.clipped).toBe(true);
    expect(r.range[1]).toBeLessThan(6.5);
  });
  it('keeps every value when they are near the truth', () => {
    const r = estimateRange([0.5, 1.9, 2.4], [2]);
    expect(r.clipped).toBe(false);
    expect(r.range[0]).toBeLessThan(0);
    expect(r.range[1]).toBeGreaterThan(2.4);
  });
});
