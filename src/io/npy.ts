/**
 * NumPy's `.npy` format (format versions 1.0, 2.0 and 3.0): a magic string, a little header (a
 * Python dict literal with `descr`, `fortran_order` and `shape`), then the raw array in C order.
 * See numpy/lib/format.py ("NPY format", NEP 1).
 *
 * Reading: little-endian (or byte-order-free) float32/float64, signed and unsigned 8–64-bit
 * integers and booleans, 1-D or 2-D, C order. Float32 stays a Float32Array; float64 and every
 * integer type become a Float64Array (int64 beyond 2^53 loses precision, as in numpy's own
 * float conversion). Anything else — Fortran order, big-endian, complex, strings, objects,
 * 0-D or 3-D arrays — is an error that names the file and what was found.
 *
 * Writing: float32 or float64, 1-D or 2-D, C order, format 1.0, atomically (temporary name + rename).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../config/validate.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export interface NpyArray {
  /** the values in C (row-major) order: row i of a 2-D array is data[i·shape[1] … (i+1)·shape[1]). */
  data: Float32Array | Float64Array;
  /** [n] or [n, d]. */
  shape: number[];
  /** the file's dtype descriptor, e.g. "<f8", "<i4", "|u1". */
  dtype: string;
}

type Reader = (view: DataView, offset: number) => number;

/** Supported dtypes (without the byte-order character): element size and how to read one. */
const DTYPES: Record<string, { size: number; read: Reader; float32?: true }> = {
  f4: { size: 4, read: (v, o) => v.getFloat32(o, true), float32: true },
  f8: { size: 8, read: (v, o) => v.getFloat64(o, true) },
  i1: { size: 1, read: (v, o) => v.getInt8(o) },
  i2: { size: 2, read: (v, o) => v.getInt16(o, true) },
  i4: { size: 4, read: (v, o) => v.getInt32(o, true) },
  i8: { size: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
  u1: { size: 1, read: (v, o) => v.getUint8(o) },
  u2: { size: 2, read: (v, o) => v.getUint16(o, true) },
  u4: { size: 4, read: (v, o) => v.getUint32(o, true) },
  u8: { size: 8, read: (v, o) => Number(v.getBigUint64(o, true)) },
  b1: { size: 1, read: (v, o) => v.getUint8(o) },
};
const SUPPORTED = 'float32, float64, int8–int64, uint8–uint64 or bool';

/** The header's fields, parsed from its Python dict literal. */
function parseHeader(text: string, name: string): { descr: string; fortran: boolean; shape: number[] } {
  const field = (key: string): string | null => {
    const m = new RegExp(`['"]${key}['"]\\s*:\\s*`).exec(text);
    if (!m) return null;
    return text.slice(m.index + m[0].length);
  };
  const descrAt = field('descr');
  const descrMatch = descrAt === null ? null : /^['"]([^'"]*)['"]/.exec(descrAt);
  if (!descrMatch) {
    // structured dtypes have a list as descr
    throw new ConfigError(
      `${name}: unsupported npy dtype ${descrAt === null ? '(no descr in the header)' : descrAt.slice(0, 40).split(',')[0]}; expected ${SUPPORTED}`,
    );
  }
  const fortranAt = field('fortran_order');
  const fortranMatch = fortranAt === null ? null : /^(True|False)/.exec(fortranAt);
  if (!fortranMatch) throw new ConfigError(`${name}: npy header has no fortran_order (not a .npy file?)`);
  const shapeAt = field('shape');
  const shapeMatch = shapeAt === null ? null : /^\(([^)]*)\)/.exec(shapeAt);
  if (!shapeMatch) throw new ConfigError(`${name}: npy header has no shape (not a .npy file?)`);
  const shape = shapeMatch[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new ConfigError(`${name}: npy header has an invalid shape (${shapeMatch[1]})`);
  return { descr: descrMatch[1], fortran: fortranMatch[1] === 'True', shape };
}

/**
 * Reads a `.npy` file (a path) or its bytes. `name` is used in error messages (default: the path,
 * or "<bytes>"). Errors are ConfigErrors: one line naming the file and what was wrong.
 */
export function readNpy(src: string | Uint8Array, name?: string): NpyArray {
  const label = name ?? (typeof src === 'string' ? src : '<bytes>');
  let bytes: Uint8Array;
  if (typeof src === 'string') {
    try {
      bytes = readFileSync(src);
    } catch (e) {
      throw new ConfigError(`cannot read ${label}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  } else {
    bytes = src;
  }
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new ConfigError(`${label} is not a .npy file (no \\x93NUMPY magic string)`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number, headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new ConfigError(`${label}: truncated .npy header`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new ConfigError(`${label}: unsupported .npy format version ${major}.${bytes[7]}; expected 1.0, 2.0 or 3.0`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw new ConfigError(`${label}: truncated .npy header`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const { descr, fortran, shape } = parseHeader(header, label);

  const order = descr[0];
  const code = /^[<>|=]/.test(descr) ? descr.slice(1) : descr;
  const dt = DTYPES[code];
  if (!dt) throw new ConfigError(`${label}: unsupported npy dtype "${descr}"; expected ${SUPPORTED}`);
  if (order === '>' && dt.size > 1)
    throw new ConfigError(`${label}: big-endian npy dtype "${descr}" is not supported; save it little-endian (arr.astype('<${code}'))`);
  if (fortran && shape.length > 1 && shape.filter((d) => d > 1).length > 1) {
    throw new ConfigError(`${label}: Fortran-order (column-major) arrays are not supported; save it in C order (np.save(f, np.ascontiguousarray(a)))`);
  }
  if (shape.length < 1 || shape.length > 2) throw new ConfigError(`${label}: expected a 1-D or 2-D array, got ${shape.length}-D shape (${shape.join(', ')})`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (dataStart + count * dt.size > bytes.length) {
    throw new ConfigError(
      `${label}: truncated data: shape (${shape.join(', ')}) of ${descr} needs ${count * dt.size} bytes, the file has ${bytes.length - dataStart}`,
    );
  }
  const data = dt.float32 ? new Float32Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = dt.read(view, dataStart + i * dt.size);
  return { data, shape, dtype: descr };
}

/** The bytes of a `.npy` file (format 1.0, C order) holding `data` with `shape`: float32 for a Float32Array, else float64. */
export function encodeNpy(data: Float32Array | Float64Array | readonly number[], shape: readonly number[]): Buffer {
  if (shape.length < 1 || shape.length > 2 || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`encodeNpy: shape must be [n] or [n, d] of non-negative integers, got [${shape.join(', ')}]`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new Error(`encodeNpy: ${data.length} values do not fill shape [${shape.join(', ')}] (${count})`);
  const f32 = data instanceof Float32Array;
  const size = f32 ? 4 : 8;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<${f32 ? 'f4' : 'f8'}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // pad with spaces so that the data starts at a multiple of 64 bytes, ending with a newline
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = Buffer.alloc(10 + header.length + count * size);
  MAGIC.forEach((b, i) => (out[i] = b));
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const start = 10 + header.length;
  for (let i = 0; i < count; i++) {
    if (f32) view.setFloat32(start + 4 * i, data[i], true);
    else view.setFloat64(start + 8 * i, data[i], true);
  }
  return out;
}

/** Writes a `.npy` file atomically (temporary name + rename), so a reader never sees half a file. */
export function writeNpy(path: string, data: Float32Array | Float64Array | readonly number[], shape: readonly number[]): string {
  const bytes = encodeNpy(data, shape);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
  return path;
}
