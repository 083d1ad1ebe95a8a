/**
 * namedNumbers: a step's stacked scalars come back named by the order they were stacked in, the
 * stacked tensor is freed, and a field list that does not match the stack is an error, not a shift.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { namedNumbers } from '../../src/train/stepNumbers.js';

describe('namedNumbers', () => {
  it('names the values by the field order and frees the stacked tensor', () => {
    const before = tf.memory().numTensors;
    const stacked = tf.tidy(() => tf.stack([tf.scalar(1.5), tf.scalar(-2), tf.scalar(NaN)]));
    expect(namedNumbers(['loss', 'mi', 'clipScale'] as const, stacked)).toEqual({ loss: 1.5, mi: -2, clipScale: NaN });
    expect(tf.memory().numTensors).toBe(before);
  });
  it('refuses a field list of another length, naming both counts', () => {
    const stacked = tf.tensor1d([1, 2]);
    expect(() => namedNumbers(['a', 'b', 'c'] as const, stacked)).toThrow('step numbers: 2 values stacked for 3 fields (a, b, c)');
    expect(stacked.isDisposed).toBe(true);
  });
});
