/**
 * The only module that writes run outputs. Every file is written whole (to a temporary name, then
 * renamed), so an interrupted run never leaves a half-written summary or PNG; metrics.jsonl is
 * appended one complete line per logged step, so it is readable up to the last step that finished.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class RunDir {
  private readonly metricsPath: string;
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.metricsPath = join(dir, 'metrics.jsonl');
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  exists(name: string): boolean {
    return existsSync(this.path(name));
  }

  /** Writes a file atomically (temporary name + rename). */
  write(name: string, data: string | Buffer): string {
    const p = this.path(name);
    const tmp = `${p}.tmp-${process.pid}`;
    writeFileSync(tmp, data);
    renameSync(tmp, p);
    return p;
  }

  writeJson(name: string, value: unknown): string {
    return this.write(name, JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n');
  }

  /** Appends one JSON line to metrics.jsonl (non-finite numbers are written as strings, e.g. "NaN"). */
  appendMetrics(record: Record<string, unknown>): void {
    appendFileSync(this.metricsPath, JSON.stringify(record, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)) + '\n');
  }
}

/**
 * Creates a new, empty run directory under `parent`: `<id>`, or `<id>-2`, `<id>-3`, … when runs
 * started in the same second with the same seed (mkdir without `recursive` fails if it exists, so
 * two processes can never claim the same directory).
 */
export function claimRunDir(parent: string, id: string): string {
  mkdirSync(parent, { recursive: true });
  for (let k = 1; ; k++) {
    const dir = join(parent, k === 1 ? id : `${id}-${k}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** A run id that sorts by time and names the seed: 20261125-053012-s0. */
export function makeRunId(seed: number, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const t = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${t}-s${seed}`;
}

/** The commit of the git checkout the run was started in (recorded in run.json), or null outside one. */
export function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}
