/**
 * The ib task's figures: test error per epoch for every setting (averaged over samples of z, and
 * with one sample), the rate term over training (I(X; Z) estimated by T, VIB's KL), and a
 * markdown table of the final errors beside MINE's Table 3.
 */
import type { RunDir } from '../io/runDir.js';
import { lineChart, type LineChartOptions } from '../plot/lineChart.js';
import { FigureWriter, parseFigureOptions, type FigureOptions } from './figureOutput.js';

/** What the figures read of a setting's trace (a structural subset of the task's IbTrace). */
export interface IbFigureTrace {
  label: string;
  rate: 'mi' | 'vib';
  steps: number[];
  curves: Record<string, (number | null)[]>;
  evals: { epoch: number; step: number; errorAvgPct: number; errorOneSamplePct: number; rate: number }[];
}

/** What the figures read of the experiment (a structural subset of the task's IbConfig). */
export interface IbFigureConfig {
  name: string;
  seed: number;
  settings: { label: string; cfg: { evaluation: { samples: number } } }[];
  figures?: FigureOptions;
}

/** MINE (Belghazi et al. 2018) Table 3, test misclassification % on the full 60k/10k MNIST. */
export const MINE_TABLE_3: Record<string, number> = {
  'VIB (Alemi et al.)': 1.37,
  'MINE-IB gaussian': 1.26,
  'MINE-IB additive': 1.19,
  'MINE-IB propagated': 1.24,
};

const finite = (xs: (number | null)[]) => xs.map((v) => (v === null ? NaN : v));

export function ibTable(cfg: IbFigureConfig, traces: IbFigureTrace[]): string {
  const rows = traces.map((t) => {
    const last = t.evals[t.evals.length - 1];
    const paper = MINE_TABLE_3[t.label];
    const f = (v: number | undefined, d = 2) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));
    return `| ${t.label} | ${last?.epoch ?? 0} | ${f(last?.errorAvgPct)} | ${f(last?.errorOneSamplePct)} | ${f(last?.rate, 3)} | ${paper === undefined ? '–' : paper.toFixed(2)} |`;
  });
  return [
    `# ${cfg.name}: test misclassification (%)`,
    '',
    '| setting | epochs | error, softmax averaged over samples of z | error, one sample | rate (I(X;Z) estimate or VIB KL, nats, last epoch) | MINE Table 3 (MNIST 60k/10k, 200 epochs) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
  ].join('\n');
}

export function renderIbFigures(cfg: IbFigureConfig, traces: IbFigureTrace[], out: RunDir): string[] {
  // the caption's step: where the longest setting's training ended
  const lastStep = Math.max(0, ...traces.map((t) => t.evals[t.evals.length - 1]?.step ?? 0));
  const figures = new FigureWriter(out, cfg.figures ?? parseFigureOptions(undefined), { experiment: cfg.name, seed: cfg.seed, step: lastStep });
  const chart = (name: string, o: LineChartOptions) => figures.write(name, (r) => lineChart(o, r));
  const files: string[] = [];
  files.push(out.write('table.md', ibTable(cfg, traces)));
  files.push(
    ...chart('error', {
      title: `${cfg.name}: test error (solid: ${cfg.settings[0].cfg.evaluation.samples} samples of z; dashed: 1)`,
      xLabel: 'epoch',
      yLabel: 'test misclassification (%)',
      series: traces.flatMap((t, i) => [
        { name: t.label, x: t.evals.map((e) => e.epoch), y: t.evals.map((e) => e.errorAvgPct), colorIndex: i, markers: true },
        { name: `${t.label} (1 sample)`, x: t.evals.map((e) => e.epoch), y: t.evals.map((e) => e.errorOneSamplePct), colorIndex: i, dashed: true },
      ]),
    }),
  );
  const withMi = traces.filter((t) => (t.curves.mi ?? []).some((v) => v !== null && Number.isFinite(v)));
  if (withMi.length) {
    files.push(
      ...chart('mi', {
        title: `${cfg.name}: I(X; Z) estimated by the statistics network, per training batch`,
        xLabel: 'step',
        yLabel: 'I(X; Z) estimate (nats)',
        series: withMi.map((t) => ({ name: t.label, x: t.steps, y: finite(t.curves.mi), colorIndex: traces.indexOf(t) })),
      }),
    );
  }
  const vib = traces.filter((t) => t.rate === 'vib');
  if (vib.length) {
    files.push(
      ...chart('vib-kl', {
        title: `${cfg.name}: VIB rate E_x KL(p(z|x) ‖ N(0, I)), an upper bound on I(X; Z)`,
        xLabel: 'step',
        yLabel: 'KL (nats)',
        series: vib.map((t) => ({ name: t.label, x: t.steps, y: finite(t.curves.rate), colorIndex: traces.indexOf(t) })),
      }),
    );
  }
  return files;
}
