/**
 * The MI benchmark's figures: estimate over steps with the true MI (one chart per setting), the two
 * DV terms over steps (ReMINE's drift), and the final estimate against a varied parameter (MINE Fig. 1).
 */
import type { RunDir } from '../io/runDir.js';
import { ROLE_COLORS } from '../plot/canvas.js';
import { lineChart, type LineChartOptions, type LineSeries } from '../plot/lineChart.js';
import { FigureWriter, parseFigureOptions, type FigureOptions } from './figureOutput.js';
import { slug } from './paths.js';

/** What the figures read of the benchmark's config (a structural subset of MiBenchmarkConfig). */
export interface MiFigureConfig {
  name: string;
  seed: number;
  steps: number;
  vary: { path: string; values: unknown[] }[];
  figures?: FigureOptions;
}

export interface MiCurve {
  setting: string;
  estimator: string;
  steps: number[];
  trueMI: number[];
  estimate: number[];
  macro: number[];
  micro: (number | null)[];
  jointTerm: number[];
  logMeanExpMarginal: number[];
}

/**
 * A y-range that keeps the truth readable when an estimator diverges (biased MINE at small batch
 * sizes drifts to thousands of nats): at most [−M, 3M] around the largest true MI M, tighter when
 * the data allow. Returns whether anything was clipped, for the title.
 */
export function estimateRange(values: number[], truth: number[]): { range: [number, number]; clipped: boolean } {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  const m = Math.max(1, ...truth.filter(Number.isFinite));
  if (finite.length === 0) return { range: [-0.1 * m, 1.2 * m], clipped: false };
  const lo = Math.max(-m, Math.min(0, finite[0]));
  const hi = Math.min(3 * m, Math.max(1.15 * m, finite[finite.length - 1]));
  const pad = 0.03 * (hi - lo);
  return { range: [lo - pad, hi + pad], clipped: finite[0] < lo || finite[finite.length - 1] > hi };
}

export function renderMiFigures(cfg: MiFigureConfig, settings: { label: string }[], curves: MiCurve[], rows: Record<string, unknown>[], out: RunDir): string[] {
  const figures = new FigureWriter(out, cfg.figures ?? parseFigureOptions(undefined), { experiment: cfg.name, seed: cfg.seed, step: cfg.steps });
  const chart = (name: string, o: LineChartOptions, setting?: string) => figures.write(name, (r) => lineChart(o, r), { setting });
  const files: string[] = [];
  for (const s of settings) {
    const cs = curves.filter((c) => c.setting === s.label);
    if (cs.length === 0) continue;
    const suffix = settings.length > 1 ? `-${slug(s.label)}` : '';
    const truth: LineSeries = { name: 'true MI', x: cs[0].steps, y: cs[0].trueMI, color: ROLE_COLORS.reference, dashed: true, step: true };
    const { range, clipped } = estimateRange(
      cs.flatMap((c) => c.macro),
      cs[0].trueMI,
    );
    const setting = settings.length > 1 ? s.label : undefined;
    files.push(
      ...chart(
        `estimate${suffix}`,
        {
          title: `${cfg.name}${suffix ? ` (${s.label})` : ''}: MI estimate (window macro-average) over training${clipped ? ' [y clipped]' : ''}`,
          yRange: range,
          xLabel: 'step',
          yLabel: 'MI estimate (nats)',
          series: [...cs.map((c) => ({ name: c.estimator, x: c.steps, y: c.macro })), truth],
        },
        setting,
      ),
    );
    files.push(
      ...chart(
        `dv-terms${suffix}`,
        {
          title: `${cfg.name}${suffix ? ` (${s.label})` : ''}: E_P[T] (solid) and log E_Q[e^T] (dashed)`,
          xLabel: 'step',
          yLabel: 'critic output (nats)',
          series: cs.flatMap((c, i) => [
            { name: `${c.estimator} E_P[T]`, x: c.steps, y: c.jointTerm, colorIndex: i },
            { name: `${c.estimator} log E_Q[e^T]`, x: c.steps, y: c.logMeanExpMarginal, colorIndex: i, dashed: true },
          ]),
        },
        setting,
      ),
    );
  }
  // One numeric varied field: the final estimate against it, with the truth (MINE Fig. 1).
  if (cfg.vary.length === 1 && cfg.vary[0].values.every((v) => typeof v === 'number')) {
    const path = cfg.vary[0].path;
    const estimators = [...new Set(rows.map((r) => r.estimator as string))];
    const xs = (cfg.vary[0].values as number[]).slice().sort((a, b) => a - b);
    const at = (e: string, v: number) => rows.find((r) => r.estimator === e && r[path] === v);
    const series: LineSeries[] = estimators.map((e) => ({ name: e, x: xs, y: xs.map((v) => (at(e, v)?.mean as number) ?? NaN), markers: true }));
    series.push({
      name: 'true MI',
      x: xs,
      y: xs.map((v) => (rows.find((r) => r[path] === v)?.trueMI as number) ?? NaN),
      color: ROLE_COLORS.reference,
      dashed: true,
    });
    files.push(
      ...chart(`estimate-vs-${slug(path)}`, { title: `${cfg.name}: final estimate against ${path}`, xLabel: path, yLabel: 'MI estimate (nats)', series }),
    );
  }
  return files;
}
