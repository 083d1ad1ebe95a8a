/**
 * The CLI under interruption, divergence and misuse (issue 13), each case through the real command
 * line in a child process: its exit code, what it prints (one line, no stack trace, naming the flag,
 * field or path) and what it leaves on disk. Runs are tiny (--steps / --set) so each takes seconds.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
  /** ms from the signal (when one was sent) to the exit. */
  afterSignalMs?: number;
}

interface RunOpts {
  env?: Record<string, string>;
  /** send these signals (in order, `gapMs` apart) once stderr matches `when`. */
  signal?: { when: RegExp; send: NodeJS.Signals[]; gapMs?: number };
  uid?: number;
}

/** `infobound …` as a user runs it (from the repository, under tsx), on the wasm backend. */
function cli(args: string[], o: RunOpts = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, INFOBOUND_BACKEND: 'wasm', INFOBOUND_DEBUG: '', ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(o.uid !== undefined ? { uid: o.uid, gid: o.uid } : {}),
    });
    let stdout = '';
    let stderr = '';
    let signalledAt: number | null = null;
    const kill = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (o.signal && signalledAt === null && o.signal.when.test(stderr)) {
        signalledAt = performance.now();
        o.signal.send.forEach((s, i) => setTimeout(() => child.kill(s), i * (o.signal!.gapMs ?? 0)));
      }
    });
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(kill);
      resolve({ status, stdout, stderr, ...(signalledAt !== null ? { afterSignalMs: performance.now() - signalledAt } : {}) });
    });
  });
}

const tmp = () => mkdtempSync(join(tmpdir(), 'infobound-rel-'));
const json = (dir: string, name: string, v: unknown) => {
  const p = join(dir, `${name}.json`);
  writeFileSync(p, JSON.stringify(v));
  return p;
};
const NO_TRACE = /\n\s+at /;
const runDirs = (out: string, exp: string) => (existsSync(join(out, exp)) ? readdirSync(join(out, exp)).map((d) => join(out, exp, d)) : []);
const summaryOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
const metricsLines = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

/** A one-line user error: exit 2, `infobound: <message>`, no stack trace, nothing written under `out`. */
async function expectUserError(args: string[], message: RegExp, out?: string, o: RunOpts = {}) {
  const r = await cli(args, o);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(NO_TRACE);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.status).toBe(2);
  if (out) expect(existsSync(out)).toBe(false);
  return r;
}

const tinyMi = {
  task: 'mi-benchmark',
  steps: 40,
  logEvery: 10,
  batchSize: 16,
  data: { kind: 'gaussian', dim: 1, rho: 0.5 },
  critic: { kind: 'concat', hidden: [8] },
  estimators: ['mine'],
};
const tinyGan = {
  task: 'gan',
  steps: 50,
  logEvery: 10,
  batchSize: 32,
  data: { kind: 'grid' },
  generator: { hidden: [16] },
  discriminator: { hidden: [16] },
  mi: { beta: 0 },
  evaluation: { samples: 200, every: 50 },
};
/** IB on 400 digits, 8 steps an epoch: an epoch takes a fraction of a second. */
const tinyIb = (epochs: number) => ({
  task: 'ib',
  epochs,
  batchSize: 50,
  logEvery: 4,
  data: { kind: 'embedded', trainSize: 1000, testSize: 400, classes: [0, 1], trainLimit: 400, testLimit: 100 },
  encoder: { kind: 'gaussian', hidden: [16], zDim: 4, noiseDim: 4 },
  mi: { beta: 0.001, estimator: 'mine', critic: { kind: 'concat', hidden: [8] } },
  optimizer: { kind: 'adam', learningRate: 0.002 },
  evaluation: { samples: 2 },
});

describe.concurrent('the CLI refuses bad flags with one line naming the flag (exit 2), before writing anything', { timeout: 100_000 }, () => {
  it('--seed -1 (parseArgs would call "-1" an ambiguous option)', async () => {
    const out = join(tmp(), 'out');
    await expectUserError(['run', 'mi-onehot', '--seed', '-1', '--out', out], /^infobound: --seed must be a non-negative integer, got -1$/m, out);
  });
  it('--steps -5', async () => {
    const out = join(tmp(), 'out');
    await expectUserError(['run', 'mi-onehot', '--steps', '-5', '--out', out], /^infobound: --steps must be a positive integer, got -5$/m, out);
  });
  it('an unknown --backend', async () => {
    const out = join(tmp(), 'out');
    await expectUserError(
      ['run', 'mi-onehot', '--backend', 'tpu', '--out', out],
      /--backend: unknown backend "tpu"; expected one of node-gpu, node, wasm, cpu/,
      out,
    );
  });
  it.skipIf(existsSync('node_modules/@tensorflow/tfjs-node'))('a backend that is not installed: the install hint, no trace', async () => {
    const out = join(tmp(), 'out');
    await expectUserError(
      ['run', 'mi-onehot', '--backend', 'node', '--out', out],
      /backend "node" was requested but cannot load: .*To install it: npm install @tensorflow\/tfjs-node@/,
      out,
    );
  });
  it('--out on a file, and under a file', async () => {
    const dir = tmp();
    const file = join(dir, 'a-file');
    writeFileSync(file, 'keep me');
    await expectUserError(['run', 'mi-onehot', '--out', file], /--out .*a-file: is a file; expected a directory/);
    await expectUserError(['run', 'mi-onehot', '--out', join(file, 'sub')], /--out .*a-file\/sub: .*a-file is a file; expected a directory/);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });
  it('--out in a directory the user cannot write (run as nobody when the tests run as root)', async () => {
    const dir = join(tmp(), 'locked');
    mkdirSync(dir);
    chmodSync(dir, 0o555);
    chmodSync(join(dir, '..'), 0o755);
    const uid = process.getuid?.() === 0 ? 65534 : undefined;
    await expectUserError(
      ['run', 'mi-onehot', '--out', join(dir, 'out')],
      /--out .*locked\/out: cannot write in .*locked \(permission denied\)/,
      join(dir, 'out'),
      { uid },
    );
  });
  it('--out /proc/x: refused (a virtual file system), not a hang', async () => {
    const t = performance.now();
    await expectUserError(['run', 'mi-onehot', '--out', '/proc/x'], /--out \/proc\/x: \/proc is on a virtual file system \(proc\)/);
    expect(performance.now() - t).toBeLessThan(60_000);
  });
  it('an unknown command lists every command', async () => {
    const r = await expectUserError(['frobnicate'], /unknown command "frobnicate"; expected one of /);
    for (const c of ['start', 'run', 'sweep', 'estimate', 'suite', 'report', 'eval', 'train-classifier', 'list', 'help']) expect(r.stderr).toContain(c);
  });
  it('an unknown flag', async () => {
    await expectUserError(['run', 'mi-onehot', '--frob'], /Unknown option '--frob'/);
  });
  it('--version prints the package version', async () => {
    const r = await cli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(`infobound ${JSON.parse(readFileSync('package.json', 'utf8')).version}`);
  });
  it('INFOBOUND_DEBUG=1 shows the stack trace of the same error', async () => {
    const r = await cli(['run', 'mi-onehot', '--seed', '-1'], { env: { INFOBOUND_DEBUG: '1' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--seed must be a non-negative integer/);
    expect(r.stderr).toMatch(NO_TRACE);
  });
});

describe.concurrent('configs are checked at load time, naming the field (exit 2, no run directory)', { timeout: 100_000 }, () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'steps: 1e15 (more per-step statistics than memory holds)',
      { ...tinyMi, steps: 1e15 },
      /^infobound: steps: 1000000000000000 needs about [\d.]+ GiB for the per-step estimates/m,
    ],
    [
      'data.dim: 1e7 (a critic larger than memory)',
      { ...tinyMi, data: { kind: 'gaussian', dim: 1e7, rho: 0.5 } },
      /^infobound: data\.dim: 10000000 needs about [\d.]+ GiB for the critic of mine/m,
    ],
    [
      'evaluation.snapshots beyond the run',
      { ...tinyGan, evaluation: { snapshots: [99999] } },
      /^infobound: evaluation\.snapshots: step 99999 is beyond the run's 50 steps$/m,
    ],
    [
      'evaluation.minCount above evaluation.samples',
      { ...tinyGan, evaluation: { samples: 200, minCount: 1e9 } },
      /^infobound: evaluation\.minCount: 1000000000 exceeds evaluation\.samples = 200/m,
    ],
    ['a missing task', { steps: 10 }, /^infobound: task is missing in .*\.json; expected one of mi-benchmark, /m],
  ];
  for (const [what, cfg, message] of cases) {
    it(what, async () => {
      const dir = tmp();
      const out = join(dir, 'out');
      await expectUserError(['run', json(dir, 'cfg', cfg), '--out', out], message, out);
    });
  }
  it('--steps together with --set steps=… is refused (which should win?), before anything is written', async () => {
    const dir = tmp();
    await expectUserError(
      ['run', json(dir, 'ok', tinyMi), '--steps', '30', '--set', 'steps=20000', '--out', join(dir, 'out')],
      /^infobound: --steps and --set steps=… both give the number of training steps; use one of them$/m,
      join(dir, 'out'),
    );
  });
  it('a number JSON cannot hold (1e999) is reported as written, in a file and in --set', async () => {
    const dir = tmp();
    const p = join(dir, 'inf.json');
    writeFileSync(p, JSON.stringify(tinyMi).replace('"steps":40', '"steps":1e999'));
    await expectUserError(['run', p, '--out', join(dir, 'out')], /^infobound: steps: got 1e999 \(not a finite number\) in .*inf\.json$/m, join(dir, 'out'));
    await expectUserError(
      ['run', json(dir, 'ok', tinyMi), '--set', 'data.rho=-1e999', '--out', join(dir, 'out')],
      /^infobound: --set data\.rho: got -1e999 \(not a finite number\)$/m,
      join(dir, 'out'),
    );
  });
});

describe.concurrent('divergence, failures and finished runs', { timeout: 100_000 }, () => {
  it('one diverging estimator is stopped and recorded; the others run to the end; exit 1', async () => {
    // SGD at lr 10 on 1-D Gaussians: MINE's critic runs off within a few steps, SMILE's clipped one does not
    const dir = tmp();
    const out = join(dir, 'out');
    const cfg = {
      ...tinyMi,
      name: 'three',
      steps: 60,
      optimizer: { kind: 'sgd', learningRate: 10 },
      estimators: ['smile', 'mine', { kind: 'smile', clip: 2 }],
    };
    const r = await cli(['run', json(dir, 'three', cfg), '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/estimator mine: diverged at step \d+ \(\w+ = /);
    expect(r.stderr).not.toMatch(NO_TRACE);
    const [run] = runDirs(out, 'three');
    const s = summaryOf(run);
    expect(s.status).toBe('completed-with-failures');
    expect(s.failures).toEqual([expect.objectContaining({ setting: 'default', estimator: 'mine', quantity: expect.any(String) })]);
    expect(s.rows.map((x: { estimator: string; mean: number | null }) => [x.estimator, x.mean === null])).toEqual([
      ['smile', false],
      ['mine', true],
      ['smile(tau=2)', false],
    ]);
    expect(readFileSync(join(run, 'table.md'), 'utf8')).toMatch(/\| default \| mine \| [\d.]+ \| \*\*diverged\*\* at step \d+/);
    expect(existsSync(join(run, 'estimate.png'))).toBe(true);
  });

  it('a diverging setting of a GAN run is stopped and recorded; the other setting runs to the end; exit 1', async () => {
    // divergenceLimit 1e-9 nats: any MI estimate trips the guard, so the β = 1 setting diverges at
    // its first step, while β = 0 (no MI term, no estimate) trains to the end
    const dir = tmp();
    const out = join(dir, 'out');
    const r = await cli([
      'run',
      json(dir, 'gv', { ...tinyGan, name: 'gv', mi: { beta: 1, critic: { kind: 'concat', hidden: [8] } }, vary: { 'mi.beta': [0, 1] }, divergenceLimit: 1e-9 }),
      '--out',
      out,
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/setting beta=1: diverged at step 0 \((mi|jointTerm) = /);
    const [run] = runDirs(out, 'gv');
    const s = summaryOf(run);
    expect(s.status).toBe('completed-with-failures');
    expect(s.failures).toEqual([expect.objectContaining({ setting: 'beta=1', step: 0 })]);
    expect(typeof s.metrics['beta=0.modes']).toBe('number');
    // the figures of the setting that finished (one setting left: no label suffix)
    expect(s.files).toContain('samples.png');
    expect(existsSync(join(run, 'samples.png'))).toBe(true);
  });

  it('a run that fails before logging anything points only to the files it wrote', async () => {
    const dir = tmp();
    const out = join(dir, 'out');
    const r = await cli(['run', json(dir, 'noidx', { ...tinyIb(1), data: { kind: 'idx', dir: join(dir, 'no-such-dir') } }), '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the partial record is in .* \(summary\.json\)\n/);
    expect(r.stderr).not.toMatch(/metrics\.jsonl/);
  });
});

/**
 * Signals mid-run: after the first progress line, SIGINT (or SIGTERM) stops the run after the
 * current step: exit 130 (143), summary.json "interrupted", metrics.jsonl whole.
 */
describe.concurrent('SIGINT and SIGTERM stop a run after the current step', { timeout: 100_000 }, () => {
  const runs: [string, (dir: string) => string[]][] = [
    ['an MI benchmark', () => ['run', 'mi-onehot', '--steps', '200000', '--set', 'vary={}']],
    ['a GAN', (dir) => ['run', json(dir, 'gan', { ...tinyGan, name: 'gan' }), '--steps', '200000', '--set', 'evaluation.every=200000']],
    ['an IB', (dir) => ['run', json(dir, 'ib', { ...tinyIb(2000), name: 'ib' }), '--set', 'logEvery=1']],
  ];
  for (const [what, args] of runs) {
    for (const [sig, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      it(`${sig} stops ${what}: exit ${code}, "interrupted", metrics kept`, async () => {
        const dir = tmp();
        const out = join(dir, 'out');
        const r = await cli([...args(dir), '--out', out], { signal: { when: /: \d+ steps\n/, send: [sig] } });
        expect(r.stderr).toMatch(new RegExp(`${sig}: stopping after this step`));
        expect(r.stderr).toMatch(new RegExp(`interrupted \\(${sig}\\): stopped on request at step \\d+`));
        expect(r.status).toBe(code);
        // "within a second" on an idle machine; the bound here allows for a loaded test machine
        expect(r.afterSignalMs).toBeLessThan(15_000);
        const [run] = readdirSync(out).flatMap((e) => runDirs(out, e));
        expect(summaryOf(run).status).toBe('interrupted');
        expect(metricsLines(run).length).toBeGreaterThan(0);
      });
    }
  }
});

describe('--resume and checkpoint.keep', { timeout: 150_000 }, () => {
  it('an IB run interrupted after its first epoch resumes to the end, drops its checkpoint (keep: none), and a second --resume says it is finished (exit 0)', async () => {
    const dir = tmp();
    const out = join(dir, 'out');
    const exp = json(dir, 'ibr', { ...tinyIb(12), name: 'ibr', checkpoint: { keep: 'none' } });
    const first = await cli(['run', exp, '--out', out], { signal: { when: /epoch 1\/12/, send: ['SIGINT'] } });
    expect(first.status).toBe(130);
    const [run] = runDirs(out, 'ibr');
    // interrupted: the checkpoint stays whatever keep says, so the run can go on
    expect(existsSync(join(run, 'checkpoint.bin'))).toBe(true);
    const second = await cli(['run', exp, '--resume', run]);
    expect(second.stderr).toMatch(/resuming setting 1\/1 after epoch \d+/);
    expect(second.status).toBe(0);
    expect(summaryOf(run).status).toBe('completed');
    expect(existsSync(join(run, 'checkpoint.bin'))).toBe(false);
    const third = await cli(['run', exp, '--resume', run]);
    expect(third.status).toBe(0);
    expect(third.stdout).toMatch(/already finished \(completed\); nothing to resume/);
    expect(third.stderr).not.toMatch(/resuming/);
  });
});
