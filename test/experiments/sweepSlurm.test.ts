/**
 * The Slurm executor's side of the conversation with Slurm, without a cluster: the job-array
 * script, the parsing of squeue / sacct / scontrol output (lines as Slurm 22.05 prints them), and
 * the CLI against stand-in sbatch/squeue/sacct/scontrol scripts for the errors a user meets
 * (no sbatch, a refused submission, a cell out of time, a cancelled cell) and for `resume`.
 * test/slurm/slurm.test.ts runs the same against a real single-node Slurm.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cellArgs, type SweepRecord } from '../../src/experiments/sweep/plan.js';
import { arraySpec, parseSacct, parseScontrol, parseSqueue, renderScript } from '../../src/experiments/sweep/slurmExecutor.js';

describe('talking to Slurm', () => {
  it('lists the cells to run as an sbatch --array list of ranges', () => {
    expect(arraySpec([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
    expect(arraySpec([3])).toBe('3');
  });

  it('reads array tasks from squeue, sacct and scontrol', () => {
    expect(parseSqueue('1|3|PENDING|Resources\n1|0|RUNNING|None\n')).toEqual(
      new Map([
        ['1_3', { state: 'PENDING', reason: 'Resources', source: 'squeue' }],
        ['1_0', { state: 'RUNNING', reason: undefined, source: 'squeue' }],
      ]),
    );
    // sacct lists a pending remainder as 1_[4-5]: not a task yet
    expect(parseSacct('1_3|TIMEOUT|0:0\n1_1|CANCELLED by 0|0:15\n1_[4-5]|PENDING|0:0\n')).toEqual(
      new Map([
        ['1_3', { state: 'TIMEOUT', exitCode: '0:0', source: 'sacct' }],
        ['1_1', { state: 'CANCELLED', exitCode: '0:15', source: 'sacct' }],
      ]),
    );
    const sc =
      'JobId=3 ArrayJobId=1 ArrayTaskId=1 JobName=j.sh UserId=root(0) JobState=CANCELLED Reason=None Dependency=(null) ExitCode=143:0\nJobId=1 ArrayJobId=1 ArrayTaskId=3 JobName=j.sh JobState=TIMEOUT Reason=TimeLimit ExitCode=0:0\n';
    expect(parseScontrol(sc).get('1_1')).toEqual({ state: 'CANCELLED', reason: 'None', exitCode: '143:0', source: 'scontrol' });
    expect(parseScontrol(sc).get('1_3')?.state).toBe('TIMEOUT');
  });

  it("runs, in each array task, exactly the local executor's command with OPENBLAS_NUM_THREADS = --cpus-per-task", () => {
    const dir = mkdtempSync(join(tmpdir(), 'ib-sbatch-'));
    // a stand-in for node + CLI that prints what it was given
    const rec: SweepRecord = {
      experiment: 'x',
      task: 'gan',
      file: "/data/it's here/x.json",
      grid: [{ key: 'estimator', path: 'mi.estimator', values: ['mine', 'remine'] }],
      seeds: [0],
      steps: 7,
      backend: null,
      parallel: 1,
      executor: 'slurm',
      command: [process.execPath, '-e', 'console.log(JSON.stringify({ argv: process.argv.slice(1), threads: process.env.OPENBLAS_NUM_THREADS }))'],
      cwd: dir,
      createdAt: '',
      slurm: { cpusPerTask: 3, sbatchArgs: [], jobs: [] },
      cells: ['mine', 'remine'].map((e, index) => ({
        index,
        label: `estimator=${e}`,
        seed: 0,
        overrides: [{ path: 'mi.estimator', value: e }],
        dir: join(dir, 'cells', `estimator=${e} $HOME`),
        status: 'pending' as const,
      })),
    };
    const script = join(dir, 'sweep.sbatch');
    writeFileSync(script, renderScript(rec, ['--array=0-1', script]));
    const r = spawnSync('bash', [script], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: '1' } });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ argv: cellArgs(rec, rec.cells[1]), threads: '3' });
    const none = spawnSync('bash', [script], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: '9' } });
    expect([none.status, none.stderr.trim()]).toEqual([2, 'infobound: this sweep has no cell 9']);
  });
});

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

/**
 * Stand-ins for Slurm's commands in bin/: sbatch logs its arguments and prints job ids 77, 78, …
 * (or refuses, with FAKE_REFUSE); squeue shows nothing queued; sacct reports the latest job's
 * cell 0 TIMEOUT and cell 1 CANCELLED (or, with FAKE_NO_ACCOUNTING, fails as it does without
 * slurmdbd, and scontrol answers the same).
 */
function fakeSlurm(): { dir: string; bin: string; file: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ib-fakeslurm-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const script = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  script(
    'sbatch',
    `echo "$@" >> "${dir}/sbatch.log"
if [ -n "$FAKE_REFUSE" ]; then echo "sbatch: error: Batch job submission failed: Invalid partition name specified" >&2; exit 1; fi
n=$(( $(wc -l < "${dir}/sbatch.log") + 76 )); echo "$n"`,
  );
  script('squeue', 'exit 0');
  const job = `j=$(( $(wc -l < "${dir}/sbatch.log") + 76 ))`;
  script(
    'sacct',
    `if [ -n "$FAKE_NO_ACCOUNTING" ]; then echo "Slurm accounting storage is disabled" >&2; exit 1; fi
${job}; printf "\${j}_0|TIMEOUT|0:0\\n\${j}_1|CANCELLED by 0|0:15\\n"`,
  );
  script(
    'scontrol',
    `${job}; printf "JobId=90 ArrayJobId=\${j} ArrayTaskId=0 JobState=TIMEOUT Reason=TimeLimit ExitCode=0:0\\nJobId=91 ArrayJobId=\${j} ArrayTaskId=1 JobState=CANCELLED Reason=None ExitCode=0:15\\n"`,
  );
  const file = join(dir, 'exp.json');
  writeFileSync(file, JSON.stringify(TINY_MI));
  return { dir, bin, file, out: join(dir, 'out') };
}

function cli(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, INFOBOUND_SLURM_POLL_SECONDS: '0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('infobound sweep --executor slurm, against stand-in Slurm commands', () => {
  it('says sbatch is missing, and creates nothing', async () => {
    const f = fakeSlurm();
    const r = await cli(['sweep', f.file, '--grid', 'estimator=mine', '--executor', 'slurm', '--out', f.out], { PATH: join(f.dir, 'empty') });
    expect([r.status, r.stderr.trim()]).toEqual([
      2,
      "infobound: sbatch not found on PATH: --executor slurm runs where Slurm's commands are (a cluster's login node; Debian: apt-get install slurm-client)",
    ]);
    expect(existsSync(f.out)).toBe(false);
  });

  it("prints Slurm's message when the submission is refused, and leaves no sweep directory", async () => {
    const f = fakeSlurm();
    const r = await cli(['sweep', f.file, '--grid', 'estimator=mine', '--executor', 'slurm', '--partition', 'nope', '--out', f.out], {
      PATH: `${f.bin}:${process.env.PATH}`,
      FAKE_REFUSE: '1',
    });
    expect([r.status, r.stderr.trim()]).toEqual([
      2,
      'infobound: sbatch refused the job array: sbatch: error: Batch job submission failed: Invalid partition name specified',
    ]);
    expect(readdirSync(join(f.out, 'tiny-mi'))).toEqual([]);
  });

  it('names a cell out of time and a cancelled one (scontrol, or sacct with accounting), and resume resubmits them with the new --time', async () => {
    const f = fakeSlurm();
    const env = { PATH: `${f.bin}:${process.env.PATH}` };
    const r = await cli(['sweep', f.file, '--grid', 'estimator=mine,nwj', '--executor', 'slurm', '--time', '1:00', '--wait', '--out', f.out], {
      ...env,
      FAKE_NO_ACCOUNTING: '1',
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /^ {2}estimator=mine seed 0: timeout: ran out of time at the time limit --time 1:00 \(Slurm state TIMEOUT\); `infobound sweep resume \S+ --time …` resubmits it with more$/m,
    );
    expect(r.stdout).toMatch(/^ {2}estimator=nwj seed 0: cancelled: Slurm state CANCELLED, e\.g\. scancel$/m);
    const dir = join(f.out, 'tiny-mi', readdirSync(join(f.out, 'tiny-mi'))[0]);
    expect(readFileSync(join(f.dir, 'sbatch.log'), 'utf8')).toMatch(
      /^--parsable --array=0-1 --job-name=infobound-tiny-mi --output=\S+\/logs\/%A_%a\.out --chdir=\S+ --cpus-per-task=1 --time=1:00 \S+sweep\.sbatch$/m,
    );
    const re = await cli(['sweep', 'resume', dir, '--time', '2:00:00'], env);
    expect(re.status).toBe(0);
    expect(re.stdout).toMatch(/running 2 of 2 cells again[\s\S]*submitted as job array 78/);
    expect(readFileSync(join(f.dir, 'sbatch.log'), 'utf8').split('\n')[1]).toMatch(/--array=0-1 .*--time=2:00:00 /);
    const rec = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as SweepRecord;
    expect(rec.cells.map((c) => [c.status, c.slurm?.jobId])).toEqual([
      ['pending', '78'],
      ['pending', '78'],
    ]);
    expect(rec.slurm?.time).toBe('2:00:00');
    // the resubmitted tasks end the same way, read from sacct this time
    const st = await cli(['sweep', 'status', dir], env);
    expect(st.status).toBe(1);
    expect(st.stdout).toMatch(/estimator=mine seed 0\s+timeout: ran out of time at the time limit --time 2:00:00 .*\[78_0\]/);
    expect(st.stdout).toMatch(/estimator=nwj seed 0\s+cancelled: Slurm state CANCELLED, e\.g\. scancel\s+\[78_1\]/);
  });
});
