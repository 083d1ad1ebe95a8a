/** Sweeps as a user runs them: the plan checked before anything is created, cells as child processes, the comparison. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareCells, comparedMetrics, parseGridArg, validatePlan, type SweepCell } from '../../src/experiments/sweep.js';

const TINY_GAN = {
  name: 'sw',
  task: 'gan',
  steps: 20,
  logEvery: 10,
  batchSize: 16,
  data: { kind: 'grid', side: 2, spacing: 2, std: 0.1 },
  generator: { hidden: [8] },
  discriminator: { hidden: [8] },
  mi: { beta: 1, critic: { kind: 'concat', hidden: [8] } },
  evaluation: { every: 20, samples: 100, snapshots: [20] },
};
const TINY_MI = {
  name: 'tiny-mi',
  task: 'mi-benchmark',
  seed: 0,
  steps: 50,
  logEvery: 25,
  batchSize: 32,
  data: { kind: 'gaussian', dim: 1, rho: 0.5 },
  critic: { kind: 'concat', hidden: [8] },
  optimizer: { kind: 'adam', learningRate: 0.001 },
  estimators: ['mine'],
  evaluation: { skip: 10 },
};

function setup(exp: object): { dir: string; file: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ib-sweep-'));
  const file = join(dir, 'exp.json');
  writeFileSync(file, JSON.stringify(exp));
  return { dir, file, out: join(dir, 'out') };
}

const cliArgs = (args: string[]) => ['--import', 'tsx', 'src/cli/main.ts', ...args];
const env = { ...process.env, INFOBOUND_BACKEND: 'wasm' };
/** The CLI in a child process (asynchronously: a blocked test worker misses vitest's heartbeats). */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, cliArgs(args), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The one sweep directory under out/<experiment>/. */
const sweepDir = (out: string, name: string) => join(out, name, readdirSync(join(out, name))[0]);
const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

describe('grid arguments', () => {
  it('maps GAN aliases to config paths and types the values', () => {
    expect(parseGridArg('beta=0,0.5,1', 'gan')).toEqual({ key: 'beta', path: 'mi.beta', values: [0, 0.5, 1] });
    expect(parseGridArg('estimator=mine,eta-mine', 'gan').values).toEqual(['mine', 'eta-mine']);
    expect(parseGridArg('estimator=mine,nwj', 'mi-benchmark')).toMatchObject({ path: 'estimators', values: [['mine'], ['nwj']] });
  });
  it('rejects a malformed grid naming it', () => {
    expect(() => parseGridArg('beta:0,1', 'gan')).toThrow('--grid "beta:0,1": expected key=value1,value2,… (e.g. beta=0,0.5,1)');
  });
  it('rejects an empty value naming its position', () => {
    expect(() => parseGridArg('estimator=mine,,remine', 'mi-benchmark')).toThrow('--grid estimator=mine,,remine: value 2 is empty');
  });
});

describe('the plan is checked against the experiment before anything is created', () => {
  const plan =
    (...grid: string[]) =>
    () =>
      validatePlan({ raw: { ...TINY_GAN }, grid: grid.map((g) => parseGridArg(g, 'gan')), seeds: [0] });
  it('names an unknown grid key', () => {
    expect(plan('foo=1,2')).toThrow('--grid foo=1: foo: unknown key; expected one of');
  });
  it('names the grid key and value the experiment rejects', () => {
    expect(plan('beta=0,x')).toThrow('--grid beta=x: mi.beta must be a finite number, got "x"');
    expect(plan('estimator=mine,bogus')).toThrow('--grid estimator=bogus: mi.estimator.kind: unknown estimator "bogus"');
  });
  it('refuses a key given twice', () => {
    expect(plan('beta=0', 'beta=1')).toThrow('--grid beta is given twice');
  });
});

describe('comparison over seeds', () => {
  it('gives mean ± population std per metric and lists failed seeds', () => {
    const cell = (seed: number, modes?: number): SweepCell => ({
      index: seed,
      label: 'beta=1',
      seed,
      overrides: [{ path: 'mi.beta', value: 1 }],
      dir: '',
      status: modes === undefined ? 'failed' : 'completed',
      error: modes === undefined ? 'boom' : undefined,
      metrics: modes === undefined ? undefined : { modes },
    });
    const [row] = compareCells([{ key: 'beta', path: 'mi.beta', values: [1] }], [cell(0, 24), cell(1, 25), cell(2)]);
    expect(row.metrics.modes).toEqual({ mean: 24.5, std: 0.5, n: 2 });
    expect(row.failed).toEqual([{ seed: 2, error: 'failed: boom' }]);
  });
  it("drops an estimator cell's own prefix so that every estimator's bias shares one column (other prefixes stay)", () => {
    expect(comparedMetrics({ 'mine.bias': -0.1, 'mine.mse': 0.2, 'ksg(k=3,n=100).bias': 0.01, 'mine(reg=0.1).bias': 1 }, 'mine')).toEqual({
      bias: -0.1,
      mse: 0.2,
      'ksg(k=3,n=100).bias': 0.01,
      'mine(reg=0.1).bias': 1,
    });
  });
});

describe('infobound sweep (local executor)', () => {
  it('runs beta × seeds in parallel child processes and writes the comparison', async () => {
    const { file, out } = setup(TINY_GAN);
    const r = await cli(['sweep', file, '--grid', 'beta=0,1', '--seeds', '2', '--parallel', '2', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/sweep: 4\/4 cells completed/);
    const dir = sweepDir(out, 'sw');
    const cmp = readJson(join(dir, 'comparison.json'));
    expect(cmp.rows.map((x: { cell: string; seeds: number }) => [x.cell, x.seeds])).toEqual([
      ['beta=0', 2],
      ['beta=1', 2],
    ]);
    expect(cmp.rows[1].metrics.modes.n).toBe(2);
    expect(readFileSync(join(dir, 'comparison.md'), 'utf8')).toMatch(/\| beta \| seeds ok \|/);
    expect(readdirSync(dir).some((f) => f.startsWith('comparison-') && f.endsWith('.png'))).toBe(true);
  });

  it('puts the estimators of an MI benchmark side by side: one row per estimator, one column per metric', async () => {
    const { file, out } = setup(TINY_MI);
    const r = await cli(['sweep', file, '--grid', 'estimator=mine,nwj', '--parallel', '2', '--out', out]);
    expect(r.status).toBe(0);
    const dir = sweepDir(out, 'tiny-mi');
    const rows = readJson(join(dir, 'comparison.json')).rows as { cell: string; metrics: Record<string, unknown> }[];
    expect(rows.map((x) => [x.cell, Object.keys(x.metrics)])).toEqual([
      ['estimator=mine', ['bias', 'mse', 'variance']],
      ['estimator=nwj', ['bias', 'mse', 'variance']],
    ]);
    expect(readFileSync(join(dir, 'comparison.md'), 'utf8')).toMatch(/\| estimator \| seeds ok \| bias \| mse \| variance \|/);
    // one chart per metric, each with a bar per estimator
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.png'))
        .sort(),
    ).toEqual(['comparison-bias.png', 'comparison-mse.png', 'comparison-variance.png']);
  });

  it('exits 1 when a cell fails, and still compares the others', async () => {
    const { file, out } = setup(TINY_MI);
    // a learning rate of 1e30 turns the estimate into NaN at once: that cell fails at run time
    const r = await cli(['sweep', file, '--grid', 'optimizer.learningRate=0.001,1e30', '--parallel', '2', '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/sweep: 1\/2 cells completed/);
    const rows = readJson(join(sweepDir(out, 'tiny-mi'), 'comparison.json')).rows;
    expect(rows[0]).toMatchObject({ seeds: 1, failed: [] });
    expect(rows[1].seeds).toBe(0);
    expect(rows[1].failed[0].error).toMatch(/^failed: training produced NaN/);
  });

  it('rejects a bad grid value with one line and exit 2, leaving no sweep directory', async () => {
    const { file, out } = setup(TINY_MI);
    const r = await cli(['sweep', file, '--grid', 'estimator=mine,bogus', '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^infobound: --grid estimator=bogus: estimators\[0\]\.kind: unknown estimator "bogus"; expected one of [^\n]*$/);
    expect(existsSync(out)).toBe(false);
  });
});

/** Starts a sweep as a child process and resolves once every one of its cells has started its run (run.json). */
function startSweep(args: string[], cellsDirGlob: { out: string; name: string; cells: number }) {
  const child = spawn(process.execPath, cliArgs(args), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const running = (async () => {
    for (let i = 0; i < 1200; i++) {
      const base = join(cellsDirGlob.out, cellsDirGlob.name);
      const cellsDir = existsSync(base) && readdirSync(base).length ? join(sweepDir(cellsDirGlob.out, cellsDirGlob.name), 'cells') : '';
      if (cellsDir && existsSync(cellsDir) && readdirSync(cellsDir).filter((c) => existsSync(join(cellsDir, c, 'run.json'))).length >= cellsDirGlob.cells)
        return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the cells did not start: ${stderr}`);
  })();
  return { child, exited, running, output: () => ({ stdout, stderr }) };
}

describe('a signal to a local sweep', () => {
  it('SIGTERM is forwarded to the running cells, which are recorded as interrupted; exit 143', async () => {
    const { file, out } = setup({ ...TINY_MI, steps: 100_000 });
    const s = startSweep(['sweep', file, '--grid', 'estimator=mine', '--out', out], { out, name: 'tiny-mi', cells: 1 });
    await s.running;
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(143);
    const dir = sweepDir(out, 'tiny-mi');
    expect(readJson(join(dir, 'sweep.json')).cells.map((c: SweepCell) => c.status)).toEqual(['interrupted']);
    expect(readJson(join(dir, 'comparison.json')).rows[0].failed[0].error).toMatch(/^interrupted/);
    expect(s.output().stderr).toMatch(/SIGTERM: stopping the sweep/);
  });

  it('after SIGINT, `status` names the interrupted cells and `resume` completes them', async () => {
    // 400 steps: a few seconds per cell, long enough to be stopped mid-run
    const { file, out } = setup({ ...TINY_MI, steps: 400 });
    const s = startSweep(['sweep', file, '--grid', 'estimator=mine', '--seeds', '2', '--parallel', '2', '--out', out], { out, name: 'tiny-mi', cells: 2 });
    await s.running;
    s.child.kill('SIGINT');
    expect(await s.exited).toBe(130);
    const dir = sweepDir(out, 'tiny-mi');
    const st = await cli(['sweep', 'status', dir]);
    expect(st.status).toBe(1);
    expect(st.stdout).toMatch(/estimator=mine seed 0\s+interrupted/);
    expect(st.stdout).toMatch(/estimator=mine seed 1\s+interrupted/);
    const r = await cli(['sweep', 'resume', dir]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/running 2 of 2 cells again/);
    expect(readJson(join(dir, 'sweep.json')).cells.map((c: SweepCell) => c.status)).toEqual(['completed', 'completed']);
    expect(readdirSync(join(dir, 'attempts')).sort()).toEqual(['estimator=mine-s0.1', 'estimator=mine-s1.1']);
    expect(readJson(join(dir, 'comparison.json')).rows[0].seeds).toBe(2);
  });
});
