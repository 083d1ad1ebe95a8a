/**
 * `infobound validate` and `infobound schema` through the real command line: a broken file gives
 * one line naming the field (exit 2), a good one "ok" (exit 0); `schema` prints the committed
 * schema/experiment.schema.json.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BROKEN_FILES } from '../fixtures/brokenExperiments.js';

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, INFOBOUND_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe.concurrent('infobound validate and schema', { timeout: 100_000 }, () => {
  it('each broken file: exactly one line, naming the file and the field; exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'infobound-validate-'));
    const files = BROKEN_FILES.map((b, i) => {
      const f = join(dir, `broken-${i}.json`);
      writeFileSync(f, b.text);
      return f;
    });
    const r = await cli(['validate', ...files]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(BROKEN_FILES.length);
    for (const [i, b] of BROKEN_FILES.entries()) {
      expect(lines[i]).toContain(files[i]);
      expect(lines[i]).toMatch(b.line);
    }
  });
  it('every shipped experiment (by name, as `run` takes it): "ok", exit 0', async () => {
    const names = readdirSync('experiments')
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''));
    const r = await cli(['validate', ...names]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual(names.map((n) => expect.stringMatching(new RegExp(`experiments/${n}\\.json: ok$`))));
  });
  it('no file: the usage line, exit 2', async () => {
    const r = await cli(['validate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^infobound: usage: infobound validate <experiment\.json>/);
  });
  it('schema prints schema/experiment.schema.json', async () => {
    const r = await cli(['schema']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync('schema/experiment.schema.json', 'utf8'));
  });
});
