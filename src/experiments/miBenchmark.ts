/**
 * The MI-estimation benchmark task: train each estimator's critic on data with known MI and report
 * bias, variance and MSE against the truth (MINE Fig. 1; Poole et al. Fig. 2; ReMINE Table 1).
 * `vary` runs the same benchmark over settings (ρ values, batch sizes, …), each a cell of
 * estimators that share the data stream and critic initialisation (common random numbers).
 */
import { estimateStats } from '../eval/miStats.js';
import { ksgMutualInformation } from '../mi/ksg.js';
import { deriveSeed } from '../util/hash.js';
import { Rng } from '../util/rng.js';
import type { RunContext, RunFailure, TaskResult } from './context.js';
import { trainInWorkers } from './miWorkers.js';
import { ArrayExports } from './arrayExports.js';
import { AllDiverged } from './failures.js';
import { renderMiFigures, type MiCurve } from './miFigures.js';
import { REFERENCE_SETS } from './referenceNumbers.js';
import { referenceComparisonMarkdown } from './referenceTable.js';
import { samplerOf, settingsOf, type MiBenchmarkConfig } from './miBenchmarkConfig.js';
import { trainEstimator, type EstimatorRun, type EstimatorRunContext } from './estimatorTraining.js';

export async function runMiBenchmark(cfg: MiBenchmarkConfig, ctx: RunContext): Promise<TaskResult> {
  const settings = settingsOf(cfg);
  const rows: Record<string, unknown>[] = [];
  const traces: MiCurve[] = [];
  const files: string[] = [];
  const failures: RunFailure[] = [];
  let finished = 0;
  /** the workers' OpenBLAS threads, for table.md (run.json records the parent's); null: in-process */
  let workerThreads: string | null = null;
  // per-step estimates (step × estimator) as .npy, for analysis in Python
  const arrays = new ArrayExports(ctx.out, settings.length);
  const runCtx: EstimatorRunContext = {
    seed: ctx.seed,
    shouldStop: ctx.shouldStop,
    progress: ctx.progress,
    divergenceLimit: ctx.divergenceLimit,
    appendMetrics: (r) => ctx.out.appendMetrics(r),
  };
  for (const [si, setting] of settings.entries()) {
    const sampler = samplerOf(setting.data);
    const perStep = [{ name: 'trueMI', values: Float64Array.from({ length: setting.steps }, (_, i) => sampler.trueMI(i) ?? NaN) }];
    const steps = setting.steps;
    // in estimator order whichever way they ran: the same files from one process or several
    let runs: EstimatorRun[] = [];
    if (cfg.workers > 1 && cfg.estimators.length > 1) ({ runs, threads: workerThreads } = await trainInWorkers(cfg, si, setting, runCtx, ctx.backend.name));
    else for (let ei = 0; ei < cfg.estimators.length; ei++) runs.push(await trainEstimator(cfg, setting, ei, runCtx));
    for (const run of runs) {
      perStep.push({ name: run.label, values: run.estimates });
      traces.push(run.trace);
      rows.push(...run.rows);
      if (run.failure) failures.push(run.failure);
      else finished++;
    }
    files.push(
      arrays.perStep('estimates', setting.label, perStep, "training steps; columns: the step, the true MI, then each estimator's per-batch estimate (nats)"),
    );
    for (const b of cfg.baselines) {
      const base = new Rng(deriveSeed(ctx.seed, `${setting.label}/ksg`));
      const levelStarts = new Map<number, number>();
      for (let i = 0; i < steps; i++) {
        const t = sampler.trueMI(i) ?? NaN;
        if (!levelStarts.has(t)) levelStarts.set(t, i);
      }
      for (const [t, step] of levelStarts) {
        const vals: number[] = [];
        for (let r = 0; r < b.repeats; r++) {
          const batch = sampler.sample(b.samples, base, step);
          vals.push(ksgMutualInformation(batch.x, batch.y, batch.n, batch.dx, batch.dy, { k: b.k }));
        }
        const s = estimateStats(vals, t);
        rows.push({
          setting: setting.label,
          ...setting.values,
          estimator: `ksg(k=${b.k},n=${b.samples})`,
          trueMI: t,
          mean: s.mean,
          bias: s.bias,
          variance: s.variance,
          mse: s.mse,
          micro: null,
          n: s.n,
        });
        ctx.progress.note(`${setting.label} ksg I=${t.toFixed(3)}: mean ${s.mean.toFixed(3)} (${b.repeats} repeats of ${b.samples} samples)`);
      }
    }
  }
  // Flat metrics for sweeps: per estimator, averaged over its rows.
  // (an estimator that diverged in some setting has no figure: an average over the rest would mislead)
  const metrics: Record<string, number> = {};
  const byEst = new Map<string, Record<string, unknown>[]>();
  for (const r of rows) byEst.set(r.estimator as string, [...(byEst.get(r.estimator as string) ?? []), r]);
  for (const [e, rs] of byEst) {
    if (rs.some((r) => r.diverged)) continue;
    for (const k of ['bias', 'variance', 'mse'] as const) metrics[`${e}.${k}`] = rs.reduce((a, r) => a + (r[k] as number), 0) / rs.length;
  }
  files.push(ctx.out.write('table.md', miTableMarkdown(cfg, rows, workerThreads)));
  files.push(ctx.out.writeJson('table.json', rows));
  files.push(...renderMiFigures(cfg, settings, traces, rows, ctx.out));
  if (finished === 0 && failures.length > 0 && cfg.baselines.length === 0) throw new AllDiverged(failures);
  return { metrics, rows, files, ...(failures.length ? { failures } : {}) };
}

/** The results table; `workerThreads`: the OpenBLAS threads of each worker process when estimators trained in workers. */
export function miTableMarkdown(cfg: MiBenchmarkConfig, rows: Record<string, unknown>[], workerThreads: string | null = null): string {
  const f = (v: unknown, d = 3) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : v === null || v === undefined ? '–' : String(v));
  const lines = [
    `# ${cfg.name}: MI estimates against the truth`,
    '',
    `Statistics over the per-batch estimates of each level (first ${cfg.evaluation.skip} steps of a level skipped); micro = windowed micro-average at the level's last step.`,
    '',
    ...(workerThreads === null
      ? []
      : [
          `Estimators trained ${cfg.workers} at a time in child processes, OPENBLAS_NUM_THREADS=${workerThreads} each (run.json's thread count is this process's).`,
          '',
        ]),
    '| setting | estimator | true MI | mean | bias | variance | MSE | micro |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const d = r.diverged as { step: number; quantity: string; value: number } | undefined;
    if (d) {
      const v = Number.isFinite(d.value) ? d.value.toPrecision(3) : String(d.value);
      lines.push(`| ${r.setting} | ${r.estimator} | ${f(r.trueMI)} | **diverged** at step ${d.step} (${d.quantity} = ${v}) | – | – | – | – |`);
    } else {
      lines.push(`| ${r.setting} | ${r.estimator} | ${f(r.trueMI)} | ${f(r.mean)} | ${f(r.bias)} | ${f(r.variance, 4)} | ${f(r.mse, 4)} | ${f(r.micro)} |`);
    }
  }
  if (rows.some((r) => r.diverged))
    lines.push(
      '',
      `Diverged: the estimate or a mean critic output left ±divergenceLimit nats (or became NaN/∞); that estimator was stopped, the others ran to the end.`,
    );
  if (cfg.reference) lines.push('', referenceComparisonMarkdown(cfg.reference, REFERENCE_SETS[cfg.reference], rows));
  return lines.join('\n') + '\n';
}
