/** The .npy reader and writer: files numpy wrote (test/fixtures/npy, make_fixtures.py), round trips, and the errors. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy, readNpy, writeNpy } from '../../src/io/npy.js';

const fx = (f: string) => join('test/fixtures/npy', f);
const A = [1.5, -2.25, 3.0, 4.0, 5.125, -6.5];

describe('readNpy on files numpy wrote', () => {
  it('float64 2-D: values in C order, shape [2, 3], a Float64Array', () => {
    const a = readNpy(fx('f8_2d.npy'));
    expect(a.shape).toEqual([2, 3]);
    expect(a.data).toBeInstanceOf(Float64Array);
    expect(Array.from(a.data)).toEqual(A);
  });

  it('float32 2-D stays a Float32Array', () => {
    const a = readNpy(fx('f4_2d.npy'));
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(Array.from(a.data)).toEqual(A);
  });

  it('format version 2.0 reads the same', () => {
    expect(Array.from(readNpy(fx('f8_2d_v2.npy')).data)).toEqual(A);
  });

  it('1-D float64 keeps its shape [4] and full precision', () => {
    const a = readNpy(fx('f8_1d.npy'));
    expect(a.shape).toEqual([4]);
    expect(Array.from(a.data)).toEqual([0.1, 0.2, 0.3, -1e300]);
  });

  it('integers and booleans become float64: int64 (2^40), int32, int16 extremes, uint8, bool', () => {
    expect(Array.from(readNpy(fx('i8_2d.npy')).data)).toEqual([1, -2, 3, 2 ** 40]);
    expect(Array.from(readNpy(fx('i4_1d.npy')).data)).toEqual([7, -8, 9]);
    expect(Array.from(readNpy(fx('i2_2d.npy')).data)).toEqual([-32768, 32767]);
    expect(Array.from(readNpy(fx('u1_2d.npy')).data)).toEqual([0, 255, 128, 1]);
    expect(Array.from(readNpy(fx('bool_1d.npy')).data)).toEqual([1, 0, 1]);
  });
});

describe('readNpy errors name the file and the problem', () => {
  it.each([
    ['fortran_2d.npy', /fortran_2d\.npy: Fortran-order \(column-major\) arrays are not supported/],
    ['complex_1d.npy', /complex_1d\.npy: unsupported npy dtype "<c16"/],
    ['str_1d.npy', /str_1d\.npy: unsupported npy dtype "<U2"/],
    ['f8_3d.npy', /f8_3d\.npy: expected a 1-D or 2-D array, got 3-D shape \(2, 2, 2\)/],
    ['f8_big_endian.npy', /f8_big_endian\.npy: big-endian npy dtype ">f8" is not supported/],
  ])('%s', (file, message) => {
    expect(() => readNpy(fx(file))).toThrow(message);
  });

  it('a file that is not .npy, and a truncated one', () => {
    expect(() => readNpy(new TextEncoder().encode('a,b\n1,2\n'), 'x.npy')).toThrow(/x\.npy is not a \.npy file/);
    const bytes = encodeNpy(new Float64Array([1, 2, 3, 4]), [2, 2]);
    expect(() => readNpy(bytes.subarray(0, bytes.length - 8), 't.npy')).toThrow(
      /t\.npy: truncated data: shape \(2, 2\) of <f8 needs 32 bytes, the file has 24/,
    );
  });
});

describe('writeNpy', () => {
  it('round-trips float64 and float32, 1-D and 2-D, bit for bit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'npy-'));
    const f64 = new Float64Array([Math.PI, -0, 1e-310, 2 ** 53 + 2, -7.25, 0.1]);
    writeNpy(join(dir, 'a.npy'), f64, [2, 3]);
    const a = readNpy(join(dir, 'a.npy'));
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe('<f8');
    expect(Array.from(a.data)).toEqual(Array.from(f64));
    const f32 = new Float32Array([1.1, 2.2, 3.3]);
    writeNpy(join(dir, 'b.npy'), f32, [3]);
    const b = readNpy(join(dir, 'b.npy'));
    expect(b.dtype).toBe('<f4');
    expect(b.shape).toEqual([3]);
    expect(Array.from(b.data)).toEqual(Array.from(f32));
    // atomic: no temporary file is left behind
    expect(readdirSync(dir).sort()).toEqual(['a.npy', 'b.npy']);
  });

  it('the header is padded so the data start at a multiple of 64 bytes (the format spec)', () => {
    const bytes = encodeNpy([1, 2, 3], [3]);
    const headerLen = bytes.readUInt16LE(8);
    expect((10 + headerLen) % 64).toBe(0);
    expect(bytes[10 + headerLen - 1]).toBe(0x0a);
  });

  it('rejects a shape the data do not fill', () => {
    expect(() => encodeNpy([1, 2, 3], [2, 2])).toThrow(/3 values do not fill shape \[2, 2\] \(4\)/);
  });

  const python = '/usr/bin/python3';
  const hasNumpy = existsSync(python) && spawnSync(python, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasNumpy)('numpy reads what writeNpy wrote (skipped without python3 + numpy)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'npy-'));
    const p = join(dir, 'c.npy');
    writeNpy(p, new Float64Array(A), [2, 3]);
    const r = spawnSync(python, ['-c', `import numpy as np; a = np.load(${JSON.stringify(p)}); print(a.dtype, a.shape, a.flags['C_CONTIGUOUS'], a.tolist())`], {
      encoding: 'utf8',
    });
    expect(r.stdout.trim()).toBe('float64 (2, 3) True [[1.5, -2.25, 3.0], [4.0, 5.125, -6.5]]');
  });
});
