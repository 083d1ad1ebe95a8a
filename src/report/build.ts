/**
 * `infobound report <dir>`: writes index.html into a run directory, a sweep directory (and each of
 * its cells), or — for any other directory, e.g. outputs/ — an index of every run and sweep under
 * it. Files are written through RunDir (temporary name + rename), so a page is never half-written;
 * the tfjs-vis bundle is copied into report-assets/ next to the page so it works offline.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { ConfigError } from '../config/validate.js';
import { RunDir } from '../io/runDir.js';
import { indexPage, runPage, sweepPage } from './html.js';
import { findRuns, isRunDir, isSweepDir, readRun, readSweep } from './readRun.js';

export const ASSETS_DIR = 'report-assets';
const BUNDLE = 'tfjs-vis.umd.min.js';

export interface ReportResult {
  kind: 'run' | 'sweep' | 'index';
  /** the page to open. */
  page: string;
  files: string[];
}

function copyAssets(dir: string): string[] {
  const require = createRequire(import.meta.url);
  const src = require.resolve(`@tensorflow/tfjs-vis/dist/${BUNDLE}`);
  const out = new RunDir(join(dir, ASSETS_DIR));
  const files = [out.write(BUNDLE, readFileSync(src))];
  // the bundle's licence notice travels with it (Apache-2.0 and its dependencies' notices)
  if (existsSync(`${src}.LICENSE.txt`)) files.push(out.write(`${BUNDLE}.LICENSE.txt`, readFileSync(`${src}.LICENSE.txt`)));
  return files;
}

/** Writes the run page; `assets` is the href of the tfjs-vis directory relative to the run directory. */
function writeRunPage(dir: string, assets: string, up?: { href: string; label: string }): string {
  return new RunDir(dir).write('index.html', runPage(readRun(dir), assets, up));
}

export function buildReport(target: string): ReportResult {
  const dir = resolve(target);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new ConfigError(`report: ${target} is not a directory; expected a run directory, a sweep directory or an outputs directory`);
  if (isSweepDir(dir)) {
    const files = copyAssets(dir);
    const sweep = readSweep(dir);
    // each cell gets its own page, sharing the sweep's copy of the bundle
    for (const c of sweep.cells) {
      const cellDir = join(dir, c.relDir);
      if (c.relDir.startsWith('cells') && isRunDir(cellDir))
        files.push(writeRunPage(cellDir, `../../${ASSETS_DIR}`, { href: '../../index.html', label: `the sweep ${sweep.id}` }));
    }
    const page = new RunDir(dir).write('index.html', sweepPage(sweep, ASSETS_DIR));
    return { kind: 'sweep', page, files: [page, ...files] };
  }
  if (isRunDir(dir)) {
    const files = copyAssets(dir);
    const page = writeRunPage(dir, ASSETS_DIR);
    return { kind: 'run', page, files: [page, ...files] };
  }
  const entries = findRuns(dir);
  if (entries.length === 0)
    throw new ConfigError(
      `report: no run or sweep directories under ${target} (a run directory holds run.json, summary.json or metrics.jsonl; a sweep directory holds sweep.json)`,
    );
  const page = new RunDir(dir).write('index.html', indexPage(target, entries));
  return { kind: 'index', page, files: [page] };
}
