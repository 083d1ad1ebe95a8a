/**
 * The GAN task's figures: generated vs real samples at chosen iterations (MINE Fig. 3), KDE
 * density maps side by side on one colour scale — original, then each setting (Fig. 4) — training
 * curves (one panel per quantity), and modes (or roll coverage) over training.
 */
import type { PointSampler } from '../data/types.js';
import { GaussianKde } from '../eval/kde.js';
import type { RunDir } from '../io/runDir.js';
import { ROLE_COLORS } from '../plot/canvas.js';
import { heatmapPanels } from '../plot/heatmap.js';
import { lineChart, linePanels } from '../plot/lineChart.js';
import { scatterPanels } from '../plot/scatterPlot.js';
import { curvePanels, FigureWriter, parseFigureOptions, type FigureOptions } from './figureOutput.js';
import { slug } from './paths.js';

/** One evaluation of a setting: what the gan task measures every `evaluation.every` steps and plots here. */
export interface GanEval {
  step: number;
  modes?: number;
  /** modes with ≥ 1 high-quality sample (PacGAN's protocol), beside `modes` (≥ minCount). */
  modesAnySample?: number;
  highQualityPercent?: number;
  klToUniform?: number;
  coverage?: number;
  /** mean log p̂_G(x_real): real held-out points under the KDE of generated samples. */
  kdeLogLikRealUnderGen: number;
  /** mean log p̂_real(G(z)): generated points under the KDE of real samples (quality). */
  kdeLogLikGenUnderReal: number;
}

export interface GanTrace {
  label: string;
  steps: number[];
  curves: Record<string, number[]>;
  evals: GanEval[];
  snapshots: { step: number; points: Float32Array }[];
  final: Float32Array;
  real: Float32Array;
}

/** What the figures read of a setting's config (a structural subset of the task's GanSettingConfig). */
export interface GanFigureSetting {
  steps: number;
  data: { kind: 'grid'; side: number; spacing: number } | { kind: 'swissroll' };
  mi: { beta: number; estimator: { kind: string }; betaSchedule?: { to: number } | null };
  evaluation: { samples: number; mapBandwidth: number };
}

/** What the figures read of the experiment (a structural subset of the task's GanConfig). */
export interface GanFigureConfig {
  name: string;
  seed: number;
  settings: { label: string; cfg: GanFigureSetting }[];
  figures?: FigureOptions;
}

/** A setting's panel title: GAN, or MINEGAN with its β (start → end under a schedule) and estimator. */
export function settingTitle(label: string, s: GanFigureSetting): string {
  const beta = s.mi.beta;
  const to = s.mi.betaSchedule?.to;
  const name = beta > 0 ? `MINEGAN (β ${to === undefined ? `= ${beta}` : `${beta} → ${to}`}, ${s.mi.estimator.kind})` : 'GAN (β = 0)';
  return label === 'default' ? name : `${name} [${label}]`;
}

/** Points of a 2-D sample are (x₁, x₂): the axis labels of every sample plot and density map. */
const AXES = { xLabel: 'x₁', yLabel: 'x₂' };

export function renderGanFigures(
  cfg: GanFigureConfig,
  traces: GanTrace[],
  sampler: PointSampler & { centres?: Float32Array },
  s0: GanFigureSetting,
  out: RunDir,
): string[] {
  const figures = new FigureWriter(out, cfg.figures ?? parseFigureOptions(undefined), { experiment: cfg.name, seed: cfg.seed, step: s0.steps });
  const files: string[] = [];
  const lim = s0.data.kind === 'grid' ? ((s0.data.side - 1) * s0.data.spacing) / 2 + 1.5 : 2.5;
  const range: [number, number] = [-lim, lim];
  for (const [i, t] of traces.entries()) {
    const s = cfg.settings[i].cfg;
    const title = settingTitle(t.label, s);
    const suffix = traces.length > 1 ? `-${slug(t.label)}` : '';
    const setting = { setting: t.label, step: s.steps };
    if (t.snapshots.length) {
      const panels = t.snapshots.map((snap) => ({
        title: `step ${snap.step}`,
        ...AXES,
        groups: [
          { name: 'real', points: t.real.subarray(0, 1000 * 2), color: ROLE_COLORS.real, size: 1.5, alpha: 0.4 },
          { name: 'generated', points: snap.points.subarray(0, 1000 * 2), color: ROLE_COLORS.generated, size: 1.8, alpha: 0.6 },
        ],
        markers: sampler.centres,
        xRange: range,
        yRange: range,
      }));
      files.push(...figures.write(`samples${suffix}`, (r) => scatterPanels(panels, { title: `${cfg.name}: ${title}, samples during training` }, r), setting));
    }
    const curves = curvePanels(t.steps, t.curves, ['dLoss', 'gLoss', 'mi', 'clipScale'], 'I(G(z); z) estimate');
    files.push(...figures.write(`curves${suffix}`, (r) => linePanels(curves, { title: `${cfg.name}: ${title}, training curves` }, r), setting));
  }
  // Density maps: the data, then each setting's final samples, on one colour scale.
  const res = 100;
  const grid = (pts: Float32Array) => new GaussianKde(pts, 2, s0.evaluation.mapBandwidth).densityGrid(range, range, res);
  const panels = [{ title: 'original', values: grid(traces[0].real), width: res, height: res, xRange: range, yRange: range, ...AXES }];
  for (const [i, t] of traces.entries())
    if (t.final.length)
      panels.push({ title: settingTitle(t.label, cfg.settings[i].cfg), values: grid(t.final), width: res, height: res, xRange: range, yRange: range, ...AXES });
  files.push(
    ...figures.write('kde', (r) =>
      heatmapPanels(
        panels,
        {
          title: `${cfg.name}: KDE of ${s0.evaluation.samples} samples (bandwidth ${s0.evaluation.mapBandwidth})`,
          scale: 'shared',
          colorbarLabel: 'estimated density',
        },
        r,
      ),
    ),
  );
  // Modes (or coverage) over training, every setting on one chart.
  const key = sampler.centres ? 'modes' : 'coverage';
  const overTraining = {
    title: `${cfg.name}: ${key === 'modes' ? `modes captured (of ${sampler.centres!.length / 2})` : 'share of the roll covered'} over training`,
    xLabel: 'step',
    yLabel: key === 'modes' ? 'modes captured' : 'share of the roll covered',
    // the whole possible range, so that runs and settings read alike
    yRange: (key === 'modes' ? [0, 1.04 * (sampler.centres!.length / 2)] : [0, 1.04]) as [number, number],
    series: traces.map((t, i) => ({
      name: settingTitle(t.label, cfg.settings[i].cfg),
      x: t.evals.map((e) => e.step),
      y: t.evals.map((e) => e[key] ?? NaN),
      markers: true,
    })),
  };
  files.push(...figures.write(key, (r) => lineChart(overTraining, r)));
  return files;
}
