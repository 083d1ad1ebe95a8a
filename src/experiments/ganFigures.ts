/**
 * The GAN task's figures: generated vs real samples at chosen iterations (MINE Fig. 3), KDE
 * density maps side by side — original, then each setting (Fig. 4) — training curves, and modes
 * (or roll coverage) over training.
 */
import type { PointSampler } from '../data/types.js';
import { GaussianKde } from '../eval/kde.js';
import type { RunDir } from '../io/runDir.js';
import { slug } from './paths.js';
import { heatmapPanels } from '../plot/heatmap.js';
import { lineChart } from '../plot/lineChart.js';
import { scatterPanels } from '../plot/scatterPlot.js';
import type { GanConfig, GanEval, GanSettingConfig } from './ganTask.js';

export interface GanTrace {
  label: string;
  steps: number[];
  curves: Record<string, number[]>;
  evals: GanEval[];
  snapshots: { step: number; points: Float32Array }[];
  final: Float32Array;
  real: Float32Array;
}


function settingTitle(label: string, s: GanConfig['settings'][number]): string {
  const beta = s.cfg.mi.beta;
  const name = beta > 0 ? `MINEGAN (β = ${beta}, ${s.cfg.mi.estimator.kind})` : 'GAN (β = 0)';
  return label === 'default' ? name : `${name} [${label}]`;
}

export function renderGanFigures(cfg: GanConfig, traces: GanTrace[], sampler: PointSampler & { centres?: Float32Array }, s0: GanSettingConfig, out: RunDir): string[] {
  const files: string[] = [];
  const lim = s0.data.kind === 'grid' ? ((s0.data.side - 1) * s0.data.spacing) / 2 + 1.5 : 2.5;
  const range: [number, number] = [-lim, lim];
  for (const [i, t] of traces.entries()) {
    const s = cfg.settings[i];
    const title = settingTitle(t.label, s);
    const suffix = traces.length > 1 ? `-${slug(t.label)}` : '';
    if (t.snapshots.length) {
      files.push(
        out.write(
          `samples${suffix}.png`,
          scatterPanels(
            t.snapshots.map((snap) => ({
              title: `step ${snap.step}`,
              groups: [
                { name: 'real', points: t.real.subarray(0, 1000 * 2), color: '#999999', size: 1.5, alpha: 0.4 },
                { name: 'generated', points: snap.points.subarray(0, 1000 * 2), color: '#D55E00', size: 1.8, alpha: 0.6 },
              ],
              markers: sampler.centres,
              xRange: range,
              yRange: range,
            })),
            { title: `${cfg.name}: ${title}, samples during training` },
          ),
        ),
      );
    }
    const curveNames = ['dLoss', 'gLoss', 'mi', 'clipScale'].filter((k) => t.curves[k]?.some(Number.isFinite));
    files.push(
      out.write(
        `curves${suffix}.png`,
        lineChart({ title: `${cfg.name}: ${title}, training curves`, xLabel: 'step', yLabel: 'value', series: curveNames.map((k) => ({ name: k === 'mi' ? 'I(G(z); z) estimate' : k === 'clipScale' ? 'MI clip scale' : k, x: t.steps, y: t.curves[k] })) }),
      ),
    );
  }
  // Density maps: the data, then each setting's final samples.
  const res = 100;
  const grid = (pts: Float32Array) => new GaussianKde(pts, 2, s0.evaluation.mapBandwidth).densityGrid(range, range, res);
  const panels = [{ title: 'original', values: grid(traces[0].real), width: res, height: res, xRange: range, yRange: range }];
  for (const [i, t] of traces.entries()) if (t.final.length) panels.push({ title: settingTitle(t.label, cfg.settings[i]), values: grid(t.final), width: res, height: res, xRange: range, yRange: range });
  files.push(out.write('kde.png', heatmapPanels(panels, { title: `${cfg.name}: KDE of ${s0.evaluation.samples} samples (bandwidth ${s0.evaluation.mapBandwidth})` })));
  // Modes (or coverage) over training, every setting on one chart.
  const key = sampler.centres ? 'modes' : 'coverage';
  files.push(
    out.write(
      `${key}.png`,
      lineChart({
        title: `${cfg.name}: ${key === 'modes' ? `modes captured (of ${sampler.centres!.length / 2})` : 'share of the roll covered'} over training`,
        xLabel: 'step',
        yLabel: key,
        series: traces.map((t, i) => ({ name: settingTitle(t.label, cfg.settings[i]), x: t.evals.map((e) => e.step), y: t.evals.map((e) => (e[key] as number) ?? NaN), markers: true })),
      }),
    ),
  );
  return files;
}
