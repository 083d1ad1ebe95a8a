/** IDX parsing on tiny files written to a temp directory: every dtype, raw and gzip, and each kind of error. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIdx, readIdxFile } from '../../src/data/idx.js';
import { idxBytes } from './idxFixtures.js';

/** Big-endian bytes of `values` written with a DataView setter of `width` bytes. */
function be(values: number[], width: number, set: (v: DataView, o: number, x: number) => void): Uint8Array {
  const b = new Uint8Array(values.length * width);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => set(v, i * width, x));
  return b;
}

const made: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'infobound-idx-'));
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('parseIdx', () => {
  it('reads ubyte data and its dims exactly', () => {
    const r = parseIdx(idxBytes(0x08, [2, 3], [1, 2, 3, 4, 5, 255]), 'x');
    expect(r.dtype).toBe('ubyte');
    expect(r.dims).toEqual([2, 3]);
    expect(r.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(r.data)).toEqual([1, 2, 3, 4, 5, 255]);
  });

  it('reads every big-endian dtype exactly', () => {
    const cases: [number, string, number[], Uint8Array, Function][] = [
      [0x09, 'i8', [-128, -1, 0, 127], Uint8Array.from([0x80, 0xff, 0, 0x7f]), Int8Array],
      [0x0b, 'i16', [-2, 258, 32767], be([-2, 258, 32767], 2, (v, o, x) => v.setInt16(o, x, false)), Int16Array],
      [0x0c, 'i32', [256, -2, 2 ** 31 - 1], be([256, -2, 2 ** 31 - 1], 4, (v, o, x) => v.setInt32(o, x, false)), Int32Array],
      [0x0d, 'f32', [0.5, -1.25, 3e7], be([0.5, -1.25, 3e7], 4, (v, o, x) => v.setFloat32(o, x, false)), Float32Array],
      [0x0e, 'f64', [Math.PI, -1e-300], be([Math.PI, -1e-300], 8, (v, o, x) => v.setFloat64(o, x, false)), Float64Array],
    ];
    for (const [type, dtype, values, payload, ctor] of cases) {
      const r = parseIdx(idxBytes(type, [values.length], payload), `t${type}`);
      expect(r.dtype).toBe(dtype);
      expect(r.data).toBeInstanceOf(ctor);
      expect(Array.from(r.data)).toEqual(values);
    }
  });

  it('reads gzip by its magic bytes, whatever the name', () => {
    const r = parseIdx(gzipSync(idxBytes(0x08, [1, 3], [7, 8, 9])), 'plain-name');
    expect(r.dims).toEqual([1, 3]);
    expect(Array.from(r.data)).toEqual([7, 8, 9]);
  });

  it('the data does not alias the input bytes', () => {
    const bytes = idxBytes(0x09, [2], [1, 2]);
    const r = parseIdx(bytes, 'x');
    bytes[8] = 99;
    expect(Array.from(r.data)).toEqual([1, 2]);
  });

  it('a truncated file names the file and the expected and actual byte counts', () => {
    expect(() => parseIdx(idxBytes(0x08, [2, 3], [1, 2]), 'imgs.idx')).toThrow('imgs.idx: truncated data (expected 18 bytes for ubyte dims [2, 3], got 14)');
    expect(() => parseIdx(idxBytes(0x0c, [2], [0, 0, 0, 1, 0, 0]), 'ints.idx')).toThrow(
      'ints.idx: truncated data (expected 16 bytes for i32 dims [2], got 14)',
    );
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2]), 'h.idx')).toThrow('h.idx: truncated header (expected 16 bytes for 3 dims, got 8)');
  });

  it('trailing bytes are an error too', () => {
    expect(() => parseIdx(idxBytes(0x08, [2], [1, 2, 3]), 'long.idx')).toThrow('long.idx: 1 trailing bytes (expected 10 bytes for ubyte dims [2], got 11)');
  });

  it('a truncated gzip stream names the file', () => {
    const gz = gzipSync(idxBytes(0x08, [100], new Array(100).fill(3)));
    expect(() => parseIdx(gz.subarray(0, gz.length - 12), 'cut.gz')).toThrow(/^cut\.gz: corrupt or truncated gzip data/);
  });

  it('a bad magic number is named, with the bytes found', () => {
    expect(() => parseIdx(Uint8Array.from([1, 2, 3, 4, 5]), 'f')).toThrow(/^f: bad magic number 01 02 03 04; expected 00 00 <dtype/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x0a, 1]), 'g')).toThrow(/^g: bad magic number 00 00 0a 01/);
    expect(() => parseIdx(new Uint8Array(0), 'empty')).toThrow(/^empty: bad magic number \(empty file\)/);
  });
});

describe('readIdxFile', () => {
  it('finds the raw file or the .gz file, given the base name with or without .gz', () => {
    const d = tmp();
    writeFileSync(join(d, 'a-idx1-ubyte'), idxBytes(0x08, [2], [4, 5]));
    writeFileSync(join(d, 'b-idx1-ubyte.gz'), gzipSync(idxBytes(0x08, [2], [6, 7])));
    const a = readIdxFile(d, 'a-idx1-ubyte');
    expect(a.path).toBe(join(d, 'a-idx1-ubyte'));
    expect(Array.from(a.data)).toEqual([4, 5]);
    for (const base of ['b-idx1-ubyte', 'b-idx1-ubyte.gz']) {
      const b = readIdxFile(d, base);
      expect(b.path).toBe(join(d, 'b-idx1-ubyte.gz'));
      expect(Array.from(b.data)).toEqual([6, 7]);
    }
  });

  it('a missing file lists every path looked at (a directory of that name does not count)', () => {
    const d = tmp();
    mkdirSync(join(d, 'train-images-idx3-ubyte'));
    expect(() => readIdxFile(d, 'train-images-idx3-ubyte')).toThrow(
      `IDX file train-images-idx3-ubyte not found; looked at ${join(d, 'train-images-idx3-ubyte')} and ${join(d, 'train-images-idx3-ubyte.gz')}`,
    );
  });

  it('errors from the contents name the path', () => {
    const d = tmp();
    writeFileSync(join(d, 'x.gz'), gzipSync(idxBytes(0x08, [5], [1])));
    expect(() => readIdxFile(d, 'x')).toThrow(`${join(d, 'x.gz')}: truncated data (expected 13 bytes for ubyte dims [5], got 9)`);
  });
});
