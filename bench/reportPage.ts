/**
 * How long a report page takes for a run the size of the full MI staircase (mi-staircase-20d:
 * 9 estimators × 20,000 steps logged every 20 = 9,000 metrics.jsonl lines of 10 metrics): time to
 * build index.html, its size, and time until headless Chromium has drawn every chart.
 *
 *   npx tsx bench/reportPage.ts [--estimators 9] [--steps 20000] [--log-every 20]
 *
 * The log is synthetic (deterministic curves, no training): the page's cost depends only on its shape.
 */
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { RunDir } from '../src/io/runDir.js';
import { buildReport } from '../src/report/build.js';

const { values } = parseArgs({ options: { estimators: { type: 'string' }, steps: { type: 'string' }, 'log-every': { type: 'string' } } });
const nEst = Number(values.estimators ?? 9),
  steps = Number(values.steps ?? 20_000),
  every = Number(values['log-every'] ?? 20);
const dir = mkdtempSync(join(tmpdir(), 'infobound-report-bench-'));
const out = new RunDir(dir);
out.writeJson('run.json', { experiment: 'report-bench', task: 'mi-benchmark', seed: 0, startedAt: new Date().toISOString() });
out.writeJson('config.json', { name: 'report-bench', steps, logEvery: every });
let lines = 0;
for (let e = 0; e < nEst; e++) {
  for (let step = 0; step < steps; step += every) {
    // the staircase: true MI 2, 4, …, 10 nats in five equal stretches
    const trueMI = 2 * (1 + Math.floor((5 * step) / steps));
    const est = trueMI * (0.6 + 0.04 * e) + 0.3 * Math.sin(step / 97 + e);
    out.appendMetrics({
      setting: 'default',
      estimator: `est${e}`,
      step,
      estimate: est,
      mi: est,
      jointTerm: est + 1,
      marginalTerm: 1,
      logMeanExpMarginal: 1,
      regularizer: 0,
      loss: -est,
      macro: est,
      micro: est,
      trueMI,
    });
    lines++;
  }
}
let t = performance.now();
const { page } = buildReport(dir);
const buildMs = performance.now() - t;
console.log(`${lines} metrics lines (${nEst} estimators × ${steps / every} logged steps)`);
console.log(`build: ${buildMs.toFixed(0)} ms, index.html ${(statSync(page).size / 1e6).toFixed(2)} MB`);

const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.log(`render: skipped (${CHROMIUM} not installed)`);
} else {
  const { chromium } = await import('playwright-core');
  const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: 1280, height: 900 },
  });
  const p = await ctx.newPage();
  t = performance.now();
  await p.goto(pathToFileURL(page).href, { waitUntil: 'commit', timeout: 300_000 });
  await p.waitForFunction(() => document.body.dataset.charts !== 'pending', null, { timeout: 300_000 });
  const status = await p.evaluate(() => document.body.dataset.charts);
  console.log(`render: charts ${status} after ${(performance.now() - t).toFixed(0)} ms (load to last chart drawn)`);
  await ctx.close();
}
console.log(`page: ${page}`);
