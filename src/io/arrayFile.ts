/**
 * Numeric tables from files, for `infobound estimate`: `.npy` (see npy.ts), `.csv` / `.tsv`
 * (numbers only, an optional header row) and `.json` (an array of rows, or an array of numbers
 * for one column). Every file becomes `{ data, shape: [n, d] }` in float64, row-major.
 *
 * Every problem is one ConfigError line that names the file and where: a non-numeric CSV cell
 * (line, column, the text), NaN or ±Inf (row, column), ragged rows, an empty file, an unsupported
 * npy dtype or Fortran order. Rows and columns in messages count from 1 (as an editor or a
 * spreadsheet shows them); column selections (`0:3`) count from 0, like Python slices.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { ConfigError } from '../config/validate.js';
import { readNpy } from './npy.js';

export interface ArrayTable {
  /** row-major n·d values. */
  data: Float64Array;
  shape: [number, number];
  /** column names from a CSV header row, when there was one. */
  columns?: string[];
}

export const ARRAY_FILE_TYPES = ['.npy', '.csv', '.tsv', '.json'] as const;

/** Reads a table file by its extension. `minRows` (default 1) rows are required. */
export function readArrayFile(path: string, opts: { minRows?: number } = {}): ArrayTable {
  const ext = extname(path).toLowerCase();
  let t: ArrayTable;
  switch (ext) {
    case '.npy':
      t = fromNpy(path);
      break;
    case '.csv':
    case '.tsv':
      t = parseDelimited(readText(path), path, ext === '.tsv' ? '\t' : ',');
      break;
    case '.json':
      t = parseJsonTable(readText(path), path);
      break;
    default:
      throw new ConfigError(`${path}: unknown file type "${ext || '(none)'}"; expected ${ARRAY_FILE_TYPES.join(', ')}`);
  }
  const minRows = opts.minRows ?? 1;
  if (t.shape[0] === 0) throw new ConfigError(`${path} has no data rows`);
  if (t.shape[1] === 0) throw new ConfigError(`${path} has no columns`);
  if (t.shape[0] < minRows) throw new ConfigError(`${path} has ${t.shape[0]} data row${t.shape[0] === 1 ? '' : 's'}; at least ${minRows} are needed`);
  return t;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** The first non-finite value of a row-major table, named by 1-based row and column. */
export function requireFiniteTable(data: ArrayLike<number>, d: number, name: string, where: (row: number) => string = (r) => `row ${r + 1}`): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const r = Math.floor(i / d),
        c = i % d;
      throw new ConfigError(`${name}: ${data[i]} at ${where(r)}, column ${c + 1}; expected finite numbers`);
    }
  }
}

function fromNpy(path: string): ArrayTable {
  const a = readNpy(path);
  const shape: [number, number] = a.shape.length === 1 ? [a.shape[0], 1] : [a.shape[0], a.shape[1]];
  requireFiniteTable(a.data, shape[1], path);
  return { data: Float64Array.from(a.data), shape };
}

/** A decimal number (what numpy.savetxt and spreadsheets write); hex, empty and '1e' are not numbers. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** Spellings of NaN/±Inf that writers produce: recognised, so that the error says "NaN", not "not a number". */
const NON_FINITE: Record<string, number> = {
  nan: NaN,
  '+nan': NaN,
  '-nan': NaN,
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
  infinity: Infinity,
  '+infinity': Infinity,
  '-infinity': -Infinity,
};

function cellValue(raw: string): number | null {
  let s = raw.trim();
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1).trim();
  if (NUMBER.test(s)) return Number(s);
  const nf = NON_FINITE[s.toLowerCase()];
  return nf === undefined ? null : nf;
}

/**
 * CSV/TSV of numbers. The first line is a header when none of its cells is a number; a first line
 * that mixes numbers and text is an error (a typo in the first data row must not silently drop it).
 * Blank lines are skipped; every other line must have as many cells as the first.
 */
export function parseDelimited(text: string, name: string, sep: ',' | '\t'): ArrayTable {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const rows: { line: number; cells: string[] }[] = [];
  lines.forEach((l, i) => {
    if (l.trim() !== '') rows.push({ line: i + 1, cells: l.split(sep) });
  });
  if (rows.length === 0) return { data: new Float64Array(0), shape: [0, 0] };
  let columns: string[] | undefined;
  const first = rows[0].cells.map(cellValue);
  if (first.every((v) => v === null)) {
    columns = rows[0].cells.map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    rows.shift();
  } else if (first.some((v) => v === null)) {
    const c = first.indexOf(null);
    throw new ConfigError(
      `${name} line ${rows[0].line}, column ${c + 1}: ${JSON.stringify(rows[0].cells[c].trim())} is not a number (a header row must be all names, a data row all numbers)`,
    );
  }
  const d = columns?.length ?? rows[0]?.cells.length ?? 0;
  const n = rows.length;
  const data = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    const { line, cells } = rows[r];
    if (cells.length !== d)
      throw new ConfigError(
        `${name} line ${line} has ${cells.length} cell${cells.length === 1 ? '' : 's'}, expected ${d} (as ${columns ? 'the header' : `line ${rows[0].line}`})`,
      );
    for (let c = 0; c < d; c++) {
      const v = cellValue(cells[c]);
      if (v === null) throw new ConfigError(`${name} line ${line}, column ${c + 1}: ${JSON.stringify(cells[c].trim())} is not a number`);
      if (!Number.isFinite(v)) throw new ConfigError(`${name}: ${v} at row ${r + 1} (line ${line}), column ${c + 1}; expected finite numbers`);
      data[r * d + c] = v;
    }
  }
  return { data, shape: [n, d], columns };
}

/** JSON: an array of equal-length rows of numbers, or an array of numbers (one column). */
export function parseJsonTable(text: string, name: string): ArrayTable {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${name} is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(v)) throw new ConfigError(`${name}: expected a JSON array of rows (or of numbers), got ${v === null ? 'null' : typeof v}`);
  if (v.length === 0) return { data: new Float64Array(0), shape: [0, 0] };
  const bad = (x: unknown, where: string): never => {
    throw new ConfigError(`${name}: ${where} is ${JSON.stringify(x)}, not a finite number`);
  };
  if (!Array.isArray(v[0])) {
    const data = new Float64Array(v.length);
    v.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) bad(x, `entry ${i + 1}`);
      data[i] = x as number;
    });
    return { data, shape: [v.length, 1] };
  }
  const d = (v[0] as unknown[]).length;
  const data = new Float64Array(v.length * d);
  v.forEach((row, r) => {
    if (!Array.isArray(row)) throw new ConfigError(`${name}: row ${r + 1} is ${JSON.stringify(row)}, not an array (the first row is an array)`);
    if (row.length !== d)
      throw new ConfigError(`${name}: ragged array: row ${r + 1} has ${row.length} value${row.length === 1 ? '' : 's'}, expected ${d} (as row 1)`);
    row.forEach((x, c) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) bad(x, `row ${r + 1}, column ${c + 1}`);
      data[r * d + c] = x as number;
    });
  });
  return { data, shape: [v.length, d] };
}

/**
 * Column indices from a selection like Python's: `0:3` (0, 1, 2), `3:` (3 to the end), `:2`,
 * `4` (one column), `-1` (the last), or a comma list of those (`0,2,5:7`). `flag` names the
 * option in errors; `d` is the number of columns.
 */
export function parseColumns(spec: string, d: number, flag: string): number[] {
  const out: number[] = [];
  const idx = (s: string, part: string, end: boolean): number => {
    if (!/^-?\d+$/.test(s)) throw new ConfigError(`${flag} ${JSON.stringify(spec)}: ${JSON.stringify(part)} is not a column index or a range a:b`);
    const i = Number(s);
    const k = i < 0 ? d + i : i;
    if (k < 0 || k > (end ? d : d - 1))
      throw new ConfigError(`${flag} ${JSON.stringify(spec)}: column ${i} is out of range; the file has ${d} column${d === 1 ? '' : 's'} (0 to ${d - 1})`);
    return k;
  };
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    if (part === '') throw new ConfigError(`${flag} ${JSON.stringify(spec)}: empty column selection`);
    const m = /^(.*):(.*)$/.exec(part);
    if (!m) {
      out.push(idx(part, part, false));
      continue;
    }
    const a = m[1].trim() === '' ? 0 : idx(m[1].trim(), part, true);
    const b = m[2].trim() === '' ? d : idx(m[2].trim(), part, true);
    if (b <= a) throw new ConfigError(`${flag} ${JSON.stringify(spec)}: range ${part} selects no columns (it is half-open, like Python's a:b)`);
    for (let i = a; i < b; i++) out.push(i);
  }
  return out;
}

/** The given columns of a table, in the given order. */
export function selectColumns(t: ArrayTable, cols: number[]): ArrayTable {
  const [n, d] = t.shape;
  const k = cols.length;
  const data = new Float64Array(n * k);
  for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) data[r * k + j] = t.data[r * d + cols[j]];
  return { data, shape: [n, k], columns: t.columns ? cols.map((c) => t.columns![c]) : undefined };
}
