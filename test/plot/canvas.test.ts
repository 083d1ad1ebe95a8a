import { describe, expect, it } from 'vitest';
import { clipSegment, finiteRange, formatNumber, logTicks, makeScale, niceTicks, paletteColor, PALETTE, scaleTicks } from '../../src/plot/canvas.js';

describe('plot primitives', () => {
  it('niceTicks uses 1-2-5 steps without floating-point noise', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 20000, 4)).toEqual([0, 5000, 10000, 15000, 20000]);
    expect(niceTicks(-0.3, 0.3, 6)).toEqual([-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3]);
    for (const [lo, hi] of [
      [0.013, 0.97],
      [-7, 123],
      [1e-6, 3e-6],
      [5, 5],
    ] as const) {
      const t = niceTicks(lo, hi, 6);
      expect(t.length).toBeGreaterThanOrEqual(2);
      const step = t[1] - t[0];
      const mantissa = step / 10 ** Math.floor(Math.log10(step));
      expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6)).toBe(true);
    }
    expect(niceTicks(NaN, 1)).toEqual([]);
    expect(niceTicks(0, Infinity)).toEqual([]);
  });

  it('logTicks gives decades, with 2 and 5 between them over a short range', () => {
    expect(logTicks(1e-3, 1e3, 6)).toEqual([0.001, 0.01, 0.1, 1, 10, 100, 1000]);
    expect(logTicks(0.1, 10, 6)).toEqual([0.1, 0.2, 0.5, 1, 2, 5, 10]);
    expect(logTicks(-1, 10)).toEqual([]);
  });

  it('formatNumber keeps labels short and an axis consistent', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(1234.5678)).toBe('1235');
    expect(formatNumber(0.5, 0.5)).toBe('0.5');
    expect(formatNumber(1, 0.5)).toBe('1.0');
    expect(formatNumber(-2, 1)).toBe('\u22122');
    expect(formatNumber(2.5e-4)).toBe('2.5e\u22124');
    expect(formatNumber(-5e11, 5e11)).toBe('\u22125e11');
    expect(formatNumber(120000, 20000)).toBe('1.2e5');
    expect(formatNumber(NaN)).toBe('NaN');
    expect(formatNumber(-Infinity)).toBe('\u2212∞');
  });

  it('finiteRange skips NaN and infinities', () => {
    expect(
      finiteRange(
        [
          [1, NaN, 3, Infinity],
          [-Infinity, 2],
        ],
        0,
      ),
    ).toEqual([1, 3]);
    expect(finiteRange([[0, 10]], 0.1)).toEqual([-1, 11]);
    expect(finiteRange([[NaN], []])).toEqual([0, 1]);
    expect(finiteRange([[-1, 0, 10, 1000]], 0, true)).toEqual([10, 1000]);
  });

  it('scales map linearly or logarithmically, NaN for what cannot be placed', () => {
    const y = makeScale([0, 2], [400, 0]);
    expect(y.map(1)).toBe(200);
    expect(y.map(NaN)).toBeNaN();
    const l = makeScale([1, 100], [0, 200], true);
    expect(l.map(10)).toBeCloseTo(100, 9);
    expect(l.map(0)).toBeNaN();
    expect(scaleTicks(l, 6).map((t) => t.label)).toEqual(['1', '2', '5', '10', '20', '50', '100']);
    // a degenerate domain is widened, not divided by zero
    expect(Number.isFinite(makeScale([3, 3], [0, 100]).map(3))).toBe(true);
  });

  it('clipSegment keeps the part inside the rectangle', () => {
    const r = { left: 0, top: 0, right: 10, bottom: 10 };
    expect(clipSegment(-5, 5, 15, 5, r)).toEqual([0, 5, 10, 5]);
    expect(clipSegment(20, 20, 30, 30, r)).toBeNull();
    const s = clipSegment(5, 5, 5, 1e12, r)!;
    expect(s).toEqual([5, 5, 5, 10]);
  });

  it('palette wraps and tolerates odd indices', () => {
    expect(paletteColor(PALETTE.length)).toBe(PALETTE[0]);
    expect(paletteColor(NaN)).toBe(PALETTE[0]);
    expect(paletteColor(-1)).toBe(PALETTE[1]);
    expect(PALETTE).not.toContain('#000000'); // black is for reference lines
  });
});
