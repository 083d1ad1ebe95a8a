/**
 * The infogan task's figures: final samples coloured by code, one panel per setting (does each code
 * own a mode?); modes covered and code purity over training; the MI estimates against H(c); and each
 * setting's training curves.
 */
import type { RunDir } from '../io/runDir.js';
import { lineChart } from '../plot/lineChart.js';
import { scatterPanels, type PointGroup } from '../plot/scatterPlot.js';
import type { InfoGanSettingConfig, InfoGanTrace } from './infoGanTask.js';
import { slug } from './paths.js';

/**
 * k distinct colours (#rrggbb) for categorical codes: hues evenly around the HSL wheel, alternating
 * lightness so that neighbouring hues stay apart. The plot palette has 10 colours; 25 codes need more.
 */
export function codeColors(k: number): string[] {
  const hex = (v: number) => Math.round(255 * v).toString(16).padStart(2, '0');
  return Array.from({ length: k }, (_, i) => {
    const h = (360 * i) / k, s = 0.75, l = i % 2 === 0 ? 0.42 : 0.6;
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
  if (k === 0) return [{ name: 'generated', points, color: '#D55E00', size: 1.8, alpha: 0.6 }];
  const byCode: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < labels.length; i++) byCode[labels[i]].push(points[2 * i], points[2 * i + 1]);
  return byCode.map((p, c) => ({ name: `code ${c}`, points: p, color: colors[c], size: 1.8, alpha: 0.7 }));
}

export function renderInfoGanFigures(name: string, traces: InfoGanTrace[], centres: Float32Array, s0: InfoGanSettingConfig, hc: number, out: RunDir): string[] {
  const files: string[] = [];
  const lim = ((s0.data.side - 1) * s0.data.spacing) / 2 + 1.5;
  const range: [number, number] = [-lim, lim];
  const k = s0.codes.categorical;
  const colors = codeColors(k);
  files.push(
    out.write(
      'samples.png',
      scatterPanels(
        traces.map((t) => ({ title: `${t.title}${traces.length > 1 ? ` [${t.label}]` : ''}`, groups: groupsByCode(t.final.points, t.final.labels, k, colors), markers: centres, xRange: range, yRange: range })),
        { title: `${name}: ${s0.evaluation.samples} samples after ${s0.steps} steps, coloured by code`, panelHeight: 480 },
      ),
    ),
  );
  const overSteps = (key: 'modes' | 'purity', yLabel: string, title: string, ref?: number) =>
    lineChart({
      title: `${name}: ${title}`,
      xLabel: 'step',
      yLabel,
      series: traces.map((t, i) => ({ name: t.title, colorIndex: i, x: t.evals.map((e) => e.step), y: t.evals.map((e) => e[key]), markers: true })),
      refLines: ref === undefined ? [] : [{ y: ref, name: `all ${ref} modes` }],
    });
  files.push(out.write('modes.png', overSteps('modes', `modes with ≥ ${s0.evaluation.minCount} samples`, `modes covered (of ${traces[0]?.totalModes}) over training`, traces[0]?.totalModes)));
  if (k > 0) files.push(out.write('purity.png', overSteps('purity', 'purity', "code purity: share of a code's samples in its top mode")));
  const withMi = traces.filter((t) => t.curves.mi?.some(Number.isFinite));
  if (withMi.length) {
    files.push(
      out.write(
        'mi.png',
        lineChart({
          title: `${name}: I(G(z, c); c) estimates over training`,
          xLabel: 'step',
          yLabel: 'nats',
          series: withMi.map((t) => ({ name: t.title, colorIndex: traces.indexOf(t), x: t.steps, y: t.curves.mi })),
          refLines: [{ y: hc, name: `H(c) = ${hc.toFixed(2)} (upper bound)` }],
        }),
      ),
    );
  }
  for (const t of traces) {
    const keys = ['dLoss', 'gLoss', 'clipScale', 'codeAccuracy'].filter((c) => t.curves[c]?.some(Number.isFinite));
    const label = (c: string) => (c === 'clipScale' ? 'MI clip scale' : c === 'codeAccuracy' ? 'Q accuracy on G(z, c)' : c);
    files.push(
      out.write(
        `curves${traces.length > 1 ? `-${slug(t.label)}` : ''}.png`,
        lineChart({ title: `${name}: ${t.title}, training curves`, xLabel: 'step', yLabel: 'value', series: keys.map((c) => ({ name: label(c), x: t.steps, y: t.curves[c] })) }),
      ),
    );
  }
  return files;
}
