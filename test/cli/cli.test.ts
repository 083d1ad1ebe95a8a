/** The command line as a user meets it: a subprocess, its exit code, what it prints, what it writes. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
    env: { ...process.env, INFOBOUND_BACKEND: 'wasm' },
    timeout: 120_000,
  });

describe('infobound CLI', () => {
  it('help lists the commands', () => {
    const r = cli(['help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/infobound run <experiment\.json> \[--steps N\] \[--seed S\] \[--backend B\] \[--out DIR\]/);
  });

  it('run writes the run directory and prints where it is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infobound-cli-'));
    const exp = join(dir, 'cli-tiny.json');
    writeFileSync(
      exp,
      JSON.stringify({
        task: 'mi-benchmark',
        steps: 30,
        logEvery: 10,
        batchSize: 16,
        data: { kind: 'gaussian', dim: 1, rho: 0.5 },
        critic: { kind: 'concat', hidden: [8] },
        estimators: ['mine'],
      }),
    );
    const r = cli(['run', exp, '--out', join(dir, 'out'), '--seed', '4']);
    expect(r.stderr + r.stdout).toMatch(/on backend wasm/);
    expect(r.status).toBe(0);
    const runs = readdirSync(join(dir, 'out', 'cli-tiny'));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(/-s4$/);
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'cli-tiny', runs[0], 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ status: 'completed', seed: 4, experiment: 'cli-tiny' });
    expect(r.stdout).toContain(join(dir, 'out', 'cli-tiny', runs[0]));
  });

  it('a config error exits 2 with the field named and no stack trace, and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infobound-cli-'));
    const exp = join(dir, 'bad.json');
    writeFileSync(exp, JSON.stringify({ task: 'mi-benchmark', steps: 10, data: { kind: 'gaussian', dim: 1, rho: 0.5 }, estimators: [{ kind: 'mine-x' }] }));
    const r = cli(['run', exp, '--out', join(dir, 'out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^infobound: estimators\[0\]\.kind: unknown estimator "mine-x"; expected one of/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('a missing experiment file is named', () => {
    const r = cli(['run', 'no-such-experiment.json']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/experiment file not found: no-such-experiment\.json/);
  });

  it('an unknown backend is named', () => {
    const r = cli(['run', 'mi-onehot', '--backend', 'tpu', '--steps', '1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--backend: unknown backend "tpu"; expected one of node-gpu, node, wasm, cpu/);
  });

  it('start --steps N scales its schedules to N: β 1 → 0 and the learning-rate decay at 2N/3, snapshots within the run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infobound-cli-'));
    const r = cli(['start', '--steps', '30', '--seed', '1', '--out', dir, '--set', 'evaluation.samples=300', '--set', 'evaluation.every=15']);
    expect(r.stderr).toMatch(/MINEGAN \(β 1 → 0, linear over steps 0–20\) after 30 steps: modes \d+\/25/);
    expect(r.status).toBe(0);
    const [run] = readdirSync(join(dir, 'minegan-25gaussians'));
    const cfg = JSON.parse(readFileSync(join(dir, 'minegan-25gaussians', run, 'config.json'), 'utf8')).settings[0].cfg;
    expect(cfg).toMatchObject({
      steps: 30,
      standardize: true,
      generator: { hidden: [256, 256, 256] },
      mi: { beta: 1, betaSchedule: { kind: 'linear', to: 0, start: 0, end: 20 } },
      learningRateSchedule: { kind: 'linear', to: 0.1, start: 20, end: 30 },
      evaluation: { snapshots: [20, 30] },
    });
  });
});
