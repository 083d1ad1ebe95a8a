/**
 * Convolutional stacks for image rows, in the style of the DCGAN-like nets of ALI (Dumoulin et al.
 * 2017, appendix A) and MINE's bi-directional experiments: stride-2 k×k convolutions halve the
 * image side per layer (`ConvStack`, the encoder's and D's x path), stride-2 transposed
 * convolutions double it (`DeconvStack`, the generator's head). Both take and give flat rows
 * [n, h·w·c] (NHWC order), so they compose with the MLPs of src/nets/mlp.ts through `Chain`
 * and the models see one kind of network: rows in, rows out.
 *
 * Weights are held as plain tf.Variables initialised from an explicit seed with PyTorch's default
 * (U(±1/√fan_in), fan_in = k·k·channels of the weight's second PyTorch dimension), like `Mlp`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.js';
import { type Activation, activate, checkActivation, ownedVariable } from './mlp.js';

/** What the models need of a network: rows [n, inputSize] → rows [n, outputSize] and its variables. */
export interface Net {
  readonly name: string;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly variables: tf.Variable[];
  apply(x: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

export interface ConvSpec {
  /** the image: height, width, channels. */
  height: number;
  width: number;
  channels: number;
  /** output channels of each stride-2 layer, from the image side (e.g. [32, 64]: 28 → 14 → 7). */
  widths: number[];
  /** kernel side (default 4). */
  kernel?: number;
  /** activation after every layer (ConvStack) or between layers (DeconvStack); default leakyRelu. */
  activation?: Activation;
  /** DeconvStack only: activation of the image it produces (default linear). */
  outputActivation?: Activation;
  /**
   * Batch normalization before the activation of every layer but the image-side one (DCGAN's and
   * ALI's placement: not on D's or F's input layer, not on G's output layer). Statistics are always
   * the batch's own (no running averages), at evaluation too — a sample then depends on the batch
   * it is drawn with; the models evaluate in fixed chunks, so runs stay reproducible.
   */
  batchNorm?: boolean;
}

/** A learned scale γ (init 1) and shift β (init 0) per channel. */
interface BatchNormParams {
  gamma: tf.Variable<tf.Rank.R1>;
  beta: tf.Variable<tf.Rank.R1>;
}

function batchNormParams(channels: number): BatchNormParams {
  return { gamma: ownedVariable(tf.ones([channels]) as tf.Tensor1D), beta: ownedVariable(tf.zeros([channels]) as tf.Tensor1D) };
}

/** (h − mean) / √(var + 1e-5) · γ + β, moments over batch and space per channel (Ioffe & Szegedy 2015, Alg. 1). */
function batchNorm(h: tf.Tensor4D, p: BatchNormParams): tf.Tensor4D {
  const { mean, variance } = tf.moments(h, [0, 1, 2]);
  return tf.batchNorm(h, mean, variance, p.beta, p.gamma, 1e-5) as tf.Tensor4D;
}

function normVariables(p: BatchNormParams | null): tf.Variable[] {
  return p ? [p.gamma, p.beta] : [];
}

/** Checks a spec and returns the feature map sides after each layer ([h, w] per layer, the image first). */
function sides(spec: ConvSpec, name: string): [number, number][] {
  const { height, width, channels, widths } = spec;
  for (const [k, v] of [
    ['height', height],
    ['width', width],
    ['channels', channels],
  ] as const)
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${name}: image ${k} must be a positive integer, got ${v}`);
  if (!Array.isArray(widths) || widths.length < 1 || widths.some((c) => !Number.isInteger(c) || c <= 0))
    throw new Error(`${name}: conv channels must be one or more positive integers, got ${JSON.stringify(widths)}`);
  const k = spec.kernel ?? 4;
  if (!Number.isInteger(k) || k < 1) throw new Error(`${name}: conv kernel must be a positive integer, got ${k}`);
  const out: [number, number][] = [[height, width]];
  for (let i = 0; i < widths.length; i++) {
    const [h, w] = out[out.length - 1];
    // the transposed stack must give the image back exactly, so each side must halve exactly
    if (h % 2 !== 0 || w % 2 !== 0)
      throw new Error(
        `${name}: ${widths.length} stride-2 conv layers need the image sides divisible by ${2 ** widths.length}; a ${height}×${width} image allows ${i}`,
      );
    out.push([h / 2, w / 2]);
  }
  return out;
}

/** PyTorch's default init for a filter and its bias: U(±1/√fan_in). */
function initFilter(shape: [number, number, number, number], fanIn: number, biasSize: number, rng: Rng): [tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R1>] {
  const b = 1 / Math.sqrt(fanIn);
  return [
    ownedVariable(tf.randomUniform(shape, -b, b, 'float32', rng.tfSeed()) as tf.Tensor4D),
    ownedVariable(tf.randomUniform([biasSize], -b, b, 'float32', rng.tfSeed()) as tf.Tensor1D),
  ];
}

/** Image rows [n, h·w·c] → feature rows [n, (h/2^L)·(w/2^L)·c_L]: L stride-2 convolutions, each activated. */
export class ConvStack implements Net {
  readonly filters: tf.Variable<tf.Rank.R4>[] = [];
  readonly biases: tf.Variable<tf.Rank.R1>[] = [];
  /** per layer: its batch normalization's γ and β, or null (the image-side layer, or batchNorm off). */
  readonly norms: (BatchNormParams | null)[] = [];
  readonly sides: [number, number][];
  readonly activation: Activation;

  constructor(
    readonly spec: ConvSpec,
    rng: Rng,
    readonly name = 'conv',
  ) {
    this.sides = sides(spec, name);
    this.activation = checkActivation(spec.activation ?? 'leakyRelu', `${name}.activation`);
    const k = spec.kernel ?? 4;
    let inC = spec.channels;
    spec.widths.forEach((c, i) => {
      const [f, b] = initFilter([k, k, inC, c], k * k * inC, c, rng);
      this.filters.push(f);
      this.biases.push(b);
      this.norms.push(spec.batchNorm && i > 0 ? batchNormParams(c) : null);
      inC = c;
    });
  }

  get inputSize(): number {
    return this.spec.height * this.spec.width * this.spec.channels;
  }

  get outputSize(): number {
    const [h, w] = this.sides[this.sides.length - 1];
    return h * w * this.spec.widths[this.spec.widths.length - 1];
  }

  get variables(): tf.Variable[] {
    return this.filters.flatMap((f, i) => [f, this.biases[i], ...normVariables(this.norms[i])]);
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.inputSize)
      throw new Error(`${this.name}: expected input of shape [n, ${this.inputSize}], got [${x.shape.join(', ')}]`);
    let h = tf.reshape(x, [x.shape[0], this.spec.height, this.spec.width, this.spec.channels]) as tf.Tensor4D;
    for (let i = 0; i < this.filters.length; i++) {
      h = tf.add(tf.conv2d(h, this.filters[i], 2, 'same'), this.biases[i]) as tf.Tensor4D;
      const norm = this.norms[i];
      h = activate(norm ? batchNorm(h, norm) : h, this.activation);
    }
    return tf.reshape(h, [x.shape[0], this.outputSize]) as tf.Tensor2D;
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/**
 * Feature rows [n, (h/2^L)·(w/2^L)·c_L] → image rows [n, h·w·c]: the mirror of a ConvStack with the
 * same spec — L stride-2 transposed convolutions through widths c_L … c_1 to the image's channels.
 */
export class DeconvStack implements Net {
  readonly filters: tf.Variable<tf.Rank.R4>[] = [];
  readonly biases: tf.Variable<tf.Rank.R1>[] = [];
  /** per layer: its batch normalization's γ and β, or null (the image layer, or batchNorm off). */
  readonly norms: (BatchNormParams | null)[] = [];
  readonly sides: [number, number][];
  readonly activation: Activation;
  readonly outputActivation: Activation;
  /** channels of each feature map from the input side: c_L, …, c_1, image channels. */
  private readonly chans: number[];

  constructor(
    readonly spec: ConvSpec,
    rng: Rng,
    readonly name = 'deconv',
  ) {
    this.sides = sides(spec, name).reverse();
    this.activation = checkActivation(spec.activation ?? 'leakyRelu', `${name}.activation`);
    this.outputActivation = checkActivation(spec.outputActivation ?? 'linear', `${name}.outputActivation`);
    const k = spec.kernel ?? 4;
    this.chans = [...[...spec.widths].reverse(), spec.channels];
    for (let i = 0; i + 1 < this.chans.length; i++) {
      const inC = this.chans[i],
        outC = this.chans[i + 1];
      // tf's transposed-conv filter is [k, k, out, in]; PyTorch's fan_in for it is out·k·k
      const [f, b] = initFilter([k, k, outC, inC], k * k * outC, outC, rng);
      this.filters.push(f);
      this.biases.push(b);
      this.norms.push(spec.batchNorm && i + 2 < this.chans.length ? batchNormParams(outC) : null);
    }
  }

  get inputSize(): number {
    const [h, w] = this.sides[0];
    return h * w * this.chans[0];
  }

  get outputSize(): number {
    return this.spec.height * this.spec.width * this.spec.channels;
  }

  get variables(): tf.Variable[] {
    return this.filters.flatMap((f, i) => [f, this.biases[i], ...normVariables(this.norms[i])]);
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.inputSize)
      throw new Error(`${this.name}: expected input of shape [n, ${this.inputSize}], got [${x.shape.join(', ')}]`);
    const n = x.shape[0];
    const [h0, w0] = this.sides[0];
    let h = tf.reshape(x, [n, h0, w0, this.chans[0]]) as tf.Tensor4D;
    const last = this.filters.length - 1;
    for (let i = 0; i <= last; i++) {
      const [hh, ww] = this.sides[i + 1];
      h = tf.add(tf.conv2dTranspose(h, this.filters[i], [n, hh, ww, this.chans[i + 1]], 2, 'same'), this.biases[i]) as tf.Tensor4D;
      const norm = this.norms[i];
      h = activate(norm ? batchNorm(h, norm) : h, i === last ? this.outputActivation : this.activation);
    }
    return tf.reshape(h, [n, this.outputSize]) as tf.Tensor2D;
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/** Networks applied one after the other (sizes must chain). */
export class Chain implements Net {
  constructor(
    readonly parts: Net[],
    readonly name = 'chain',
  ) {
    if (parts.length < 1) throw new Error(`${name}: a chain needs at least one network`);
    for (let i = 1; i < parts.length; i++)
      if (parts[i].inputSize !== parts[i - 1].outputSize)
        throw new Error(`${name}: ${parts[i - 1].name} gives ${parts[i - 1].outputSize} values per row but ${parts[i].name} takes ${parts[i].inputSize}`);
  }

  get inputSize(): number {
    return this.parts[0].inputSize;
  }

  get outputSize(): number {
    return this.parts[this.parts.length - 1].outputSize;
  }

  get variables(): tf.Variable[] {
    return this.parts.flatMap((p) => p.variables);
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    for (const p of this.parts) h = p.apply(h);
    return h;
  }

  dispose(): void {
    for (const p of this.parts) p.dispose();
  }
}
