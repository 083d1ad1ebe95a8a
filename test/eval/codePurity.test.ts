/** Code purity on hand-built samples whose answer is counted by hand. */
import { describe, expect, it } from 'vitest';
import { codePurity } from '../../src/eval/codePurity.js';

// two modes at (−1, 0) and (1, 0), std 0.1: "high quality" means within 0.3 of a centre
const centres = [-1, 0, 1, 0];

describe('code purity', () => {
  it('each code in its own mode: purity 1, two distinct top modes', () => {
    const p = codePurity([-1, 0, -1.05, 0, 1, 0, 1.1, 0], [0, 0, 1, 1], 2, centres, 0.1);
    expect(p).toEqual({ purity: 1, distinctTopModes: 2, topMode: [0, 1] });
  });
  it('counts only high-quality samples: code 0 has 3 in mode 0 and 1 in mode 1 → (3 + 2) / 6', () => {
    // code 0: three at mode 0, one at mode 1; code 1: two at mode 1; one far-off sample (5, 5) of code 1 is ignored
    const samples = [-1, 0, -1, 0.05, -0.95, 0, 1, 0, 1, 0, 1, 0.1, 5, 5];
    const p = codePurity(samples, [0, 0, 0, 0, 1, 1, 1], 2, centres, 0.1);
    expect(p.purity).toBeCloseTo(5 / 6, 12);
    expect(p.topMode).toEqual([0, 1]);
  });
  it('two codes sharing one mode: purity 1 but a single distinct top mode; a code with no good sample has top mode −1', () => {
    const p = codePurity([-1, 0, -1, 0, 9, 9], [0, 1, 2], 3, centres, 0.1);
    expect(p.purity).toBe(1);
    expect(p.distinctTopModes).toBe(1);
    expect(p.topMode).toEqual([0, 0, -1]);
  });
  it('no high-quality sample at all gives NaN; a label outside the codes is an error naming it', () => {
    expect(codePurity([9, 9], [0], 1, centres, 0.1).purity).toBeNaN();
    expect(() => codePurity([-1, 0], [3], 2, centres, 0.1)).toThrow(/label 3 of sample 0 is outside 0…1/);
  });
});
