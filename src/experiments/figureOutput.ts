/**
 * How the tasks write their figures: each figure in every configured format (PNG and SVG by
 * default; an experiment's `"figures": { "formats": ["svg"] }` switches PNG off), with a caption
 * line naming the experiment, setting, seed, step and run, so that a figure copied into a paper's
 * folder still says where it came from.
 */
import { basename } from 'node:path';
import { z } from 'zod';
import { check, obj } from '../config/schemaTools.js';
import { ConfigError } from '../config/validate.js';
import type { RunDir } from '../io/runDir.js';
import { FIGURE_FORMATS, type FigureFormat, type RenderOptions } from '../plot/figure.js';
import type { LineChartOptions } from '../plot/lineChart.js';

/** The experiment's `figures` field. */
export interface FigureOptions {
  /** formats written for every figure, in this order (default ["png", "svg"]). */
  formats: FigureFormat[];
}

export const DEFAULT_FIGURE_OPTIONS: FigureOptions = { formats: ['png', 'svg'] };

/** The experiment's `figures` field as JSON. */
export const figureOptionsSchema = obj({
  formats: z
    .array(z.enum(FIGURE_FORMATS as [FigureFormat, ...FigureFormat[]]))
    .min(1)
    .refine((f) => new Set(f).size === f.length, { error: (iss) => `must list each format once, got ${JSON.stringify(iss.input)}` })
    .default([...DEFAULT_FIGURE_OPTIONS.formats])
    .describe('formats written for every figure, in this order: "png" and/or "svg" (vector, text as text); ["svg"] switches PNG off.'),
})
  .describe('how figures are written.')
  .meta({ id: 'figures' });

/** `figures: { formats: [...] }`; absent means the default. */
export function parseFigureOptions(v: unknown, path = 'figures'): FigureOptions {
  const r = check(figureOptionsSchema, v ?? {}, path);
  if (r.ok) return { formats: [...r.value.formats] };
  // whatever is wrong inside the list, one sentence says what the list must be
  if (r.errors[0].startsWith(`${path}.formats`)) {
    throw new ConfigError(
      `${path}.formats must be a non-empty list of distinct formats from ${JSON.stringify(FIGURE_FORMATS)}, got ${JSON.stringify((v as { formats?: unknown }).formats)}`,
    );
  }
  throw new ConfigError(r.errors[0]);
}

/** What the caption says of a figure: the run it belongs to, and where in training it stands. */
export interface FigureRun {
  experiment: string;
  /** absent only where a caller cannot tell it yet (the caption then leaves it out). */
  seed?: number;
  /** the vary setting the figure shows, when the run has several. */
  setting?: string;
  /** the training step (or "epoch 5") the figure shows; absent for figures over the whole run. */
  step?: number | string;
}

/** "minegan-25gaussians [mi.beta=1] · seed 0 · step 3000 · run 20261125-053012-s0". */
export function figureCaption(run: FigureRun, runId?: string): string {
  const parts = [`${run.experiment}${run.setting && run.setting !== 'default' ? ` [${run.setting}]` : ''}`];
  if (run.seed !== undefined) parts.push(`seed ${run.seed}`);
  if (run.step !== undefined) parts.push(typeof run.step === 'number' ? `step ${run.step}` : run.step);
  if (runId) parts.push(`run ${runId}`);
  return parts.join(' · ');
}

/** Writes figures into a run directory in the configured formats. */
export class FigureWriter {
  constructor(
    private readonly out: RunDir,
    private readonly options: FigureOptions,
    private readonly run: FigureRun,
  ) {}

  /**
   * Renders `draw` once per format as `<name>.png`, `<name>.svg`, …, captioned with the run and
   * `extra` (setting, step); returns the paths written.
   */
  write(name: string, draw: (render: RenderOptions) => Buffer, extra: Partial<FigureRun> = {}): string[] {
    const caption = figureCaption({ ...this.run, ...extra }, basename(this.out.dir));
    return this.options.formats.map((format) => this.out.write(`${name}.${format}`, draw({ format, caption })));
  }
}

/** Each training curve's panel title and y-axis label with its unit (losses are cross-entropies in nats). */
const CURVES: Record<string, { title: string; yLabel: string }> = {
  dLoss: { title: 'discriminator loss', yLabel: 'D loss (nats)' },
  gLoss: { title: 'generator loss', yLabel: 'G loss (nats)' },
  gfLoss: { title: 'generator + encoder loss', yLabel: 'G, F loss (nats)' },
  aliceLoss: { title: 'ALICE conditional-entropy term', yLabel: 'loss (nats; L2 variant: data units²)' },
  rLoss: { title: 'reconstruction discriminator loss', yLabel: 'loss (nats)' },
  recon: { title: 'batch reconstruction error', yLabel: '‖x − G(F(x))‖² (data units²)' },
  clipScale: { title: 'adaptive clipping: MI gradient scale', yLabel: 'scale (ratio, unitless)' },
  codeAccuracy: { title: 'Q accuracy on G(z, c)', yLabel: 'accuracy (fraction)' },
};

/**
 * One line-chart panel per logged curve that has a finite value (for linePanels): each quantity
 * on its own axis with its unit. `mi` names the MI estimate's panel (e.g. "I(G(z); z) estimate").
 */
export function curvePanels(steps: number[], curves: Record<string, ArrayLike<number>>, keys: string[], mi: string): LineChartOptions[] {
  return keys
    .filter((k) => Array.from(curves[k] ?? []).some(Number.isFinite))
    .map((k) => {
      const c = k === 'mi' ? { title: mi, yLabel: 'nats' } : (CURVES[k] ?? { title: k, yLabel: k });
      return { title: c.title, xLabel: 'step', yLabel: c.yLabel, series: [{ name: c.title, x: steps, y: curves[k] }] };
    });
}
