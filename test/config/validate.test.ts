/**
 * Load-time checks of src/config/validate.ts: numbers JSON can spell but a double cannot hold are
 * named as written; sizes beyond what a run can allocate are refused naming the field.
 */
import { describe, expect, it } from 'vitest';
import { checkFitsMemory, memoryBudget, notAbove, parseConfigJson, stepsWithin } from '../../src/config/validate.js';

describe('parseConfigJson', () => {
  it('parses ordinary JSON as JSON.parse does', () => {
    expect(parseConfigJson('{"a": [1, -2.5e3, "1e999"], "b": {"c": null}}', 'x.json')).toEqual({ a: [1, -2500, '1e999'], b: { c: null } });
  });
  it('names the path and the literal of a number that overflows a double (1e999 → Infinity)', () => {
    expect(() => parseConfigJson('{"name": "1e999 in a string", "data": {"levels": [1, -1e999]}}', 'x.json')).toThrow(
      'data.levels[1]: got -1e999 (not a finite number) in x.json',
    );
  });
  it('leaves syntax errors to the caller (a SyntaxError)', () => {
    expect(() => parseConfigJson('{"a": ', 'x.json')).toThrow(SyntaxError);
  });
});

describe('resource and consistency checks', () => {
  it('the budget is at most the 4 GiB a wasm heap addresses', () => {
    expect(memoryBudget()).toBeLessThanOrEqual(2 ** 32);
    expect(memoryBudget()).toBeGreaterThan(0);
  });
  it('a size beyond the budget names the field and the size', () => {
    expect(() => checkFitsMemory('steps', 1e15, 1.6e16, 'the per-step estimates')).toThrow(
      /^steps: 1000000000000000 needs about 14901161\.2 GiB for the per-step estimates, more than a run can allocate here/,
    );
    expect(() => checkFitsMemory('steps', 1000, 16_000, 'the per-step estimates')).not.toThrow();
  });
  it('a threshold above its count, and steps beyond the run, are named', () => {
    expect(() => notAbove(1e9, 'evaluation.minCount', 2500, 'evaluation.samples')).toThrow('evaluation.minCount: 1000000000 exceeds evaluation.samples = 2500');
    expect(notAbove(20, 'evaluation.minCount', 2500, 'evaluation.samples')).toBe(20);
    expect(() => stepsWithin([100, 99999], 3000, 'evaluation.snapshots')).toThrow("evaluation.snapshots: step 99999 is beyond the run's 3000 steps");
    expect(stepsWithin([100, 3000], 3000, 'evaluation.snapshots')).toEqual([100, 3000]);
  });
});
