/**
 * Checkpoint files (src/io/checkpoint.ts): arrays and metadata come back bit for bit, a damaged
 * file is an error naming it, and metrics.jsonl can be cut back to the checkpoint's line count.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  epochCheckpointName,
  finishCheckpoints,
  keepEpochCheckpoint,
  parseCheckpointConfig,
  readCheckpoint,
  truncateMetrics,
  writeCheckpoint,
} from '../../src/io/checkpoint.js';
import { RunDir } from '../../src/io/runDir.js';

const arrays = [
  { name: 'var/a', shape: [2, 3], dtype: 'float32' as const, data: Float32Array.from([1.5, -0, NaN, 1e-45, -3.25, Math.PI]) },
  { name: 'opt/iter', shape: [], dtype: 'int32' as const, data: Int32Array.from([42]) },
  { name: 'var/b', shape: [1], dtype: 'float32' as const, data: Float32Array.from([Infinity]) },
];

describe('checkpoint files', () => {
  it('round-trip: every array bit for bit (NaN, −0, denormals), shapes, dtypes and metadata', () => {
    const c = decodeCheckpoint(encodeCheckpoint({ meta: { epoch: 3, rng: { a: 1 }, label: 'é' }, arrays }));
    expect(c.meta).toEqual({ epoch: 3, rng: { a: 1 }, label: 'é' });
    expect(c.arrays.map((a) => [a.name, a.shape, a.dtype])).toEqual(arrays.map((a) => [a.name, a.shape, a.dtype]));
    for (const [i, a] of c.arrays.entries())
      expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength)).toEqual(Buffer.from(arrays[i].data.buffer));
  });

  it('is written atomically into the run directory and read back; a truncated file is named', () => {
    const out = new RunDir(mkdtempSync(join(tmpdir(), 'ib-ckpt-')));
    const p = writeCheckpoint(out, 'checkpoint.bin', { meta: { k: 1 }, arrays });
    expect(readCheckpoint(p).arrays[0].data[4]).toBe(-3.25);
    writeFileSync(p, readFileSync(p).subarray(0, 120));
    expect(() => readCheckpoint(p)).toThrow(/checkpoint\.bin is truncated/);
    writeFileSync(p, 'hello');
    expect(() => readCheckpoint(p)).toThrow(/checkpoint\.bin is not an infobound checkpoint/);
    expect(() => readCheckpoint(join(out.dir, 'none.bin'))).toThrow(/cannot read checkpoint .*none\.bin: ENOENT/);
  });

  it('truncateMetrics keeps the first n lines of metrics.jsonl', () => {
    const out = new RunDir(mkdtempSync(join(tmpdir(), 'ib-ckpt-')));
    for (let i = 0; i < 5; i++) out.appendMetrics({ step: i });
    truncateMetrics(out, 3);
    expect(readFileSync(out.path('metrics.jsonl'), 'utf8')).toBe('{"step":0}\n{"step":1}\n{"step":2}\n');
    expect(() => truncateMetrics(out, 9)).toThrow(/metrics\.jsonl has 3 lines but the checkpoint recorded 9/);
  });
});

describe('checkpoint.keep', () => {
  it('parses true / false / { keep } and names a bad value', () => {
    expect(parseCheckpointConfig(undefined)).toEqual({ keep: 'last' });
    expect(parseCheckpointConfig(true)).toEqual({ keep: 'last' });
    expect(parseCheckpointConfig(false)).toBe(false);
    expect(parseCheckpointConfig({ keep: 'all' })).toEqual({ keep: 'all' });
    expect(() => parseCheckpointConfig({ keep: 'some' })).toThrow(/checkpoint\.keep: unknown value "some"; expected one of last, none, all/);
    expect(() => parseCheckpointConfig('yes')).toThrow(/checkpoint must be true, false or \{ "keep"/);
  });

  it('"all" keeps each epoch\'s bytes although the next atomic write replaces checkpoint.bin', () => {
    const out = new RunDir(mkdtempSync(join(tmpdir(), 'ib-keep-')));
    const at = (epoch: number) => ({ meta: { epoch }, arrays: [{ name: 'w', shape: [1], dtype: 'float32' as const, data: Float32Array.from([epoch]) }] });
    writeCheckpoint(out, 'checkpoint.bin', at(1));
    keepEpochCheckpoint(out, 'checkpoint.bin', 1, 1);
    writeCheckpoint(out, 'checkpoint.bin', at(2));
    keepEpochCheckpoint(out, 'checkpoint.bin', 1, 2);
    expect(readCheckpoint(out.path(epochCheckpointName(1, 1))).meta.epoch).toBe(1);
    expect(readCheckpoint(out.path(epochCheckpointName(1, 2))).meta.epoch).toBe(2);
    expect(readCheckpoint(out.path('checkpoint.bin')).meta.epoch).toBe(2);
  });

  it('after completion "none" removes the checkpoint, "last" and "all" leave it', () => {
    for (const keep of ['none', 'last', 'all'] as const) {
      const out = new RunDir(mkdtempSync(join(tmpdir(), 'ib-keep-')));
      writeCheckpoint(out, 'checkpoint.bin', { meta: {}, arrays });
      finishCheckpoints(out, 'checkpoint.bin', keep);
      expect(out.exists('checkpoint.bin')).toBe(keep !== 'none');
    }
  });
});
