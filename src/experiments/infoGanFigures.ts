/**
 * The infogan task's figures: final samples coloured by code, one panel per setting (does each code
 * own a mode?); modes covered and code purity over training; the MI estimates against H(c); and each
 * setting's training curves.
 */
import type { RunDir } from '../io/runDir.js';
import { ROLE_COLORS } from '../plot/canvas.js';
import { lineChart, linePanels } from '../plot/lineChart.js';
import { scatterPanels, type PointGroup } from '../plot/scatterPlot.js';
import { curvePanels, FigureWriter, parseFigureOptions, type FigureOptions } from './figureOutput.js';
import { slug } from './paths.js';

/** What the figures read of a setting's trace (a structural subset of the task's InfoGanTrace). */
export interface InfoGanFigureTrace {
  label: string;
  title: string;
  steps: number[];
  curves: Record<string, number[]>;
  evals: { step: number; modes: number; purity: number }[];
  final: { points: Float32Array; labels: Int32Array };
  totalModes: number;
}

/** What the figures read of the first setting's config (a structural subset of InfoGanSettingConfig). */
export interface InfoGanFigureSetting {
  steps: number;
  codes: { categorical: number };
  data: { side: number; spacing: number };
  evaluation: { samples: number; minCount: number };
}

/** The run the figures belong to (a structural subset of the task's InfoGanConfig): its seed for the captions, its figure formats. */
export interface InfoGanFigureRun {
  seed?: number;
  figures?: FigureOptions;
}

/**
 * k distinct colours (#rrggbb) for categorical codes: hues evenly around the HSL wheel, alternating
 * lightness so that neighbouring hues stay apart. The plot palette has 10 colours; 25 codes need more.
 */
export function codeColors(k: number): string[] {
  const hex = (v: number) =>
    Math.round(255 * v)
      .toString(16)
      .padStart(2, '0');
  return Array.from({ length: k }, (_, i) => {
    const h = (360 * i) / k,
      s = 0.75,
      l = i % 2 === 0 ? 0.42 : 0.6;
    const a = s * Math.min(l, 1 - l);
    const f = (n: number) => {
      const t = (n + h / 30) % 12;
      return l - a * Math.max(-1, Math.min(t - 3, 9 - t, 1));
    };
    return `#${hex(f(0))}${hex(f(8))}${hex(f(4))}`;
  });
}

/** Points of one code, as one scatter group per category (so each gets its own colour). */
function groupsByCode(points: Float32Array, labels: Int32Array, k: number, colors: string[]): PointGroup[] {
  if (k === 0) return [{ name: 'generated', points, color: ROLE_COLORS.generated, size: 1.8, alpha: 0.6 }];
  const byCode: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < labels.length; i++) byCode[labels[i]].push(points[2 * i], points[2 * i + 1]);
  return byCode.map((p, c) => ({ name: `code ${c}`, points: p, color: colors[c], size: 1.8, alpha: 0.7 }));
}

export function renderInfoGanFigures(
  name: string,
  traces: InfoGanFigureTrace[],
  centres: Float32Array,
  s0: InfoGanFigureSetting,
  hc: number,
  out: RunDir,
  run: InfoGanFigureRun = {},
): string[] {
  const figures = new FigureWriter(out, run.figures ?? parseFigureOptions(undefined), { experiment: name, seed: run.seed, step: s0.steps });
  const files: string[] = [];
  const lim = ((s0.data.side - 1) * s0.data.spacing) / 2 + 1.5;
  const range: [number, number] = [-lim, lim];
  const k = s0.codes.categorical;
  const colors = codeColors(k);
  const panels = traces.map((t) => ({
    title: `${t.title}${traces.length > 1 ? ` [${t.label}]` : ''}`,
    xLabel: 'x₁',
    yLabel: 'x₂',
    groups: groupsByCode(t.final.points, t.final.labels, k, colors),
    markers: centres,
    xRange: range,
    yRange: range,
  }));
  files.push(
    ...figures.write('samples', (r) =>
      scatterPanels(panels, { title: `${name}: ${s0.evaluation.samples} samples after ${s0.steps} steps, coloured by code`, panelHeight: 480 }, r),
    ),
  );
  const overSteps = (key: 'modes' | 'purity', yLabel: string, title: string, ref?: number) => ({
    title: `${name}: ${title}`,
    xLabel: 'step',
    yLabel,
    series: traces.map((t, i) => ({ name: t.title, colorIndex: i, x: t.evals.map((e) => e.step), y: t.evals.map((e) => e[key]), markers: true })),
    refLines: ref === undefined ? [] : [{ y: ref, name: `all ${ref} modes` }],
  });
  const modes = overSteps(
    'modes',
    `modes with ≥ ${s0.evaluation.minCount} samples`,
    `modes covered (of ${traces[0]?.totalModes}) over training`,
    traces[0]?.totalModes,
  );
  files.push(...figures.write('modes', (r) => lineChart(modes, r)));
  if (k > 0) {
    const purity = overSteps('purity', 'purity (fraction)', "code purity: share of a code's samples in its top mode");
    files.push(...figures.write('purity', (r) => lineChart(purity, r)));
  }
  const withMi = traces.filter((t) => t.curves.mi?.some(Number.isFinite));
  if (withMi.length) {
    const mi = {
      title: `${name}: I(G(z, c); c) estimates over training`,
      xLabel: 'step',
      yLabel: 'I(G(z, c); c) estimate (nats)',
      series: withMi.map((t) => ({ name: t.title, colorIndex: traces.indexOf(t), x: t.steps, y: t.curves.mi })),
      refLines: [{ y: hc, name: `H(c) = ${hc.toFixed(2)} (upper bound)` }],
    };
    files.push(...figures.write('mi', (r) => lineChart(mi, r)));
  }
  for (const t of traces) {
    const curves = curvePanels(t.steps, t.curves, ['dLoss', 'gLoss', 'clipScale', 'codeAccuracy'], 'I(G(z, c); c) estimate');
    files.push(
      ...figures.write(
        `curves${traces.length > 1 ? `-${slug(t.label)}` : ''}`,
        (r) => linePanels(curves, { title: `${name}: ${t.title}, training curves` }, r),
        { setting: t.label },
      ),
    );
  }
  return files;
}
