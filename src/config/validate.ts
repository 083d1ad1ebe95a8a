/**
 * Small validators for configs read from JSON. Every error names the field by its path
 * (e.g. `estimator.lambda`) and says what was expected, so a typo in an experiment file is
 * found at load time, not halfway through a run.
 */
import { totalmem } from 'node:os';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function expectObject(v: unknown, path: string): Record<string, unknown> {
  if (!isObject(v)) throw new ConfigError(`${path} must be an object, got ${JSON.stringify(v)}`);
  return v;
}

/** Rejects keys not in `allowed`, naming the unknown key and the allowed ones. */
export function expectKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      throw new ConfigError(`${path ? path + '.' : ''}${k}: unknown key; expected one of ${allowed.join(', ')}`);
    }
  }
}

export function num(
  obj: Record<string, unknown>,
  key: string,
  path: string,
  opts: { default?: number; min?: number; max?: number; exclusiveMin?: number; integer?: boolean } = {},
): number {
  const full = path ? `${path}.${key}` : key;
  const v = obj[key] === undefined ? opts.default : obj[key];
  if (v === undefined) throw new ConfigError(`${full} is required (a number)`);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`${full} must be a finite number, got ${JSON.stringify(v)}`);
  if (opts.integer && !Number.isInteger(v)) throw new ConfigError(`${full} must be an integer, got ${v}`);
  if (opts.min !== undefined && v < opts.min) throw new ConfigError(`${full} must be ≥ ${opts.min}, got ${v}`);
  if (opts.exclusiveMin !== undefined && v <= opts.exclusiveMin) throw new ConfigError(`${full} must be > ${opts.exclusiveMin}, got ${v}`);
  if (opts.max !== undefined && v > opts.max) throw new ConfigError(`${full} must be ≤ ${opts.max}, got ${v}`);
  return v;
}

export function posInt(obj: Record<string, unknown>, key: string, path: string, def?: number): number {
  return num(obj, key, path, { default: def, integer: true, min: 1 });
}

export function str<T extends string>(obj: Record<string, unknown>, key: string, path: string, choices: readonly T[], def?: T): T {
  const full = path ? `${path}.${key}` : key;
  const v = obj[key] === undefined ? def : obj[key];
  if (v === undefined) throw new ConfigError(`${full} is required; expected one of ${choices.join(', ')}`);
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new ConfigError(`${full}: unknown value ${JSON.stringify(v)}; expected one of ${choices.join(', ')}`);
  }
  return v as T;
}

export function optStr(obj: Record<string, unknown>, key: string, path: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ConfigError(`${path ? path + '.' : ''}${key} must be a string, got ${JSON.stringify(v)}`);
  return v;
}

export function bool(obj: Record<string, unknown>, key: string, path: string, def: boolean): boolean {
  const v = obj[key] === undefined ? def : obj[key];
  if (typeof v !== 'boolean') throw new ConfigError(`${path ? path + '.' : ''}${key} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** Number literals in JSON text (outside strings) that do not fit a double: 1e999 parses to Infinity. */
function nonFiniteLiterals(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/g)) {
    if (m[0][0] !== '"' && !Number.isFinite(Number(m[0]))) out.push(m[0]);
  }
  return out;
}

/** The path of the first non-finite number in a parsed JSON value (`a.b[2]`), or null. */
function nonFinitePath(v: unknown, path: string): string | null {
  if (typeof v === 'number') return Number.isFinite(v) ? null : path;
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) {
      const p = nonFinitePath(x, `${path}[${i}]`);
      if (p !== null) return p;
    }
  } else if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      const p = nonFinitePath(x, path ? `${path}.${k}` : k);
      if (p !== null) return p;
    }
  }
  return null;
}

/**
 * JSON.parse for configs: JSON can spell numbers a double cannot hold (1e999 becomes Infinity,
 * which JSON.stringify then prints as null), so such a number is an error naming its path and the
 * text as written. `where` says where the text came from (a file, a --set flag). Syntax errors are
 * thrown as they are (SyntaxError), for the caller to name the file.
 */
export function parseConfigJson(text: string, where: string): unknown {
  const v: unknown = JSON.parse(text);
  const path = nonFinitePath(v, '');
  if (path !== null) {
    const lit = nonFiniteLiterals(text)[0] ?? String(v);
    throw new ConfigError(`${path ? `${path}: ` : ''}got ${lit} (not a finite number) in ${where}`);
  }
  return v;
}

/**
 * What one run may allocate for one structure: at most the 4 GiB a wasm heap can address, and at
 * most half this machine's memory. Checked at load time so a config asking for more fails with the
 * field named, not minutes later with "Invalid typed array length" or "memory access out of bounds".
 */
export function memoryBudget(): number {
  return Math.min(2 ** 32, totalmem() / 2);
}

const gb = (b: number) => `${(b / 2 ** 30).toFixed(b < 2 ** 30 ? 2 : 1)} GiB`;

/** Throws a ConfigError naming `field` when `bytes` (what `what` needs) exceeds memoryBudget(). */
export function checkFitsMemory(field: string, value: number, bytes: number, what: string): void {
  const budget = memoryBudget();
  if (!(bytes <= budget)) {
    throw new ConfigError(
      `${field}: ${value} needs about ${gb(bytes)} for ${what}, more than a run can allocate here (${gb(budget)}: half this machine's memory, at most the 4 GiB wasm heap)`,
    );
  }
}

/** A count of items (samples, points) that must fit in memory at `bytesEach` bytes apiece. */
export function countOf(obj: Record<string, unknown>, key: string, path: string, def: number, bytesEach: number, what: string): number {
  const n = posInt(obj, key, path, def);
  checkFitsMemory(path ? `${path}.${key}` : key, n, n * bytesEach, what);
  return n;
}

/** A threshold taken of a count (e.g. evaluation.minCount of evaluation.samples) cannot exceed it. */
export function notAbove(value: number, field: string, max: number, maxField: string): number {
  if (value > max) throw new ConfigError(`${field}: ${value} exceeds ${maxField} = ${max}; it is counted among those ${max}`);
  return value;
}

/** Step numbers (e.g. evaluation.snapshots) must lie within the run's `steps`. */
export function stepsWithin(list: number[], steps: number, field: string): number[] {
  const beyond = list.find((s) => s > steps);
  if (beyond !== undefined) throw new ConfigError(`${field}: step ${beyond} is beyond the run's ${steps} steps`);
  return list;
}
