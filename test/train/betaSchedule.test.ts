/**
 * β schedules (src/train/betaSchedule.ts): the value at a step, by hand from the formulas in the
 * module's comment, and config errors that name the field.
 */
import { describe, expect, it } from 'vitest';
import { betaAt, parseBetaSchedule } from '../../src/train/betaSchedule.js';

describe('betaAt', () => {
  it('linear from β = 1 to 0 over steps 100–300: 1 before, 0.5 halfway, 0 at and after the end', () => {
    const s = parseBetaSchedule({ kind: 'linear', to: 0, start: 100, end: 300 }, 'mi.betaSchedule', 1000);
    expect([0, 100, 200, 250, 300, 999].map((i) => betaAt(s, 1, i))).toEqual([1, 1, 0.5, 0.25, 0, 0]);
  });

  it('cosine from β = 2 to 0 over steps 0–100: (1 + cos πf) at f = 0, 1/4, 1/2, 1', () => {
    const s = parseBetaSchedule({ kind: 'cosine', to: 0, end: 100 }, 'mi.betaSchedule', 1000);
    const want = [0, 25, 50, 100].map((i) => 1 + Math.cos((Math.PI * i) / 100));
    [0, 25, 50, 100].forEach((i, k) => expect(betaAt(s, 2, i)).toBeCloseTo(want[k], 12));
  });

  it("step switches from β to `to` at `start`; end defaults to the run's last step", () => {
    const s = parseBetaSchedule({ kind: 'step', to: 0.1, start: 50 }, 'mi.betaSchedule', 1000);
    expect([49, 50, 51].map((i) => betaAt(s, 1, i))).toEqual([1, 0.1, 0.1]);
    expect(parseBetaSchedule({ kind: 'linear', to: 0 }, 'p', 1000).end).toBe(1000);
  });

  it('config errors name the field and what was expected', () => {
    expect(() => parseBetaSchedule({ kind: 'exp', to: 0 }, 'mi.betaSchedule', 10)).toThrow(/mi\.betaSchedule\.kind/);
    expect(() => parseBetaSchedule({ kind: 'linear', to: -1 }, 'mi.betaSchedule', 10)).toThrow(/mi\.betaSchedule\.to must be ≥ 0, got -1/);
    expect(() => parseBetaSchedule({ kind: 'linear', to: 0, start: 5, end: 5 }, 'mi.betaSchedule', 10)).toThrow(
      /mi\.betaSchedule\.end must be > mi\.betaSchedule\.start = 5, got 5/,
    );
    expect(() => parseBetaSchedule({ kind: 'step', to: 0, end: 5 }, 'mi.betaSchedule', 10)).toThrow(
      /mi\.betaSchedule\.end: a "step" schedule switches at mi\.betaSchedule\.start/,
    );
    expect(() => parseBetaSchedule({ kind: 'linear', to: 0, from: 1 }, 'mi.betaSchedule', 10)).toThrow(/mi\.betaSchedule\.from: unknown key/);
  });
});
