/**
 * The IDX format of LeCun's MNIST files (also Fashion-MNIST): a big-endian header — two zero
 * bytes, a type byte, the number of dimensions — then one 32-bit size per dimension, then the data.
 * Reads raw or gzip files (detected by the gzip magic bytes, whatever the name).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface IdxArray {
  dims: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { name: string; bytes: number }> = {
  0x08: { name: 'ubyte', bytes: 1 },
  0x09: { name: 'byte', bytes: 1 },
  0x0b: { name: 'short', bytes: 2 },
  0x0c: { name: 'int', bytes: 4 },
  0x0d: { name: 'float', bytes: 4 },
  0x0e: { name: 'double', bytes: 8 },
};

/** Parses IDX bytes; `file` names the source in errors. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new Error(`${file}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || !(bytes[2] in TYPES)) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`${file}: not an IDX file (magic bytes ${magic || 'missing'}; expected 00 00 <type 08|09|0b|0c|0d|0e> <ndims>)`);
  }
  const type = TYPES[bytes[2]];
  const ndims = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) throw new Error(`${file}: truncated header (expected ${headerBytes} bytes, got ${bytes.length})`);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * type.bytes;
  if (bytes.length < expected) throw new Error(`${file}: truncated data (expected ${expected} bytes for dims [${dims.join(', ')}], got ${bytes.length})`);
  let data: IdxArray['data'];
  switch (bytes[2]) {
    case 0x08:
      data = bytes.slice(headerBytes, expected);
      break;
    case 0x09:
      data = new Int8Array(bytes.slice(headerBytes, expected).buffer);
      break;
    default: {
      // multi-byte types are big-endian in IDX
      const out = bytes[2] === 0x0b ? new Int16Array(count) : bytes[2] === 0x0c ? new Int32Array(count) : bytes[2] === 0x0d ? new Float32Array(count) : new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const o = headerBytes + i * type.bytes;
        out[i] = bytes[2] === 0x0b ? view.getInt16(o) : bytes[2] === 0x0c ? view.getInt32(o) : bytes[2] === 0x0d ? view.getFloat32(o) : view.getFloat64(o);
      }
      data = out;
    }
  }
  return { dims, data };
}

/** Reads `<dir>/<base>` or `<dir>/<base>.gz`; a missing file names every path it looked at. */
export function readIdxFile(dir: string, base: string): IdxArray & { path: string } {
  const candidates = [join(dir, base), join(dir, `${base}.gz`)];
  const path = candidates.find((p) => existsSync(p));
  if (!path) throw new Error(`IDX file ${base} not found; looked at ${candidates.join(' and ')}`);
  return { ...parseIdx(readFileSync(path), path), path };
}
