// Test helpers: a set of charts that covers every drawing call, and pixel comparison of two renderings.
import { Resvg } from '@resvg/resvg-js';
import { barChart } from '../../src/plot/barChart.js';
import { errorBarPanels } from '../../src/plot/errorBarChart.js';
import type { RenderOptions } from '../../src/plot/figure.js';
import { heatmapPanels } from '../../src/plot/heatmap.js';
import { imageGrid } from '../../src/plot/imageGrid.js';
import { lineChart, linePanels } from '../../src/plot/lineChart.js';
import { scatterPanels } from '../../src/plot/scatterPlot.js';
import { decode, type Pixels } from './png.js';

const steps = Array.from({ length: 40 }, (_, i) => i * 25);
const wave = (f: number, a: number) => steps.map((s) => a * (1 + Math.sin(s / f)));
const grid = (n: number, f: (c: number, r: number) => number) => Float32Array.from({ length: n * n }, (_, i) => f(i % n, Math.floor(i / n)));

/**
 * One chart of each kind, with what each draws: lines, dashes, ± bands, markers, a log axis, dots
 * at α < 1, mode marks, bars and error bars, rotated labels, a colour bar, pixel images, a caption.
 */
export const CHARTS: Record<string, (r: RenderOptions) => Buffer> = {
  line: (r) =>
    lineChart(
      {
        title: 'MI estimate over training: σ → ∞',
        xLabel: 'step',
        yLabel: 'nats',
        series: [
          { name: 'MINE', x: steps, y: wave(90, 1), std: wave(200, 0.1) },
          { name: 'NWJ', x: steps, y: wave(140, 0.8), dashed: true, markers: true },
        ],
        refLines: [{ y: 1.2, name: 'true MI' }],
      },
      r,
    ),
  logLine: (r) => lineChart({ title: 'log axis', logY: true, series: [{ name: 'loss', x: steps, y: steps.map((s) => 10 / (1 + s)) }] }, r),
  panels: (r) =>
    linePanels(
      [
        { title: 'discriminator loss', xLabel: 'step', yLabel: 'D loss (nats)', series: [{ name: 'dLoss', x: steps, y: wave(60, 0.7) }] },
        { title: 'adaptive clipping', xLabel: 'step', yLabel: 'scale (ratio)', series: [{ name: 'clip', x: steps, y: wave(30, 0.2) }] },
      ],
      { title: 'training curves' },
      r,
    ),
  scatter: (r) =>
    scatterPanels(
      [0, 1].map((k) => ({
        title: `step ${k * 500}`,
        xLabel: 'x₁',
        yLabel: 'x₂',
        groups: [
          { name: 'real', points: Float32Array.from({ length: 400 }, (_, i) => Math.sin(i * 1.7) * 2), color: '#999999', size: 1.5, alpha: 0.4 },
          { name: 'generated', points: Float32Array.from({ length: 400 }, (_, i) => Math.cos(i * (2.3 + k)) * 2.5), color: '#D55E00', alpha: 0.6 },
        ],
        markers: [-2, -2, 0, 0, 2, 2],
        xRange: [-3, 3] as [number, number],
        yRange: [-3, 3] as [number, number],
      })),
      { title: 'samples' },
      r,
    ),
  kde: (r) =>
    heatmapPanels(
      [1, 2].map((k) => ({
        title: `panel ${k}`,
        values: grid(30, (c, rr) => k * Math.exp(-((c - 15) ** 2 + (rr - 10 * k) ** 2) / 30)),
        width: 30,
        height: 30,
        xRange: [-2, 2] as [number, number],
        yRange: [-2, 2] as [number, number],
        xLabel: 'x₁',
        yLabel: 'x₂',
      })),
      { title: 'density', colorbarLabel: 'estimated density' },
      r,
    ),
  bars: (r) =>
    barChart(
      {
        title: 'final estimate per β',
        categories: ['β = 0', 'β = 0.1 (a long category label)', 'β = 1', 'β = 10'],
        series: [
          { name: 'MINE', values: [0.5, 1.2, 2.1, NaN], errors: [0.1, 0.2, 0.1, 0] },
          { name: 'NWJ', values: [0.4, -0.3, 1.9, 2.5] },
        ],
        yLabel: 'nats',
      },
      r,
    ),
  errorBars: (r) =>
    errorBarPanels(
      ['modes', 'high-quality %'].map((yLabel, k) => ({
        title: yLabel,
        xLabel: 'β (log scale)',
        yLabel,
        xLog: true,
        yFromZero: true,
        series: ['mine', 'nwj'].map((name, j) => ({
          name,
          points: [0, 0.01, 0.1, 1].map((x, i) => ({
            x,
            mean: 5 + 4 * i + 3 * j + k,
            std: 1 + (i % 2),
            samples: [4 + 4 * i + 3 * j, 6 + 4 * i + 3 * j + 2 * k],
          })),
        })),
      })),
      { title: 'coverage and precision against β' },
      r,
    ),
  digits: (r) =>
    imageGrid(
      Float32Array.from({ length: 6 * 28 * 28 }, (_, i) => (((i % 28) + Math.floor(i / 28)) % 9) / 8),
      { height: 28, width: 28, cols: 3, rowLabels: ['x', 'G(F(x))'], title: 'digits' },
      r,
    ),
};

/** An SVG rendered by resvg, with the toolkit's font resolved from the system fonts. */
export async function resvgPixels(svg: Buffer | string): Promise<Pixels> {
  return decode(new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng());
}

/**
 * How two renderings of one size differ: the share of pixels of either that have no pixel within
 * `tol` levels (every channel) within `slack` pixels of the same place in the other. The slack
 * absorbs anti-aliasing and the renderers' glyph advances (a bold title can drift by 2 px over its
 * length); a mark that moved further, changed colour or is missing still counts in full.
 */
export function pixelDifference(a: Pixels, b: Pixels, tol = 48, slack = 2): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`sizes differ: ${a.width}×${a.height} vs ${b.width}×${b.height}`);
  const unmatched = (p: Pixels, q: Pixels) => {
    let n = 0;
    for (let y = 0; y < p.height; y++)
      for (let x = 0; x < p.width; x++) {
        const c = p.at(x, y);
        // the same place first: most pixels of two renderings of one chart agree there
        let found = q.is(x, y, c, tol);
        for (let dy = -slack; dy <= slack && !found; dy++) for (let dx = -slack; dx <= slack && !found; dx++) found = q.is(x + dx, y + dy, c, tol);
        if (!found) n++;
      }
    return n;
  };
  return (unmatched(a, b) + unmatched(b, a)) / (2 * a.width * a.height);
}

/**
 * Two renderings show the same chart when under 0.1% of their pixels are unmatched. Measured for
 * CHARTS (PNG against the SVG): resvg 0.006–0.046% (glyph advances of bold titles), Chromium
 * 0.000–0.008%; a 2-px line moved by 8 px in an 800 × 500 chart: 0.33%.
 */
export const SAME_CHART = 0.001;
