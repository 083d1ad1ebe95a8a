/**
 * Reads what a run or sweep directory holds (the files src/experiments writes: run.json,
 * config.json, summary.json, metrics.jsonl, table.json, *.png; sweep.json, comparison.json) into
 * plain data for the page. Reading never throws on a damaged file: a missing or unreadable file
 * becomes a note the page shows, and the rest is still reported.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parseMetricsLog, type MetricsLog } from './metricsLog.js';

export type Json = Record<string, unknown>;

export interface RunData {
  dir: string;
  id: string;
  run?: Json;
  config?: unknown;
  summary?: Json;
  /** MI benchmark rows (table.json, else summary.rows). */
  table?: Json[];
  metrics: MetricsLog;
  /** PNG file names in the directory, sorted. */
  images: string[];
  /** file-level problems (missing or unreadable JSON), shown on the page. */
  notes: string[];
}

export interface SweepCellData {
  label: string;
  seed: number;
  status: string;
  error?: string;
  metrics?: Record<string, unknown>;
  /** the cell's run directory relative to the sweep directory. */
  relDir: string;
}

export interface SweepData {
  dir: string;
  id: string;
  sweep?: Json;
  comparison?: Json;
  cells: SweepCellData[];
  images: string[];
  notes: string[];
}

export const isSweepDir = (dir: string): boolean => existsSync(join(dir, 'sweep.json'));
export const isRunDir = (dir: string): boolean => ['run.json', 'summary.json', 'metrics.jsonl'].some((f) => existsSync(join(dir, f)));

function readJson(dir: string, name: string, notes: string[], required: boolean): unknown {
  const p = join(dir, name);
  if (!existsSync(p)) {
    if (required) notes.push(`${name} is missing`);
    return undefined;
  }
  try {
    return JSON.parse(readFileSync(p, 'utf8'));
  } catch (e) {
    notes.push(`${name} could not be read: ${(e as Error).message}`);
    return undefined;
  }
}

const asObject = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const pngs = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.toLowerCase().endsWith('.png'))
    .sort();

export function readRun(dir: string): RunData {
  const notes: string[] = [];
  const run = asObject(readJson(dir, 'run.json', notes, true));
  const config = readJson(dir, 'config.json', notes, true);
  // a run still going (or killed) has no summary yet: say so, do not call it an error (and a
  // summary that exists but cannot be read has its own note from readJson, not this one)
  const summary = asObject(readJson(dir, 'summary.json', notes, false));
  if (!existsSync(join(dir, 'summary.json')) && existsSync(join(dir, 'run.json')))
    notes.push('summary.json is missing: the run is still going, or was killed before it could write one');
  const tableJson = readJson(dir, 'table.json', notes, false);
  const table = (Array.isArray(tableJson) ? tableJson : Array.isArray(summary?.rows) ? summary.rows : undefined) as Json[] | undefined;
  const metricsPath = join(dir, 'metrics.jsonl');
  let metrics: MetricsLog = { records: [], problems: [] };
  if (existsSync(metricsPath)) metrics = parseMetricsLog(readFileSync(metricsPath, 'utf8'));
  else if (summary?.status === 'failed' || summary?.status === 'interrupted')
    notes.push(`nothing was logged: the run ${summary.status} before its first logged step`);
  else if (summary) notes.push('metrics.jsonl is missing');
  return { dir, id: basename(dir), run, config, summary, table, metrics, images: pngs(dir), notes };
}

export function readSweep(dir: string): SweepData {
  const notes: string[] = [];
  const sweep = asObject(readJson(dir, 'sweep.json', notes, true));
  const comparison = asObject(readJson(dir, 'comparison.json', notes, false));
  if (!comparison) notes.push('comparison.json is missing: the sweep is still going, or was stopped before it compared the cells');
  const cells = (Array.isArray(sweep?.cells) ? (sweep.cells as Json[]) : []).map((c) => {
    const cellDir = typeof c.dir === 'string' ? c.dir : '';
    // sweep.json records absolute paths; the page links relative to itself so the directory can move
    const rel = cellDir && existsSync(join(dir, 'cells', basename(cellDir))) ? join('cells', basename(cellDir)) : relative(dir, cellDir);
    return {
      label: String(c.label ?? ''),
      seed: Number(c.seed),
      status: String(c.status ?? 'unknown'),
      error: typeof c.error === 'string' ? c.error : undefined,
      metrics: asObject(c.metrics),
      relDir: rel,
    };
  });
  return { dir, id: basename(dir), sweep, comparison, cells, images: pngs(dir), notes };
}

export interface IndexEntry {
  kind: 'run' | 'sweep';
  /** directory relative to the indexed root. */
  relDir: string;
  experiment: string;
  date?: string;
  status: string;
  wallSeconds?: number;
  metrics: Record<string, unknown>;
  /** for sweeps: the grid and seeds, e.g. "beta ∈ {0, 1}; seeds 0, 1". */
  plan?: string;
  hasReport: boolean;
}

/**
 * Every run and sweep under `root` (outputs/<experiment>/<run-id>/, sweeps with their cells
 * counted as part of the sweep), newest first.
 */
export function findRuns(root: string, maxDepth = 4): IndexEntry[] {
  const entries: IndexEntry[] = [];
  const walk = (dir: string, depth: number) => {
    if (dir !== root && isSweepDir(dir)) {
      const notes: string[] = [];
      const s = asObject(readJson(dir, 'sweep.json', notes, true));
      const cells = Array.isArray(s?.cells) ? (s.cells as Json[]) : [];
      const ok = cells.filter((c) => c.status === 'completed').length;
      entries.push({
        kind: 'sweep',
        relDir: relative(root, dir),
        experiment: String(s?.experiment ?? basename(join(dir, '..'))),
        date: dateFromId(basename(dir)),
        status: notes.length ? notes.join('; ') : `${ok}/${cells.length} cells completed`,
        metrics: {},
        plan: sweepPlan(s),
        hasReport: existsSync(join(dir, 'index.html')),
      });
      return;
    }
    if (dir !== root && isRunDir(dir)) {
      const notes: string[] = [];
      const run = asObject(readJson(dir, 'run.json', notes, false));
      const summary = asObject(readJson(dir, 'summary.json', notes, false));
      entries.push({
        kind: 'run',
        relDir: relative(root, dir),
        experiment: String(summary?.experiment ?? run?.experiment ?? basename(join(dir, '..'))),
        date: String(summary?.startedAt ?? run?.startedAt ?? dateFromId(basename(dir)) ?? ''),
        status: String(summary?.status ?? (notes.length ? notes.join('; ') : 'no summary (running or killed)')),
        wallSeconds: typeof summary?.wallSeconds === 'number' ? summary.wallSeconds : undefined,
        metrics: asObject(summary?.metrics) ?? {},
        hasReport: existsSync(join(dir, 'index.html')),
      });
      return;
    }
    if (depth >= maxDepth) return;
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (!name.startsWith('.') && name !== 'report-assets' && statSync(p).isDirectory()) walk(p, depth + 1);
    }
  };
  walk(root, 0);
  const time = (e: IndexEntry) => (e.date ? Date.parse(e.date) : NaN);
  // undated entries last; ties keep the directory order
  return entries.sort((a, b) => (Number.isNaN(time(b)) ? -Infinity : time(b)) - (Number.isNaN(time(a)) ? -Infinity : time(a)) || 0);
}

function sweepPlan(s: Json | undefined): string | undefined {
  if (!s || !Array.isArray(s.grid)) return undefined;
  const grid = (s.grid as { key?: unknown; values?: unknown }[]).map(
    (g) => `${String(g.key)} ∈ {${Array.isArray(g.values) ? g.values.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ') : ''}}`,
  );
  return `${grid.join(' × ')}${Array.isArray(s.seeds) ? `; seeds ${s.seeds.join(', ')}` : ''}`;
}

/** The time in a run id (20261125-131336-s0) as ISO text, for sweeps that record no start time. */
function dateFromId(id: string): string | undefined {
  const m = /(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(id);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z` : undefined;
}
