/** Reads and writes values at dotted paths ("data.rho") in plain JSON objects (for `vary` and sweep grids). */
import { ConfigError, expectObject, isObject } from '../config/validate.js';
import type { FigureOptions } from './figureOutput.js';

export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let o: Record<string, unknown> = obj;
  for (const p of parts.slice(0, -1)) {
    if (o[p] === undefined) o[p] = {};
    if (!isObject(o[p])) throw new ConfigError(`${path}: cannot set a field inside ${p}, which is ${JSON.stringify(o[p])}`);
    o = o[p] as Record<string, unknown>;
  }
  o[parts[parts.length - 1]] = value;
}

export function cartesian(axes: { path: string; values: unknown[] }[]): { path: string; value: unknown }[][] {
  let out: { path: string; value: unknown }[][] = [[]];
  for (const a of axes) out = out.flatMap((combo) => a.values.map((value) => [...combo, { path: a.path, value }]));
  return out;
}

export function labelOf(combo: { path: string; value: unknown }[]): string {
  if (combo.length === 0) return 'default';
  return combo.map((c) => `${c.path.split('.').pop()}=${typeof c.value === 'object' ? JSON.stringify(c.value) : String(c.value)}`).join(',');
}

/** A label made safe as a file-name part ("rho=0.5,batchSize=64" → "rho=0.5_batchSize=64"). */
export function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9.=-]+/g, '_');
}

export interface VaryAxis {
  path: string;
  values: unknown[];
}

/** One combination of an experiment's `vary`: its label, the values it set and the parsed setting. */
export interface Setting<C> {
  label: string;
  values: Record<string, unknown>;
  cfg: C;
}

/** A parsed experiment whose settings come from `vary` (the gan, infogan and ali tasks). */
export interface VaryingExperiment<T extends string, C> {
  name: string;
  task: T;
  seed: number;
  logEvery: number;
  vary: VaryAxis[];
  settings: Setting<C>[];
  figures: FigureOptions;
}

/**
 * Expands an experiment's `vary` (config paths → value lists) into one parsed setting per
 * combination: the raw config with the combination applied, parsed by the task's `parseSetting`.
 */
export function expandVary<C>(raw: Record<string, unknown>, parseSetting: (raw: Record<string, unknown>) => C): { vary: VaryAxis[]; settings: Setting<C>[] } {
  const vary =
    raw.vary === undefined
      ? []
      : Object.entries(expectObject(raw.vary, 'vary')).map(([path, values]) => {
          if (!Array.isArray(values) || values.length === 0) throw new ConfigError(`vary.${path} must be a non-empty list of values`);
          return { path, values };
        });
  const settings = cartesian(vary).map((combo) => {
    const copy = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
    for (const c of combo) setPath(copy, c.path, c.value);
    return { label: labelOf(combo), values: Object.fromEntries(combo.map((c) => [c.path, c.value])), cfg: parseSetting(copy) };
  });
  return { vary, settings };
}
