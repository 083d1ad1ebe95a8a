/**
 * Checkpoints: one binary file holding a JSON header (free-form metadata plus an index of named
 * arrays) and the arrays' bytes, written atomically through RunDir (temporary name, then rename),
 * so a crash while saving leaves the previous checkpoint intact.
 *
 * Layout: "INFOBOUND-CKPT-1\n", uint32 LE header length, header JSON (UTF-8), zero padding to a
 * multiple of 4, then each array's little-endian bytes at the offset its index entry gives.
 */
import { copyFileSync, linkSync, readFileSync, rmSync } from 'node:fs';
import { z } from 'zod';
import { obj, parseWith } from '../config/schemaTools.js';
import type { SavedArray } from '../train/optimizerState.js';
import type { RunDir } from './runDir.js';

const MAGIC = 'INFOBOUND-CKPT-1\n';

export interface Checkpoint {
  meta: Record<string, unknown>;
  arrays: SavedArray[];
}

interface IndexEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  length: number;
}

export function encodeCheckpoint(c: Checkpoint): Buffer {
  const index: IndexEntry[] = [];
  let offset = 0;
  for (const a of c.arrays) {
    const size = a.shape.reduce((p, q) => p * q, 1);
    if (size !== a.data.length) throw new Error(`checkpoint: array ${a.name} has ${a.data.length} values for shape [${a.shape}]`);
    index.push({ name: a.name, shape: a.shape, dtype: a.dtype, offset, length: a.data.length });
    offset += a.data.length * 4;
  }
  const header = Buffer.from(JSON.stringify({ meta: c.meta, arrays: index }), 'utf8');
  const pre = Buffer.alloc(MAGIC.length + 4);
  pre.write(MAGIC, 0, 'latin1');
  pre.writeUInt32LE(header.length, MAGIC.length);
  const pad = Buffer.alloc((4 - ((pre.length + header.length) % 4)) % 4);
  const parts: Buffer[] = [pre, header, pad];
  for (const a of c.arrays) parts.push(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength));
  return Buffer.concat(parts);
}

export function decodeCheckpoint(buf: Buffer, what = 'checkpoint'): Checkpoint {
  if (buf.length < MAGIC.length + 4 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error(`${what} is not an infobound checkpoint (bad magic)`);
  const hl = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  if (start + hl > buf.length) throw new Error(`${what} is truncated (header)`);
  const header = JSON.parse(buf.toString('utf8', start, start + hl)) as { meta: Record<string, unknown>; arrays: IndexEntry[] };
  const dataStart = start + hl + ((4 - ((start + hl) % 4)) % 4);
  const arrays = header.arrays.map((e) => {
    const from = dataStart + e.offset;
    if (from + e.length * 4 > buf.length) throw new Error(`${what} is truncated (array ${e.name})`);
    // copy into an aligned buffer (the file's bytes are not necessarily 4-aligned in memory)
    const bytes = new Uint8Array(buf.subarray(from, from + e.length * 4));
    const data = e.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
    return { name: e.name, shape: e.shape, dtype: e.dtype, data };
  });
  return { meta: header.meta, arrays };
}

/** Writes `name` in the run directory atomically. */
export function writeCheckpoint(out: RunDir, name: string, c: Checkpoint): string {
  return out.write(name, encodeCheckpoint(c));
}

export function readCheckpoint(path: string): Checkpoint {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read checkpoint ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return decodeCheckpoint(buf, path);
}

/**
 * Keeps the first `lines` lines of the run's metrics.jsonl (rewritten atomically): a resumed run
 * drops what was logged after its checkpoint, since it logs those steps again.
 */
export function truncateMetrics(out: RunDir, lines: number): void {
  if (!out.exists('metrics.jsonl')) return;
  const kept = readFileSync(out.path('metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  if (kept.length < lines) throw new Error(`metrics.jsonl has ${kept.length} lines but the checkpoint recorded ${lines}`);
  out.write(
    'metrics.jsonl',
    kept
      .slice(0, lines)
      .map((l) => l + '\n')
      .join(''),
  );
}

/**
 * What stays of a run's checkpoints once it has completed: `last` (the default: the final state,
 * e.g. the trained weights), `none` (removed: it only served to resume), or `all` (one file per
 * epoch, `checkpoint-s<setting>-e<epoch>.bin`, beside the last). While a run is going the last
 * checkpoint is always kept, so an interrupted or failed run can be resumed whatever `keep` says.
 */
export const CHECKPOINT_KEEP = ['last', 'none', 'all'] as const;
export type CheckpointKeep = (typeof CHECKPOINT_KEEP)[number];
export type CheckpointConfig = { keep: CheckpointKeep } | false;

/** `checkpoint` as JSON (the experiment schema's, src/experiments/schema.ts). */
export const checkpointSchema = z
  .union(
    [
      z.boolean(),
      obj({ keep: z.enum(CHECKPOINT_KEEP).default('last').describe("what stays after the run completes: the last checkpoint, none, or every epoch's.") }),
    ],
    {
      error: (iss) =>
        iss.code === 'invalid_union' ? `must be true, false or { "keep": "last" | "none" | "all" }, got ${JSON.stringify(iss.input)}` : undefined,
    },
  )
  .default(true)
  .describe('save a checkpoint after each epoch (--resume continues from it): true (keep the last), false, or { "keep": "last" | "none" | "all" }.');

/** `checkpoint`: true (save, keep the last), false (save none), or `{ "keep": "last" | "none" | "all" }`. */
export function parseCheckpointConfig(v: unknown, path = 'checkpoint'): CheckpointConfig {
  const c = parseWith(checkpointSchema, v, path);
  return c === true ? { keep: 'last' } : c;
}

/** The per-epoch file name `keep: "all"` leaves (settings and epochs counted from 1). */
export const epochCheckpointName = (setting: number, epoch: number): string => `checkpoint-s${setting}-e${epoch}.bin`;

/**
 * With `keep: "all"`, keeps the checkpoint just written under its epoch's name: a hard link (the
 * next atomic write replaces `name` by a new file, so the link keeps this one's bytes) or, where
 * links are not allowed, a copy.
 */
export function keepEpochCheckpoint(out: RunDir, name: string, setting: number, epoch: number): string {
  const to = out.path(epochCheckpointName(setting, epoch));
  rmSync(to, { force: true });
  try {
    linkSync(out.path(name), to);
  } catch {
    copyFileSync(out.path(name), to);
  }
  return to;
}

/** After a run completed: `keep: "none"` removes its checkpoint; `last` and `all` leave the files. */
export function finishCheckpoints(out: RunDir, name: string, keep: CheckpointKeep): void {
  if (keep === 'none') rmSync(out.path(name), { force: true });
}
