/** Tables from .npy/.csv/.tsv/.json files, column selections, and the one-line errors for bad input. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseColumns, readArrayFile, selectColumns } from '../../src/io/arrayFile.js';
import { writeNpy } from '../../src/io/npy.js';

const dir = mkdtempSync(join(tmpdir(), 'arrayfile-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('readArrayFile', () => {
  it('CSV with a header row: names kept, numbers read as float64', () => {
    const t = readArrayFile(file('h.csv', 'a,b\n1,2.5\n-3e-2,4\n'));
    expect(t.shape).toEqual([2, 2]);
    expect(Array.from(t.data)).toEqual([1, 2.5, -0.03, 4]);
    expect(t.columns).toEqual(['a', 'b']);
  });

  it('CSV without a header, CRLF line ends and blank lines; TSV by extension', () => {
    expect(Array.from(readArrayFile(file('n.csv', '1,2\r\n\r\n3,4\r\n')).data)).toEqual([1, 2, 3, 4]);
    expect(Array.from(readArrayFile(file('t.tsv', 'x\ty\n5\t6\n')).data)).toEqual([5, 6]);
  });

  it('JSON: an array of rows, or of numbers (one column)', () => {
    expect(readArrayFile(file('r.json', '[[1,2,3],[4,5,6]]')).shape).toEqual([2, 3]);
    const c = readArrayFile(file('c.json', '[1, 2, 3]'));
    expect(c.shape).toEqual([3, 1]);
  });

  it('.npy, 1-D as one column', () => {
    const p = join(dir, 'v.npy');
    writeNpy(p, new Float64Array([1, 2, 3]), [3]);
    expect(readArrayFile(p).shape).toEqual([3, 1]);
  });

  describe('errors (one line: the file and where)', () => {
    it.each([
      ['bad.csv', '1,2\n3,abc\n', /bad\.csv line 2, column 2: "abc" is not a number/],
      ['mixed.csv', '1,x\n3,4\n', /mixed\.csv line 1, column 2: "x" is not a number \(a header row must be all names, a data row all numbers\)/],
      ['empty-cell.csv', '1,2\n3,\n', /empty-cell\.csv line 2, column 2: "" is not a number/],
      ['nan.csv', 'a,b\n1,2\n3,NaN\n', /nan\.csv: NaN at row 2 \(line 3\), column 2; expected finite numbers/],
      ['inf.csv', '1,-inf\n', /inf\.csv: -Infinity at row 1 \(line 1\), column 2/],
      ['ragged.csv', '1,2\n3\n', /ragged\.csv line 2 has 1 cell, expected 2 \(as line 1\)/],
      ['ragged.json', '[[1,2],[3]]', /ragged\.json: ragged array: row 2 has 1 value, expected 2 \(as row 1\)/],
      ['null.json', '[[1,2],[3,null]]', /null\.json: row 2, column 2 is null, not a finite number/],
      ['broken.json', '[[1,2]', /broken\.json is not valid JSON/],
      ['empty.csv', '', /empty\.csv has no data rows/],
      ['header-only.csv', 'a,b\n', /header-only\.csv has no data rows/],
      ['data.xlsx', 'x', /data\.xlsx: unknown file type "\.xlsx"; expected \.npy, \.csv, \.tsv, \.json/],
    ])('%s', (name, text, message) => {
      expect(() => readArrayFile(file(name, text))).toThrow(message);
    });

    it('a 1-row file when 2 are needed', () => {
      expect(() => readArrayFile(file('one.csv', '1,2\n'), { minRows: 2 })).toThrow(/one\.csv has 1 data row; at least 2 are needed/);
    });

    it('NaN in a .npy file: row and column', () => {
      expect(() => readArrayFile('test/fixtures/npy/f8_nan.npy')).toThrow(/f8_nan\.npy: NaN at row 2, column 2; expected finite numbers/);
    });

    it('a missing file', () => {
      expect(() => readArrayFile(join(dir, 'nope.csv'))).toThrow(/cannot read .*nope\.csv: ENOENT/);
    });
  });
});

describe('parseColumns (0-based, half-open like Python slices)', () => {
  it.each([
    ['0:3', [0, 1, 2]],
    ['3:', [3, 4]],
    [':2', [0, 1]],
    ['4', [4]],
    ['-1', [4]],
    ['0,2,3:5', [0, 2, 3, 4]],
  ])('%s of 5 columns', (spec, cols) => {
    expect(parseColumns(spec, 5, '--x-cols')).toEqual(cols);
  });

  it('out of range and empty ranges name the flag', () => {
    expect(() => parseColumns('0:7', 5, '--y-cols')).toThrow(/--y-cols "0:7": column 7 is out of range; the file has 5 columns \(0 to 4\)/);
    expect(() => parseColumns('3:3', 5, '--x-cols')).toThrow(/--x-cols "3:3": range 3:3 selects no columns/);
    expect(() => parseColumns('a:b', 5, '--x-cols')).toThrow(/--x-cols "a:b": "a:b" is not a column index or a range a:b/);
  });

  it('selectColumns keeps rows and names', () => {
    const t = selectColumns({ data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [2, 3], columns: ['a', 'b', 'c'] }, [2, 0]);
    expect(Array.from(t.data)).toEqual([3, 1, 6, 4]);
    expect(t.columns).toEqual(['c', 'a']);
  });
});
