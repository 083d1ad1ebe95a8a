/**
 * The IDX format of LeCun's MNIST files (also Fashion-MNIST): a big-endian header — two zero
 * bytes, a dtype byte, the number of dimensions — then one uint32 size per dimension, then the
 * data, row-major and big-endian. Files may be raw or gzipped; gzip is recognised by its magic
 * bytes 1f 8b, not by the name, so a misnamed file still reads.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Element types of IDX, by the dtype byte of the magic number. */
export type IdxDtype = 'ubyte' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** One IDX tensor: `data` holds prod(dims) elements, row-major. */
export interface IdxArray {
  dtype: IdxDtype;
  dims: number[];
  data: IdxData;
}

interface DtypeInfo {
  dtype: IdxDtype;
  bytes: number;
  /** Decodes `count` big-endian elements starting at `offset`. */
  read(view: DataView, offset: number, count: number): IdxData;
}

function bigEndian<T extends Int16Array | Int32Array | Float32Array | Float64Array>(
  make: (n: number) => T,
  bytes: number,
  get: (v: DataView, o: number) => number,
): (view: DataView, offset: number, count: number) => T {
  return (view, offset, count) => {
    const out = make(count);
    for (let i = 0; i < count; i++) out[i] = get(view, offset + i * bytes);
    return out;
  };
}

// Copies (not views) so the result never aliases a Buffer pool or the whole decompressed file.
const DTYPES: Record<number, DtypeInfo> = {
  0x08: { dtype: 'ubyte', bytes: 1, read: (v, o, n) => new Uint8Array(v.buffer.slice(v.byteOffset + o, v.byteOffset + o + n)) },
  0x09: { dtype: 'i8', bytes: 1, read: (v, o, n) => new Int8Array(v.buffer.slice(v.byteOffset + o, v.byteOffset + o + n)) },
  0x0b: {
    dtype: 'i16',
    bytes: 2,
    read: bigEndian(
      (n) => new Int16Array(n),
      2,
      (v, o) => v.getInt16(o, false),
    ),
  },
  0x0c: {
    dtype: 'i32',
    bytes: 4,
    read: bigEndian(
      (n) => new Int32Array(n),
      4,
      (v, o) => v.getInt32(o, false),
    ),
  },
  0x0d: {
    dtype: 'f32',
    bytes: 4,
    read: bigEndian(
      (n) => new Float32Array(n),
      4,
      (v, o) => v.getFloat32(o, false),
    ),
  },
  0x0e: {
    dtype: 'f64',
    bytes: 8,
    read: bigEndian(
      (n) => new Float64Array(n),
      8,
      (v, o) => v.getFloat64(o, false),
    ),
  },
};

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

/** True when `bytes` starts with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses the bytes of an IDX file (raw or gzip). `file` names the source in every error.
 * The size must match the header exactly: short data is truncation, extra data a wrong or
 * corrupt file, and both would otherwise give garbage silently.
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new Error(`${file}: corrupt or truncated gzip data (${(e as Error).message})`);
    }
  }
  const info = bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 ? DTYPES[bytes[2]] : undefined;
  if (!info) {
    throw new Error(
      `${file}: bad magic number ${bytes.length ? hex(bytes.subarray(0, 4)) : '(empty file)'}; ` +
        `expected 00 00 <dtype 08|09|0b|0c|0d|0e> <ndims> — not an IDX file`,
    );
  }
  const ndims = bytes[3];
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new Error(`${file}: truncated header (expected ${headerBytes} bytes for ${ndims} dims, got ${bytes.length})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * info.bytes;
  if (bytes.length < expected) {
    throw new Error(`${file}: truncated data (expected ${expected} bytes for ${info.dtype} dims [${dims.join(', ')}], got ${bytes.length})`);
  }
  if (bytes.length > expected) {
    throw new Error(
      `${file}: ${bytes.length - expected} trailing bytes (expected ${expected} bytes for ${info.dtype} dims [${dims.join(', ')}], got ${bytes.length})`,
    );
  }
  return { dtype: info.dtype, dims, data: info.read(view, headerBytes, count) };
}

/** The paths tried for `base` in `dir`: the raw file, then the gzipped one (`.gz` on `base` is ignored). */
export function idxCandidates(dir: string, base: string): string[] {
  const stem = base.endsWith('.gz') ? base.slice(0, -3) : base;
  return [join(dir, stem), join(dir, `${stem}.gz`)];
}

/** The first existing regular file among `idxCandidates(dir, base)`, or null. */
export function findIdxFile(dir: string, base: string): string | null {
  for (const p of idxCandidates(dir, base)) {
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // absent: try the next name
    }
  }
  return null;
}

/**
 * Reads `<dir>/<base>` or `<dir>/<base>.gz`, whichever exists (raw first). A missing file is an
 * error naming every path looked at.
 */
export function readIdxFile(dir: string, base: string): IdxArray & { path: string } {
  const path = findIdxFile(dir, base);
  if (!path) throw new Error(`IDX file ${base} not found; looked at ${idxCandidates(dir, base).join(' and ')}`);
  return { ...parseIdx(readFileSync(path), path), path };
}
