import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRuns, isRunDir, isSweepDir, readRun, readSweep } from '../../src/report/readRun.js';
import { SETTINGS, STEPS, tmpDir, writeRunFixture, writeSweepFixture } from './fixtures.js';

describe('readRun', () => {
  it('a killed run: the readable lines, the bad ones by number, a note for the missing summary', () => {
    const fx = writeRunFixture();
    const r = readRun(fx.dir);
    expect(r.metrics.records).toHaveLength(SETTINGS.length * STEPS.length);
    expect(r.metrics.problems.map((p) => p.line)).toEqual([fx.garbageLine, fx.truncatedLine]);
    expect(r.summary).toBeUndefined();
    expect(r.notes).toEqual(['summary.json is missing: the run is still going, or was killed before it could write one']);
    expect(r.images).toEqual(['estimate.png']);
    expect(r.run?.seed).toBe(7);
  });

  it('an unreadable JSON file is a note naming it, not an exception', () => {
    const fx = writeRunFixture({ killed: false });
    writeFileSync(join(fx.dir, 'config.json'), '{"name": "fix');
    const r = readRun(fx.dir);
    expect(r.config).toBeUndefined();
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toMatch(/^config\.json could not be read: /);
    expect(r.summary?.status).toBe('completed');
  });
});

describe('readSweep', () => {
  it('links cells relative to the sweep, so a moved sweep directory still works', () => {
    const dir = writeSweepFixture();
    const moved = `${dir}-moved`;
    renameSync(dir, moved);
    const s = readSweep(moved);
    expect(s.cells.map((c) => [c.label, c.seed, c.status, c.relDir])).toEqual([
      ['beta=0', 0, 'completed', 'cells/beta=0-s0'],
      ['beta=0', 1, 'completed', 'cells/beta=0-s1'],
      ['beta=1', 0, 'completed', 'cells/beta=1-s0'],
      ['beta=1', 1, 'completed', 'cells/beta=1-s1'],
    ]);
    expect(s.notes).toEqual([]);
  });
});

describe('findRuns', () => {
  it('finds runs and sweeps (not the sweep cells), newest first, and tells run from sweep', () => {
    const root = tmpDir('find');
    const old = writeRunFixture({ killed: false, dir: join(root, 'a', '20261125-090000-s0'), startedAt: '2026-11-25T09:00:00.000Z' }).dir;
    writeRunFixture({ dir: join(root, 'b', '20261125-120000-s1'), startedAt: '2026-11-25T12:00:00.000Z' });
    mkdirSync(join(root, 'c'));
    renameSync(writeSweepFixture(), join(root, 'c', 'sweep-20261125-100000-s0'));
    mkdirSync(join(root, 'empty-dir'));
    expect([isRunDir(old), isSweepDir(old), isSweepDir(join(root, 'c', 'sweep-20261125-100000-s0'))]).toEqual([true, false, true]);
    const found = findRuns(root);
    // runs are dated by run.json's startedAt (12:00, 09:00), the sweep by its id (10:00)
    expect(found.map((e) => [e.kind, e.relDir, e.status])).toEqual([
      ['run', 'b/20261125-120000-s1', 'no summary (running or killed)'],
      ['sweep', 'c/sweep-20261125-100000-s0', '4/4 cells completed'],
      ['run', 'a/20261125-090000-s0', 'completed'],
    ]);
    rmSync(root, { recursive: true });
  });
});
