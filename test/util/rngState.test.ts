/** Rng.getState/setState (checkpoints): a restored generator continues the same stream. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng.js';

describe('Rng state', () => {
  it('restoring a saved state continues with exactly the draws the original makes (spare normal included)', () => {
    const a = new Rng(5);
    a.normal(); // leaves a spare normal in the state
    const saved = JSON.parse(JSON.stringify(a.getState()));
    const expected = [a.normal(), a.uniform(), a.nextUint32(), ...a.permutation(6)];
    const b = new Rng(999);
    b.setState(saved);
    expect([b.normal(), b.uniform(), b.nextUint32(), ...b.permutation(6)]).toEqual(expected);
  });
  it('a malformed state is an error naming the field', () => {
    expect(() => new Rng(0).setState({ a: 1, b: 2, c: 0.5, d: 3, spareNormal: null })).toThrow(/Rng state\.c must be a 32-bit integer, got 0\.5/);
  });
});
