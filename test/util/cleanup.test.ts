/** withCleanup (src/util/cleanup.ts): the body's error is the one reported, whatever the cleanup does. */
import { describe, expect, it } from 'vitest';
import { withCleanup } from '../../src/util/cleanup.js';

describe('withCleanup', () => {
  it("a cleanup that fails after the body failed does not mask the body's error (and still ran)", async () => {
    let cleaned = false;
    const run = withCleanup(
      async () => {
        throw new Error('Failed to allocate 20 GiB for the critic');
      },
      () => {
        cleaned = true;
        throw new Error('memory access out of bounds');
      },
    );
    await expect(run).rejects.toThrow('Failed to allocate 20 GiB for the critic');
    expect(cleaned).toBe(true);
  });
  it('after a body that succeeded, a failing cleanup is an error', async () => {
    await expect(
      withCleanup(
        async () => 1,
        () => {
          throw new Error('leak');
        },
      ),
    ).rejects.toThrow('leak');
  });
  it("returns the body's value and cleans up once", async () => {
    let n = 0;
    expect(
      await withCleanup(
        async () => 42,
        () => void n++,
      ),
    ).toBe(42);
    expect(n).toBe(1);
  });
});
