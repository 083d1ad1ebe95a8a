/**
 * Sweeps on a real Slurm: test/slurm/cluster.sh starts a single-node cluster on localhost
 * (munged, slurmctld, slurmd; proctrack/linuxproc, task/none, select/cons_tres, the machine's CPU
 * count; state under a temporary directory), the CLI submits tiny sweeps as job arrays, and the
 * daemons are stopped by their pid files afterwards.
 *
 * Needs Debian's slurm-wlm and munge (`apt-get install -y slurm-wlm munge`; .ci/run installs
 * them). Without them the tests are skipped with a message; INFOBOUND_REQUIRE_SLURM=1 (set by
 * .ci/run) makes that a failure.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOnPath } from '../../src/experiments/sweep/slurmExecutor.js';

const NEEDED = ['munged', 'mungekey', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scontrol', 'scancel', 'sinfo'];
const missing = NEEDED.filter((b) => !findOnPath(b, `${process.env.PATH}:/usr/sbin:/sbin`));
if (missing.length) {
  const msg = `Slurm tests SKIPPED: ${missing.join(', ')} not found (install them: apt-get install -y slurm-wlm munge)`;
  if (process.env.INFOBOUND_REQUIRE_SLURM === '1') throw new Error(`${msg}; INFOBOUND_REQUIRE_SLURM=1 requires them`);
  console.warn(msg);
}

const TINY_MI = {
  name: 'tiny-mi',
  task: 'mi-benchmark',
  seed: 0,
  steps: 200,
  logEvery: 50,
  batchSize: 64,
  data: { kind: 'gaussian', dim: 1, rho: 0.5 },
  critic: { kind: 'concat', hidden: [16] },
  optimizer: { kind: 'adam', learningRate: 0.001 },
  estimators: ['mine'],
  evaluation: { skip: 100 },
};

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

describe.skipIf(missing.length > 0)('sweeps on a single-node Slurm cluster on localhost', () => {
  const work = mkdtempSync(join(tmpdir(), 'ib-slurm-'));
  const cluster = join(work, 'cluster');
  let env: NodeJS.ProcessEnv = {};

  const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Ran> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
        env: { ...env, ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (status) => resolve({ status, stdout, stderr, seconds: (performance.now() - t0) / 1000 }));
    });
  const experiment = (steps: number) => {
    const file = join(work, `tiny-mi-${steps}.json`);
    writeFileSync(file, JSON.stringify({ ...TINY_MI, steps }));
    return file;
  };
  const onlySweep = (out: string) => join(out, 'tiny-mi', readdirSync(join(out, 'tiny-mi'))[0]);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(() => {
    const r = spawnSync('bash', ['test/slurm/cluster.sh', 'start', cluster], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`could not start the test cluster (exit ${r.status}): ${r.stderr}`);
    env = { ...process.env, SLURM_CONF: join(cluster, 'slurm.conf'), INFOBOUND_BACKEND: 'wasm', INFOBOUND_SLURM_POLL_SECONDS: '0.5' };
  });

  afterAll(() => {
    const pids = ['munged', 'slurmctld', 'slurmd']
      .map((d) => join(cluster, `${d}.pid`))
      .filter(existsSync)
      .map((p) => Number(readFileSync(p, 'utf8')));
    const r = spawnSync('bash', ['test/slurm/cluster.sh', 'stop', cluster], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    // the daemons this test started are gone
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('a 4-cell sweep through --executor slurm --wait gives the comparison.json of --executor local (same seeds, one OpenBLAS thread per cell)', async () => {
    const file = experiment(200);
    const grid = ['--grid', 'estimator=mine,nwj', '--seeds', '2'];
    const local = await cli(['sweep', file, ...grid, '--parallel', String(Math.min(4, availableParallelism())), '--out', join(work, 'local')], {
      OPENBLAS_NUM_THREADS: '1',
    });
    expect(local.status).toBe(0);
    const slurm = await cli(['sweep', file, ...grid, '--executor', 'slurm', '--cpus-per-task', '1', '--wait', '--out', join(work, 'slurm')]);
    expect(slurm.stderr).toMatch(/4 done, 0 running, 0 pending, 0 failed/);
    expect(slurm.status).toBe(0);
    const cmp = (out: string) => JSON.parse(readFileSync(join(onlySweep(out), 'comparison.json'), 'utf8'));
    expect(cmp(join(work, 'slurm'))).toEqual(cmp(join(work, 'local')));
    expect(cmp(join(work, 'slurm')).rows.map((r: { seeds: number }) => r.seeds)).toEqual([2, 2]);
    console.log(
      `4-cell sweep (tiny-mi, estimator=mine,nwj × 2 seeds, 200 steps): --executor local ${local.seconds.toFixed(1)} s, --executor slurm --wait ${slurm.seconds.toFixed(1)} s (${availableParallelism()} CPUs)`,
    );
  });

  it('a cell killed with scancel is named by `sweep status`, and `sweep resume` completes it', async () => {
    // 1500 steps: seconds of training, so the cell is caught running
    const out = join(work, 'cancel');
    const sub = await cli(['sweep', experiment(1500), '--grid', 'estimator=mine,nwj', '--executor', 'slurm', '--out', out]);
    expect(sub.status).toBe(0);
    const dir = onlySweep(out);
    const job = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')).slurm.jobs[0].jobId as string;
    // cell 1 (estimator=nwj) has started its run: kill it
    for (let i = 0; i < 1200 && !existsSync(join(dir, 'cells', 'estimator=nwj-s0', 'run.json')); i++) await sleep(100);
    expect(spawnSync('scancel', [`${job}_1`], { env }).status).toBe(0);
    let st = await cli(['sweep', 'status', dir]);
    for (let i = 0; i < 120 && !/ 0 running, 0 pending/.test(st.stdout); i++) {
      await sleep(1000);
      st = await cli(['sweep', 'status', dir]);
    }
    expect(st.status).toBe(1);
    expect(st.stdout).toMatch(new RegExp(`estimator=mine seed 0\\s+completed\\s+\\[${job}_0\\]`));
    expect(st.stdout).toMatch(new RegExp(`estimator=nwj seed 0\\s+cancelled: Slurm state CANCELLED, e\\.g\\. scancel.*\\[${job}_1\\]`));
    const re = await cli(['sweep', 'resume', dir, '--wait']);
    expect(re.status).toBe(0);
    expect(re.stdout).toMatch(/running 1 of 2 cells again: estimator=nwj seed 0/);
    const after = await cli(['sweep', 'status', dir]);
    expect(after.status).toBe(0);
    expect(after.stdout).toMatch(/2 done, 0 running, 0 pending, 0 failed/);
    expect(JSON.parse(readFileSync(join(dir, 'comparison.json'), 'utf8')).rows.map((r: { seeds: number }) => r.seeds)).toEqual([1, 1]);
    console.log(`scancel'd cell: status said\n${st.stdout}after resume:\n${after.stdout}`);
  });
});
