import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { NonFiniteError, runLoop, StopRequested } from '../../src/train/loop.js';

describe('runLoop', () => {
  it('logs every logEvery steps, the first and the last', () => {
    const logged: number[] = [];
    runLoop({ steps: 25, logEvery: 10, step: () => ({ loss: 1 }), onLog: (i) => logged.push(i) });
    expect(logged).toEqual([0, 9, 19, 24]);
  });
  it('stops with a message naming the field and step when a number is NaN, after logging what came before', () => {
    const logged: number[] = [];
    expect(() => runLoop({ steps: 10, logEvery: 1, step: (i) => ({ loss: i === 4 ? NaN : 1 }), onLog: (i) => logged.push(i) })).toThrow(
      new NonFiniteError(4, 'loss', NaN).message,
    );
    expect(logged).toEqual([0, 1, 2, 3]);
  });
  it('allows named fields to be non-finite (e.g. an undefined micro average)', () => {
    expect(runLoop({ steps: 3, logEvery: 1, step: () => ({ loss: 1, micro: NaN }), allowNonFinite: ['micro'] }).steps).toBe(3);
  });
  it('stops on request with StopRequested', () => {
    expect(() => runLoop({ steps: 10, logEvery: 1, step: () => ({}), shouldStop: () => true })).toThrow(StopRequested);
  });
  it('detects a leaking step', () => {
    const kept: tf.Tensor[] = [];
    expect(() => runLoop({ steps: 100, logEvery: 100, step: () => (kept.push(tf.scalar(1)), {}), leakTolerance: 10 })).toThrow(/tensor leak/);
    kept.forEach((t) => t.dispose());
  });
});
