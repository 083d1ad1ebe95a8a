import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DivergenceError, LimitExceededError, NonFiniteError, runLoop, StopRequested, YIELD_MS } from '../../src/train/loop.js';

describe('runLoop', () => {
  it('logs every logEvery steps, the first and the last', async () => {
    const logged: number[] = [];
    await runLoop({ steps: 25, logEvery: 10, step: () => ({ loss: 1 }), onLog: (i) => logged.push(i) });
    expect(logged).toEqual([0, 9, 19, 24]);
  });
  it('until() ends the loop normally after the step that reached the goal, logging that step and reporting the steps run', async () => {
    const logged: number[] = [];
    let reached = false;
    const r = await runLoop({
      steps: 100,
      logEvery: 10,
      step: (i) => {
        reached = i === 14;
        return { loss: 1 };
      },
      until: () => reached,
      onLog: (i) => logged.push(i),
    });
    expect(r.steps).toBe(15);
    expect(logged).toEqual([0, 9, 14]);
  });
  it('stops with a message naming the field and step when a number is NaN, after logging what came before', async () => {
    const logged: number[] = [];
    await expect(runLoop({ steps: 10, logEvery: 1, step: (i) => ({ loss: i === 4 ? NaN : 1 }), onLog: (i) => logged.push(i) })).rejects.toThrow(
      new NonFiniteError(4, 'loss', NaN).message,
    );
    expect(logged).toEqual([0, 1, 2, 3]);
  });
  it('allows named fields to be non-finite (e.g. an undefined micro average)', async () => {
    expect((await runLoop({ steps: 3, logEvery: 1, step: () => ({ loss: 1, micro: NaN }), allowNonFinite: ['micro'] })).steps).toBe(3);
  });
  it('a guarded field beyond the divergence limit stops the loop as diverged, naming field, step and value', async () => {
    // the DV bound of a critic that ran off: -1.1e17 at step 3, limit ±1e4
    const run = runLoop({
      steps: 10,
      logEvery: 1,
      step: (i) => ({ estimate: i === 3 ? -1.1e17 : 0.5, loss: 1 }),
      divergence: { fields: ['estimate'], limit: 1e4 },
    });
    const e = await run.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LimitExceededError);
    expect(e).toBeInstanceOf(DivergenceError);
    expect(e).toMatchObject({ step: 3, field: 'estimate', value: -1.1e17, limit: 1e4 });
    expect((e as Error).message).toMatch(/"estimate" reached -1\.100e\+17 at step 3, beyond the divergence limit ±10000/);
  });
  it('a value at the limit is not a divergence, and unguarded fields may exceed it', async () => {
    expect(
      (await runLoop({ steps: 2, logEvery: 1, step: () => ({ estimate: -1e4, loss: 1e9 }), divergence: { fields: ['estimate'], limit: 1e4 } })).steps,
    ).toBe(2);
  });
  it('a NaN is a divergence too (NonFiniteError is a DivergenceError)', async () => {
    await expect(runLoop({ steps: 3, logEvery: 1, step: () => ({ loss: NaN }) })).rejects.toBeInstanceOf(DivergenceError);
  });
  it('stops on request with StopRequested', async () => {
    await expect(runLoop({ steps: 10, logEvery: 1, step: () => ({}), shouldStop: () => true })).rejects.toThrow(StopRequested);
  });
  it('yields to the event loop while it runs, so a timer (or a signal handler) set before it can ask it to stop', async () => {
    let stop = false;
    setTimeout(() => (stop = true), 20);
    const busy = () => {
      const t = performance.now();
      while (performance.now() - t < 5);
      return {};
    };
    // each step busy-waits 5 ms: 10 000 steps would take 50 s without a yield
    const e = await runLoop({ steps: 10_000, logEvery: 1000, step: busy, shouldStop: () => stop }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StopRequested);
    // the timer is due at 20 ms; a yield (setImmediate) may resume the loop before the event loop
    // reaches its timers phase, so the stop is seen at the first or the second yield after 20 ms:
    // within 2·YIELD_MS (+ one step). CI once saw step 19 = the second yield, at (20 + 50)/5 + 5 → 19.
    expect((e as StopRequested).step).toBeLessThan((20 + 2 * YIELD_MS) / 5 + 5);
  });
  it('detects a leaking step', async () => {
    const kept: tf.Tensor[] = [];
    await expect(runLoop({ steps: 100, logEvery: 100, step: () => (kept.push(tf.scalar(1)), {}), leakTolerance: 10 })).rejects.toThrow(/tensor leak/);
    kept.forEach((t) => t.dispose());
  });
});
