/**
 * Runs `body`, then `cleanup` (disposing tensors, closing progress). When `body` failed, its error
 * is the one reported: a cleanup that fails after it (dispose() on a wasm heap an out-of-memory left
 * broken throws "memory access out of bounds") must not mask the real cause. When `body`
 * succeeded, a failing cleanup is an error like any other.
 */
export async function withCleanup<T>(body: () => Promise<T>, cleanup: () => void): Promise<T> {
  let result: T;
  try {
    result = await body();
  } catch (e) {
    try {
      cleanup();
    } catch {
      /* the body's error is the one to report */
    }
    throw e;
  }
  cleanup();
  return result;
}
