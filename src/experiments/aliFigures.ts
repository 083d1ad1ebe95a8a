/**
 * The ali task's figures, per setting: reconstructions beside originals, samples from the prior,
 * the latent embedding F(x) of held-out data coloured by class (MINE Fig. 5 uses a 2-D view: the
 * latent itself when it is 2-D, else its first two principal components) and training curves;
 * and one chart of the evaluation numbers over training for every setting.
 */
import type { RunDir } from '../io/runDir.js';
import { ROLE_COLORS } from '../plot/canvas.js';
import { imageGrid } from '../plot/imageGrid.js';
import { lineChart, linePanels } from '../plot/lineChart.js';
import { scatterPanels, scatterPlot } from '../plot/scatterPlot.js';
import { curvePanels, FigureWriter, parseFigureOptions, type FigureOptions } from './figureOutput.js';
import { slug } from './paths.js';

/** What the figures read of the experiment (a structural subset of the task's AliConfig). */
export interface AliFigureConfig {
  name: string;
  seed: number;
  settings: { label: string; cfg: { steps: number; latentDim: number } }[];
  figures?: FigureOptions;
}

/** One evaluation of a setting: what the ali task measures every `evaluation.every` steps and plots here. */
export interface AliEval {
  step: number;
  /** mean Euclidean ‖x − G(F(x))‖₂ over held-out points. */
  reconError: number;
  modes?: number;
  modesAnySample?: number;
  highQualityPercent?: number;
  klToUniform?: number;
  /** % of reconstructions the classifier gives the original's label. */
  reconAccuracyPercent?: number;
  /** the same on as many training digits (the model saw them): the generalization gap beside it. */
  reconAccuracyTrainPercent?: number;
  /** within-class MS-SSIM of samples from the prior (class = classifier label). */
  msssim?: number;
}

export interface AliTrace {
  label: string;
  variant: string;
  steps: number[];
  curves: Record<string, number[]>;
  evals: AliEval[];
  /** final samples from the prior, reconstructions and latent codes of the held-out data. */
  samples: Float32Array;
  recon: Float32Array;
  latent: Float32Array;
}

const TITLES: Record<string, string> = { ali: 'ALI', 'alice-l2': 'ALICE (L2)', 'alice-adv': 'ALICE (adversarial)', 'ali-mi': 'ALI+MI' };

/**
 * The first two principal components of n × d rows (float64 covariance, power iteration with
 * deflation), as interleaved [pc1, pc2] per row. Signs are fixed so that each component's largest
 * loading is positive (the same data always gives the same picture).
 */
export function pca2(x: Float32Array, d: number): Float32Array {
  const n = x.length / d;
  if (d === 2) return x.slice();
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++) {
      const va = x[i * d + a] - mean[a];
      for (let b = a; b < d; b++) cov[a * d + b] += (va * (x[i * d + b] - mean[b])) / Math.max(1, n - 1);
    }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) cov[a * d + b] = cov[b * d + a];
  const comps: Float64Array[] = [];
  for (let c = 0; c < Math.min(2, d); c++) {
    let v = new Float64Array(d).map((_, j) => 1 / Math.sqrt(d) + 1e-3 * j);
    for (let it = 0; it < 300; it++) {
      const w = new Float64Array(d);
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) w[a] += cov[a * d + b] * v[b];
      for (const u of comps) {
        const dot = w.reduce((s, wi, j) => s + wi * u[j], 0);
        for (let j = 0; j < d; j++) w[j] -= dot * u[j];
      }
      const norm = Math.sqrt(w.reduce((s, wi) => s + wi * wi, 0));
      if (norm === 0) break;
      v = w.map((wi) => wi / norm);
    }
    let k = 0;
    for (let j = 1; j < d; j++) if (Math.abs(v[j]) > Math.abs(v[k])) k = j;
    if (v[k] < 0) v = v.map((vi) => -vi);
    comps.push(v);
  }
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < comps.length; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (x[i * d + j] - mean[j]) * comps[c][j];
      out[i * 2 + c] = s;
    }
  return out;
}

export interface AliFigureData {
  heldOut: Float32Array;
  labels: Int32Array;
  centres?: Float32Array;
  dim: number;
}

export function renderAliFigures(cfg: AliFigureConfig, traces: AliTrace[], data: AliFigureData, out: RunDir): string[] {
  const figures = new FigureWriter(out, cfg.figures ?? parseFigureOptions(undefined), {
    experiment: cfg.name,
    seed: cfg.seed,
    step: cfg.settings[0].cfg.steps,
  });
  const files: string[] = [];
  const image = data.dim === 784;
  const s0 = cfg.settings[0].cfg;
  const latentDim = s0.latentDim;
  for (const t of traces) {
    const title = `${TITLES[t.variant] ?? t.variant}${t.label === 'default' || t.label === `variant=${t.variant}` ? '' : ` [${t.label}]`}`;
    const suffix = traces.length > 1 ? `-${slug(t.label)}` : '';
    const setting = { setting: t.label };
    if (!t.samples.length) continue;
    if (image) {
      // Rows alternate: 16 originals, then their reconstructions G(F(x)) — up to 4 such pairs of
      // rows, fewer when evaluation.reconSamples is under 64.
      const size = 784,
        held = t.recon.length / size;
      const cols = Math.min(16, held),
        rows = Math.min(4, Math.floor(held / cols));
      const tiles: Float32Array[] = [];
      const labels: string[] = [];
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) tiles.push(data.heldOut.subarray((r * cols + c) * size, (r * cols + c + 1) * size));
        for (let c = 0; c < cols; c++) tiles.push(t.recon.subarray((r * cols + c) * size, (r * cols + c + 1) * size));
        labels.push('x', 'G(F(x))');
      }
      files.push(
        ...figures.write(
          `reconstructions${suffix}`,
          (r) => imageGrid(tiles, { height: 28, width: 28, cols, rowLabels: labels, title: `${cfg.name}: ${title}, held-out digits and reconstructions` }, r),
          setting,
        ),
      );
      files.push(
        ...figures.write(
          `samples${suffix}`,
          (r) =>
            imageGrid(t.samples.subarray(0, 100 * size), { height: 28, width: 28, cols: 10, title: `${cfg.name}: ${title}, samples G(z), z ~ N(0, I)` }, r),
          setting,
        ),
      );
    } else {
      const range: [number, number] = data.centres ? [Math.min(...data.centres) - 1.5, Math.max(...data.centres) + 1.5] : [-6, 6];
      const real = { name: 'real (held out)', points: data.heldOut, color: ROLE_COLORS.real, size: 1.5, alpha: 0.4 };
      const axes = { xLabel: 'x₁', yLabel: 'x₂', markers: data.centres, xRange: range, yRange: range };
      const panels = [
        {
          title: 'samples G(z)',
          groups: [real, { name: 'G(z)', points: t.samples.subarray(0, 2000), color: ROLE_COLORS.generated, size: 1.8, alpha: 0.6 }],
          ...axes,
        },
        {
          title: 'reconstructions G(F(x))',
          groups: [real, { name: 'G(F(x))', points: t.recon, color: ROLE_COLORS.reconstruction, size: 1.8, alpha: 0.6 }],
          ...axes,
        },
      ];
      files.push(...figures.write(`samples${suffix}`, (r) => scatterPanels(panels, { title: `${cfg.name}: ${title}` }, r), setting));
    }
    const view = latentDim === 2 ? '2-D code' : `PCA of the ${latentDim}-D code`;
    const latent = {
      title: `${title}: F(x) of held-out ${image ? 'digits' : 'points, by nearest mode'} (${view})`,
      // a 2-D code is drawn to scale; principal components are stretched to show class structure
      equalAspect: latentDim === 2,
      xLabel: latentDim === 2 ? 'z₁' : 'PC 1',
      yLabel: latentDim === 2 ? 'z₂' : 'PC 2',
      groups: [
        {
          name: image ? 'digit' : 'mode',
          points: pca2(t.latent, latentDim),
          colorIndex: data.labels,
          size: 2,
          alpha: 0.7,
          classNames: image ? Array.from({ length: 10 }, (_, i) => String(i)) : undefined,
        },
      ],
    };
    files.push(...figures.write(`latent${suffix}`, (r) => scatterPlot(latent, r), setting));
    // a curve that is 0 throughout is a term the variant does not have (ALICE's, on plain ALI)
    const names = ['dLoss', 'gfLoss', 'aliceLoss', 'rLoss', 'recon', 'mi'].filter((k) => t.curves[k]?.some((v) => Number.isFinite(v) && v !== 0));
    const curves = curvePanels(t.steps, t.curves, names, 'I(X; F(X)) estimate');
    files.push(...figures.write(`curves${suffix}`, (r) => linePanels(curves, { title: `${cfg.name}: ${title}, training curves` }, r), setting));
  }
  const withEvals = traces.filter((t) => t.evals.length);
  if (withEvals.length) {
    const o = {
      title: `${cfg.name}: reconstruction error ‖x − G(F(x))‖₂ on held-out data`,
      xLabel: 'step',
      yLabel: 'mean Euclidean error (data units)',
      series: withEvals.map((t) => ({ name: TITLES[t.variant] ?? t.label, x: t.evals.map((e) => e.step), y: t.evals.map((e) => e.reconError), markers: true })),
    };
    files.push(...figures.write('recon-error', (r) => lineChart(o, r)));
  }
  return files;
}
