/** Test fixtures shared by the IDX and MNIST tests (not a test file: vitest collects *.test.ts only). */

/** An IDX file: header for `type` and `dims`, then `payload` bytes as given (already big-endian). */
export function idxBytes(type: number, dims: number[], payload: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload.length);
  const v = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  out.set(payload, 4 + 4 * dims.length);
  return out;
}
