/**
 * What a new user does: `npm pack`, install the tarball into a fresh npm project, type-check the
 * README's examples against the installed .d.ts with tsc, and run each with tiny step counts.
 * Needs the npm registry (for the project's own dependencies). Where the install cannot reach it,
 * the test is skipped with a message; INFOBOUND_REQUIRE_PACK=1 (set by CI) makes that a failure.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const EXAMPLES = ['ib-classifier.ts', 'minegan.ts', 'remove-nuisance.ts'];
/** Runs a command without blocking the test worker's event loop (vitest talks to it meanwhile). */
function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  timeout = 600_000,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env } });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolveRun({ status, stdout, stderr });
    });
  });
}
const npm = (args: string[], cwd: string) =>
  run('npm', args, cwd, { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' });

describe('the packed package in a fresh project', () => {
  it('installs, type-checks the examples against its .d.ts, and runs each of them', { timeout: 1_200_000 }, async () => {
    const work = mkdtempSync(join(tmpdir(), 'infobound-pack-'));
    const packed = await npm(['pack', '--pack-destination', work, '--silent'], ROOT);
    expect(packed.status, packed.stderr).toBe(0);
    const tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
    const project = join(work, 'user-project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
    const installed = await npm(['install', tarball, 'typescript@5', 'tsx@4', '@types/node@22'], project);
    if (installed.status !== 0) {
      const msg = `npm install from the registry failed (${(installed.stderr || '').split('\n').find((l) => /ERR|error/.test(l)) ?? installed.status})`;
      if (process.env.INFOBOUND_REQUIRE_PACK === '1') throw new Error(msg);
      console.warn(`skipped: ${msg}`);
      return;
    }
    for (const f of [...EXAMPLES, 'tsconfig.json']) copyFileSync(join(ROOT, 'examples', f), join(project, f));
    const tsc = await run(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', project], project);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
    const example = (file: string, steps: number) => run(process.execPath, ['--import', 'tsx', file, String(steps)], project, { INFOBOUND_BACKEND: 'wasm' });
    const ib = await example('ib-classifier.ts', 5);
    expect(ib.status, ib.stderr).toBe(0);
    expect(ib.stdout).toMatch(/test accuracy \(z = f\(x\), no noise\): \d+\.\d %/);
    const gan = await example('minegan.ts', 20);
    expect(gan.status, gan.stderr).toBe(0);
    expect(gan.stdout).toMatch(/modes with ≥ 20 of 2,500 samples: \d+\/25/);
    const nuisance = await example('remove-nuisance.ts', 20);
    expect(nuisance.status, nuisance.stderr).toBe(0);
    expect(nuisance.stdout).toMatch(/I\(Z; S\): without the regularizer -?\d\.\d{3} → with it -?\d\.\d{3} nats/);
    // the installed command line works too
    const cli = await run(join(project, 'node_modules/.bin/infobound'), ['help'], project);
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/infobound run/);
  });
});
