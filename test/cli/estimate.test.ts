/**
 * `infobound estimate` as a user meets it: a subprocess on files written out from a known-MI task.
 * The same data as .npy and as .csv give the same numbers; --json prints one JSON object; --out
 * writes a run directory; every bad input is one line on stderr, exit 2, and nothing written.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { knownMiTask } from '../../src/data/knownMi.js';
import { writeNpy } from '../../src/io/npy.js';
import { Rng } from '../../src/util/rng.js';

const env = { ...process.env, INFOBOUND_BACKEND: 'wasm' };
/** Runs the CLI without blocking this worker's event loop (spawnSync would stall vitest's RPC on a loaded machine). */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'estimate', ...args], { env });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'infobound-estimate-'));
const p = (f: string) => join(dir, f);
// X ∈ ℝ¹, Y ∈ ℝ², every pair correlated 0.6
const task = knownMiTask({ kind: 'gaussian-dense', dimX: 1, dimY: 2, correlation: 0.6 });
const s = task.sample(400, new Rng(11));
writeNpy(p('x.npy'), s.x, [400, 1]);
writeNpy(p('y.npy'), s.y, [400, 2]);
// String(v) is JavaScript's shortest round-trip form: the CSV holds exactly the float64 values
writeFileSync(p('xy.csv'), 'x,y1,y2\n' + Array.from({ length: 400 }, (_, i) => `${s.x[i]},${s.y[2 * i]},${s.y[2 * i + 1]}`).join('\n') + '\n');
const fast = ['--steps', '40', '--eval-every', '20', '--critic', '{"kind":"concat","hidden":[16]}'];

describe('infobound estimate', () => {
  it('npy and csv files of the same data give identical numbers for the same seed; --json is one JSON object on stdout', async () => {
    const a = await cli([p('x.npy'), p('y.npy'), ...fast, '--json']);
    const b = await cli([p('xy.csv'), '--x-cols', '0', '--y-cols', '1:3', ...fast, '--json']);
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    expect(a.stdout.trim().split('\n')).toHaveLength(1);
    const ra = JSON.parse(a.stdout),
      rb = JSON.parse(b.stdout);
    expect(ra.estimate).toBe(rb.estimate);
    expect(ra.perSeed[0].curves).toEqual(rb.perSeed[0].curves);
    expect(ra).toMatchObject({ nTrain: 200, nTest: 200, estimator: 'mine', inputs: { x: { shape: [400, 1] }, y: { shape: [400, 2] } } });
    expect(typeof ra.estimate).toBe('number');
  });

  it('prints a readable result, and with --out writes config, metrics, summary and the curve PNG', async () => {
    const out = p('runs');
    const r = await cli([p('x.npy'), p('y.npy'), ...fast, '--seeds', '2', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^I\(X; Y\) ≈ -?\d+\.\d{3} ± \d+\.\d{3} nats \(-?\d+\.\d{3} bits\), held-out mine estimate over 2 seeds/);
    const [run] = readdirSync(join(out, 'estimate'));
    const rd = join(out, 'estimate', run);
    expect(readdirSync(rd).sort()).toEqual(['config.json', 'curves.png', 'metrics.jsonl', 'run.json', 'summary.json']);
    const summary = JSON.parse(readFileSync(join(rd, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('completed');
    expect(summary.metrics.nTest).toBe(200);
    const lines = readFileSync(join(rd, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4); // 2 evaluations × 2 seeds
    expect(lines[0]).toMatchObject({ seed: 0, step: 20 });
  });

  it('Ctrl-C stops after the current step: exit 130, the result so far, an interrupted summary', async () => {
    const out = p('interrupted');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'estimate', p('x.npy'), p('y.npy'), '--steps', '1000000', '--patience', 'none', '--out', out],
      { env },
    );
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    // wait until training runs (the progress label on stderr), then interrupt
    await new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => d.toString().includes('seed 1/1') && resolve()));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    expect(stdout).toMatch(/interrupted: the numbers cover the training done before Ctrl-C/);
    const [run] = readdirSync(join(out, 'estimate'));
    expect(JSON.parse(readFileSync(join(out, 'estimate', run, 'summary.json'), 'utf8')).status).toBe('interrupted');
  });

  describe('bad input: one line on stderr, exit 2, nothing written', () => {
    const write = (name: string, text: string) => (writeFileSync(p(name), text), p(name));
    const fx = (f: string) => join('test/fixtures/npy', f);
    it.each([
      ['row counts differ', () => [p('x.npy'), write('short.csv', '1,2\n3,4\n5,6\n')], /row counts differ: .*x\.npy has 400 rows, .*short\.csv has 3/],
      ['NaN', () => [p('x.npy'), write('nan.csv', 'a\n1\n2\nnan\n')], /nan\.csv: NaN at row 3 \(line 4\), column 1; expected finite numbers/],
      ['Inf in .npy', () => [fx('f8_nan.npy'), fx('f8_nan.npy')], /f8_nan\.npy: NaN at row 2, column 2/],
      [
        'non-numeric CSV cell',
        () => [write('text.csv', '1,2\n3,oops\n4,5\n'), '--x-cols', '0', '--y-cols', '1'],
        /text\.csv line 2, column 2: "oops" is not a number/,
      ],
      ['unsupported npy dtype', () => [fx('complex_1d.npy'), p('y.npy')], /complex_1d\.npy: unsupported npy dtype "<c16"/],
      ['Fortran order', () => [fx('fortran_2d.npy'), p('y.npy')], /fortran_2d\.npy: Fortran-order \(column-major\) arrays are not supported/],
      ['empty file', () => [write('empty.csv', ''), p('y.npy')], /empty\.csv has no data rows/],
      ['1-row file', () => [write('one.csv', '1\n'), write('one-b.csv', '2\n')], /one\.csv has 1 data row; at least 2 are needed/],
      ['ragged JSON', () => [write('ragged.json', '[[1,2],[3]]'), p('y.npy')], /ragged\.json: ragged array: row 2 has 1 value, expected 2 \(as row 1\)/],
      ['one file without columns', () => [p('xy.csv')], /with one file .*xy\.csv.*give both --x-cols and --y-cols/],
      ['a bad flag value', () => [p('x.npy'), p('y.npy'), '--test-fraction', '1.5'], /--test-fraction must be in \(0, 1\), got 1\.5/],
      ['an unknown estimator', () => [p('x.npy'), p('y.npy'), '--estimator', 'mien'], /estimator\.kind: unknown estimator "mien"/],
    ])('%s', async (_name, args, message) => {
      const out = p(`out-${_name.replace(/\W+/g, '-')}`);
      const r = await cli([...(args() as string[]), '--out', out]);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
      expect(existsSync(out)).toBe(false);
    });
  });
});
