/**
 * Arrays a run leaves for analysis in Python (`numpy.load`): generated samples, an encoder's codes
 * of held-out data, per-step MI estimates. Each is a `.npy` file (src/io/npy.ts, float32 or
 * float64, C order) written atomically through RunDir, and `arrays.json` beside them says for
 * every file what its rows and columns are, so that `np.load("estimates.npy")[:, 2]` has a name.
 *
 * Names: `samples-step3000.npy`, `latents.npy`, `estimates.npy`; with several settings (`vary`)
 * the setting is part of the name (`samples-beta=1-step3000.npy`).
 */
import { readFileSync } from 'node:fs';
import { encodeNpy } from '../io/npy.js';
import type { RunDir } from '../io/runDir.js';
import { slug } from './paths.js';

/** What arrays.json says of one file. */
export interface ArrayNote {
  shape: number[];
  dtype: 'float32' | 'float64';
  /** what a row is. */
  rows: string;
  /** the columns' names, or what a column is. */
  columns: string[] | string;
  setting?: string;
  step?: number;
  /** a companion file (e.g. the labels of the rows). */
  labels?: string;
}

export const ARRAY_INDEX = 'arrays.json';

export class ArrayExports {
  /**
   * `settings`: how many settings the run has; with more than one, file names carry the setting.
   * The index is read back when it exists (a resumed run adds to it).
   */
  constructor(
    private readonly out: RunDir,
    private readonly settings: number,
  ) {}

  /** `<base>[-<setting>][-step<step>].npy` */
  name(base: string, setting: string, step?: number): string {
    return `${base}${this.settings > 1 ? `-${slug(setting)}` : ''}${step === undefined ? '' : `-step${step}`}.npy`;
  }

  /** Writes `data` as an n × `cols` array (1-D when cols is 0) and records it in arrays.json; returns the path. */
  write(name: string, data: Float32Array | Float64Array, cols: number, note: Omit<ArrayNote, 'shape' | 'dtype'>): string {
    const shape = cols === 0 ? [data.length] : [data.length / cols, cols];
    const path = this.out.write(name, encodeNpy(data, shape));
    const index = this.readIndex();
    index[name] = { shape, dtype: data instanceof Float32Array ? 'float32' : 'float64', ...note };
    this.out.writeJson(ARRAY_INDEX, index);
    return path;
  }

  /**
   * Generated points [n, dim] at `step`; `labels` (e.g. InfoGAN's categorical code of each sample)
   * go to a companion file `<name>-<labels.name>.npy`.
   */
  samples(
    setting: string,
    step: number,
    points: Float32Array,
    dim: number,
    opts: { what?: string; labels?: { name: string; values: ArrayLike<number>; what: string } } = {},
  ): string[] {
    const name = this.name('samples', setting, step);
    const files: string[] = [];
    let labelFile: string | undefined;
    if (opts.labels) {
      labelFile = name.replace(/\.npy$/, `-${opts.labels.name}.npy`);
      files.push(
        this.write(labelFile, Float64Array.from(opts.labels.values), 0, {
          rows: `${opts.labels.what} of each row of ${name}`,
          columns: 'one value per row',
          setting,
          step,
        }),
      );
    }
    const columns = dim === 2 ? ['x', 'y'] : `the ${dim} data coordinates (pixels in row-major order for images)`;
    files.unshift(
      this.write(name, points, dim, { rows: opts.what ?? 'generated samples G(z)', columns, setting, step, ...(labelFile ? { labels: labelFile } : {}) }),
    );
    return files;
  }

  /** An encoder's codes [n, dim] of held-out data, with the rows' labels (class or mode) beside them. */
  latents(setting: string, codes: Float32Array, dim: number, rows: string, labels?: ArrayLike<number>): string[] {
    const name = this.name('latents', setting);
    const files: string[] = [];
    let labelFile: string | undefined;
    if (labels) {
      labelFile = this.name('latents-labels', setting);
      files.push(this.write(labelFile, Float64Array.from(labels), 0, { rows: `the label of each row of ${name}`, columns: 'one value per row', setting }));
    }
    files.unshift(this.write(name, codes, dim, { rows, columns: `the ${dim} latent coordinates`, setting, ...(labelFile ? { labels: labelFile } : {}) }));
    return files;
  }

  /** Per-step values [steps, 1 + columns]: the step, then one column each (NaN where a column has no value). */
  perStep(base: string, setting: string, columns: { name: string; values: Float64Array }[], rows: string): string {
    const steps = columns.length ? columns[0].values.length : 0;
    const width = 1 + columns.length;
    const data = new Float64Array(steps * width);
    for (let i = 0; i < steps; i++) {
      data[i * width] = i;
      for (const [j, c] of columns.entries()) data[i * width + 1 + j] = c.values[i];
    }
    return this.write(this.name(base, setting), data, width, { rows, columns: ['step', ...columns.map((c) => c.name)], setting });
  }

  private readIndex(): Record<string, ArrayNote> {
    if (!this.out.exists(ARRAY_INDEX)) return {};
    try {
      return JSON.parse(readFileSync(this.out.path(ARRAY_INDEX), 'utf8')) as Record<string, ArrayNote>;
    } catch {
      // a damaged index is rebuilt from the files written from now on
      return {};
    }
  }
}
