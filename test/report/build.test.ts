import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/validate.js';
import { buildReport } from '../../src/report/build.js';
import { tmpDir, writeRunFixture, writeSweepFixture } from './fixtures.js';

const noTmpFiles = (dir: string) =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.includes('.tmp-'));

describe('buildReport', () => {
  it('a run directory: index.html and the tfjs-vis bundle next to it, nothing half-written', () => {
    const { dir } = writeRunFixture({ killed: false });
    const r = buildReport(dir);
    expect(r.kind).toBe('run');
    expect(r.page).toBe(join(dir, 'index.html'));
    const bundle = join(dir, 'report-assets', 'tfjs-vis.umd.min.js');
    // the page works offline: the UMD bundle is copied whole (about 1.2 MB for tfjs-vis 1.5.1)
    expect(statSync(bundle).size).toBe(statSync(join('node_modules', '@tensorflow', 'tfjs-vis', 'dist', 'tfjs-vis.umd.min.js')).size);
    expect(readFileSync(r.page, 'utf8')).toMatch(/^<!doctype html>/);
    expect(noTmpFiles(dir)).toEqual([]);
  });

  it('a sweep directory: its page (with the tfjs-vis bundle), one page per cell', () => {
    const dir = writeSweepFixture();
    const r = buildReport(dir);
    expect(r.kind).toBe('sweep');
    for (const cell of ['beta=0-s0', 'beta=0-s1', 'beta=1-s0', 'beta=1-s1']) {
      const html = readFileSync(join(dir, 'cells', cell, 'index.html'), 'utf8');
      // a cell's page draws its charts as inline SVG: no script, no bundle of its own
      expect(html).toContain('<div class="chart" data-chart-id="train/dLoss"');
      expect(html).not.toContain('tfjs-vis');
      expect(html).toContain('<a href="../../index.html">← the sweep ');
      expect(existsSync(join(dir, 'cells', cell, 'report-assets'))).toBe(false);
    }
    expect(existsSync(join(dir, 'report-assets', 'tfjs-vis.umd.min.js'))).toBe(true);
  });

  it('an outputs directory: an index of the runs and sweeps under it, newest first', () => {
    const root = tmpDir('outputs');
    writeRunFixture({ killed: false, dir: join(root, 'fixture', '20261125-100000-s7') });
    const sweep = writeSweepFixture();
    mkdirSync(join(root, 'gan-fixture'));
    renameSync(sweep, join(root, 'gan-fixture', 'sweep-20261125-110000-s0'));
    const r = buildReport(root);
    expect(r.kind).toBe('index');
    const html = readFileSync(r.page, 'utf8');
    const links = [...html.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]);
    // newest first; the sweep's cells are part of the sweep, not runs of their own; no report yet → the directory
    expect(links).toEqual(['gan-fixture/sweep-20261125-110000-s0/', 'fixture/20261125-100000-s7/']);
    expect(html).toContain('mine.bias -0.25');
    expect(html).toContain('beta ∈ {0, 1}; seeds 0, 1');
    expect(html).toContain('4/4 cells completed');
  });

  it('a missing directory or one without runs is an error naming it', () => {
    expect(() => buildReport('/nonexistent/runs')).toThrow(ConfigError);
    expect(() => buildReport('/nonexistent/runs')).toThrow(/\/nonexistent\/runs is not a directory/);
    expect(() => buildReport(tmpDir('empty'))).toThrow(/no run or sweep directories under/);
  });
});
