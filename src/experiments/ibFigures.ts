/**
 * The ib task's figures: test error per epoch for every setting (averaged over samples of z, and
 * with one sample; with the raw and, when evaluation.polyak is on, the Polyak-averaged weights),
 * the rate term over training (I(X; Z) estimated by T, VIB's KL), and a markdown table of the
 * final errors beside MINE's Table 3.
 */
import type { RunDir } from '../io/runDir.js';
import { finiteRange, niceStep } from '../plot/canvas.js';
import { lineChart, linePanels, type LineChartOptions } from '../plot/lineChart.js';
import { FigureWriter, parseFigureOptions, type FigureOptions } from './figureOutput.js';

/** What the figures read of a setting's trace (a structural subset of the task's IbTrace). */
export interface IbFigureTrace {
  label: string;
  rate: 'mi' | 'vib';
  steps: number[];
  curves: Record<string, (number | null)[]>;
  evals: {
    epoch: number;
    step: number;
    errorAvgPct: number;
    errorOneSamplePct: number;
    /** with the Polyak-averaged weights; absent when evaluation.polyak is off. */
    polyakErrorAvgPct?: number;
    polyakErrorOneSamplePct?: number;
    rate: number;
  }[];
}

/** What the figures read of the experiment (a structural subset of the task's IbConfig). */
export interface IbFigureConfig {
  name: string;
  seed: number;
  /** evaluation.polyak: the decay of the weights' average (0: off). */
  settings: { label: string; cfg: { evaluation: { samples: number; polyak?: number } } }[];
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

/** Whether any setting was also evaluated with Polyak-averaged weights. */
const hasPolyak = (traces: IbFigureTrace[]) => traces.some((t) => t.evals.some((e) => e.polyakErrorAvgPct !== undefined));

/** The decay of the Polyak average the figures name (the first setting's that has one). */
const polyakDecay = (cfg: IbFigureConfig) => cfg.settings.map((s) => s.cfg.evaluation.polyak ?? 0).find((d) => d > 0);

export function ibTable(cfg: IbFigureConfig, traces: IbFigureTrace[]): string {
  const polyak = hasPolyak(traces);
  const f = (v: number | undefined, d = 2) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));
  const rows = traces.map((t) => {
    const last = t.evals[t.evals.length - 1];
    const paper = MINE_TABLE_3[t.label];
    const avg = polyak ? ` ${f(last?.polyakErrorAvgPct)} | ${f(last?.polyakErrorOneSamplePct)} |` : '';
    return `| ${t.label} | ${last?.epoch ?? 0} | ${f(last?.errorAvgPct)} | ${f(last?.errorOneSamplePct)} |${avg} ${f(last?.rate, 3)} | ${paper === undefined ? '–' : paper.toFixed(2)} |`;
  });
  const decay = polyakDecay(cfg);
  const avgHead = polyak
    ? ` error with Polyak-averaged weights${decay ? ` (EMA ${decay})` : ''}, averaged over z | error with Polyak-averaged weights, one sample |`
    : '';
  return [
    `# ${cfg.name}: test misclassification (%)`,
    '',
    `| setting | epochs | error, softmax averaged over samples of z | error, one sample |${avgHead} rate (I(X;Z) estimate or VIB KL, nats, last epoch) | MINE Table 3 (MNIST 60k/10k, 200 epochs) |`,
    `| --- | ---: | ---: | ---: |${polyak ? ' ---: | ---: |' : ''} ---: | ---: |`,
    ...rows,
    '',
  ].join('\n');
}

/**
 * The error figure's data: test error per epoch of every setting, solid with `samples` samples of
 * z (dots), dashed with one. With Polyak-averaged evaluations, two panels on one y range: the raw
 * weights above, the averaged weights below (the averaged series are absent when evaluation.polyak
 * is off, and the figure is the single raw panel).
 */
export function ibErrorPanels(cfg: IbFigureConfig, traces: IbFigureTrace[]): { title: string; panels: LineChartOptions[] } {
  const n = cfg.settings[0]?.cfg.evaluation.samples ?? 1;
  const title = `${cfg.name}: test error (solid: ${n} samples of z; dashed: 1)`;
  type Ev = IbFigureTrace['evals'][number];
  // the panel's title says which weights: both panels name their series alike
  const seriesOf = (avg: (e: Ev) => number | undefined, one: (e: Ev) => number | undefined) =>
    traces.flatMap((t, i) => {
      const x = t.evals.map((e) => e.epoch);
      const v = (g: (e: Ev) => number | undefined) => t.evals.map((e) => g(e) ?? NaN);
      return [
        { name: t.label, x, y: v(avg), colorIndex: i, markers: true },
        { name: `${t.label} (1 sample)`, x, y: v(one), colorIndex: i, dashed: true },
      ];
    });
  const raw = seriesOf(
    (e) => e.errorAvgPct,
    (e) => e.errorOneSamplePct,
  );
  // whole epochs on the x axis (about 6 ticks, at a 1-2-5 step of at least one epoch)
  const last = Math.max(1, ...traces.flatMap((t) => t.evals.map((e) => e.epoch)));
  const every = Math.max(1, niceStep(last - 1, 6));
  const xTicks = Array.from({ length: Math.floor(last / every) + 1 }, (_, k) => k * every).filter((e) => e >= 1 || last === 1);
  const base = { xLabel: 'epoch', yLabel: 'test misclassification (%)', xTicks };
  if (!hasPolyak(traces)) return { title, panels: [{ ...base, series: raw }] };
  const decay = polyakDecay(cfg);
  const averaged = seriesOf(
    (e) => e.polyakErrorAvgPct,
    (e) => e.polyakErrorOneSamplePct,
  );
  // one y range for both panels, so that raw and averaged errors compare at a glance
  const yRange = finiteRange(
    [...raw, ...averaged].map((s) => s.y),
    0.05,
  );
  return {
    title,
    panels: [
      { ...base, title: 'raw weights', series: raw, yRange },
      {
        ...base,
        title: `Polyak-averaged weights (EMA of the weights${decay ? `, decay ${decay} ≈ the last ${Math.round(1 / (1 - decay))} steps` : ''})`,
        series: averaged,
        yRange,
      },
    ],
  };
}

export function renderIbFigures(cfg: IbFigureConfig, traces: IbFigureTrace[], out: RunDir): string[] {
  // the caption's step: where the longest setting's training ended
  const lastStep = Math.max(0, ...traces.map((t) => t.evals[t.evals.length - 1]?.step ?? 0));
  const figures = new FigureWriter(out, cfg.figures ?? parseFigureOptions(undefined), { experiment: cfg.name, seed: cfg.seed, step: lastStep });
  const chart = (name: string, o: LineChartOptions) => figures.write(name, (r) => lineChart(o, r));
  const files: string[] = [];
  files.push(out.write('table.md', ibTable(cfg, traces)));
  const err = ibErrorPanels(cfg, traces);
  files.push(
    ...(err.panels.length === 1
      ? chart('error', { title: err.title, ...err.panels[0] })
      : figures.write('error', (r) => linePanels(err.panels, { title: err.title, cols: 1, panelWidth: 800, panelHeight: 360 }, r))),
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
