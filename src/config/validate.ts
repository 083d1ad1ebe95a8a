/**
 * Small validators for configs read from JSON. Every error names the field by its path
 * (e.g. `estimator.lambda`) and says what was expected, so a typo in an experiment file is
 * found at load time, not halfway through a run.
 */

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

export function numList(obj: Record<string, unknown>, key: string, path: string, def?: number[], opts: { integer?: boolean; min?: number } = {}): number[] {
  const full = path ? `${path}.${key}` : key;
  const v = obj[key] === undefined ? def : obj[key];
  if (!Array.isArray(v) || v.length === 0) throw new ConfigError(`${full} must be a non-empty list of numbers, got ${JSON.stringify(v)}`);
  for (const [i, x] of v.entries()) {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new ConfigError(`${full}[${i}] must be a finite number, got ${JSON.stringify(x)}`);
    if (opts.integer && !Number.isInteger(x)) throw new ConfigError(`${full}[${i}] must be an integer, got ${x}`);
    if (opts.min !== undefined && x < opts.min) throw new ConfigError(`${full}[${i}] must be ≥ ${opts.min}, got ${x}`);
  }
  return v as number[];
}

export function bool(obj: Record<string, unknown>, key: string, path: string, def: boolean): boolean {
  const v = obj[key] === undefined ? def : obj[key];
  if (typeof v !== 'boolean') throw new ConfigError(`${path ? path + '.' : ''}${key} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}
