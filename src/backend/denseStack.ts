/**
 * A stack of dense layers, y = act_L(… act_1(x·W_1 + b_1) … ·W_L + b_L), as ONE kernel forward and
 * ONE kernel backward on the wasm backend, instead of tfjs' per-layer ops. Under a gradient tape
 * tfjs does not fuse matmul + bias + ReLU (fused ops only fuse a linear activation there), so a
 * 3-layer MLP costs ~20 kernel calls forward and ~25 backward, each with the engine's fixed cost
 * (bookkeeping, tape node, clones of the tensors it saves). At the sizes of most of this toolkit's
 * networks (2-D GANs, critics on low-dimensional data) that fixed cost is comparable to the
 * arithmetic (`npm run bench -- --profile`).
 *
 * Kernels (wasm only; other backends keep the per-layer path in src/nets/mlp.ts):
 * - DENSE_FORWARD: inputs x, w0, b0, w1, b1, …; outputs y and, when the backward pass will need
 *   them, the hidden activations h_1 … h_{L−1}.
 * - DENSE_BACKWARD: inputs dy, x, the weights, the hidden activations (and y for a non-linear
 *   output activation); outputs only the gradients that backpropagation asks for.
 * With the native addon both are one OpenBLAS-backed call each (native/blas.c denseForward and
 * denseBackward, the running gradient in the addon's scratch); without it (the portable path) they
 * run the wasm matmul, Step, Multiply and Sum kernels directly, skipping the engine.
 *
 * The gradient is attached to the op's tape node by hand (tapeNode.ts), so one backward call
 * computes exactly the gradients backpropagation asks for (the G step of a GAN needs D's input
 * gradient but not D's weight gradients); test/backend/denseStack.test.ts pins the behaviour.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeBlas } from './nativeBlas.js';
import { engineInternals, lastTapeNode, shareKept, tapeMode, wantedInputs } from './tapeNode.js';
import { type KernelArgs, type WasmHeapBackend, type WasmLikeBackend, floatOffset } from './wasmMatMul.js';

export const DENSE_FORWARD = 'InfoboundDenseForward';
export const DENSE_BACKWARD = 'InfoboundDenseBackward';

/** Activations the fused kernels implement (others run per layer). leakyRelu has slope `alpha` below 0. */
export type DenseActivation = 'linear' | 'relu' | 'leakyRelu';
const ACT_CODE: Record<DenseActivation, number> = { linear: 0, relu: 1, leakyRelu: 2 };
const isDenseActivation = (a: string): a is DenseActivation => a === 'linear' || a === 'relu' || a === 'leakyRelu';

interface ForwardAttrs {
  layers: number;
  activation: DenseActivation;
  outputActivation: DenseActivation;
  alpha: number;
  /** also output h_1 … h_{L−1} (the backward pass needs them). */
  keepHidden: boolean;
}

interface BackwardAttrs {
  layers: number;
  activation: DenseActivation;
  outputActivation: DenseActivation;
  alpha: number;
  needDx: boolean;
  needW: boolean[];
  needB: boolean[];
}

const _size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

function checkLayers(x: tf.TensorInfo, w: tf.TensorInfo[], b: (tf.TensorInfo | undefined)[]): number[] {
  if (x.shape.length !== 2) throw new Error(`dense stack: x must be [n, in], got [${x.shape}]`);
  const widths = [x.shape[1]];
  w.forEach((wi, i) => {
    if (wi.shape.length !== 2 || wi.shape[0] !== widths[i]) throw new Error(`dense stack: w${i} must be [${widths[i]}, out], got [${wi.shape}]`);
    widths.push(wi.shape[1]);
    const bi = b[i];
    if (bi && (bi.shape.length !== 1 || bi.shape[0] !== wi.shape[1])) throw new Error(`dense stack: b${i} must be [${wi.shape[1]}], got [${bi.shape}]`);
  });
  for (const t of [x, ...w, ...b]) if (t && t.dtype !== 'float32') throw new Error(`dense stack: tensors must be float32, got ${t.dtype}`);
  return widths;
}

function layerInputs(inputs: Record<string, tf.TensorInfo | undefined>, layers: number) {
  const w: tf.TensorInfo[] = [],
    b: (tf.TensorInfo | undefined)[] = [],
    h: tf.TensorInfo[] = [];
  for (let i = 0; i < layers; i++) {
    const wi = inputs[`w${i}`];
    if (!wi) throw new Error(`dense stack: input w${i} missing`);
    w.push(wi);
    b.push(inputs[`b${i}`]);
    if (i > 0) {
      const hi = inputs[`h${i}`];
      if (hi) h.push(hi);
    }
  }
  return { w, b, h };
}

/**
 * Matmul FLOPs of one call of the forward or backward kernel (2 per multiply-add), from its inputs'
 * shapes and attrs: forward 2·n·Σ in·out; backward 2·n·in·out for each wanted weight gradient and
 * for each layer the running gradient passes through (down to the lowest wanted layer, and into x
 * when dx is wanted). For benchmarks (bench/flops.ts).
 */
export function denseStackFlops(kernelName: string, inputs: Record<string, { shape: number[] } | undefined>, attrs: Record<string, unknown>): number {
  const L = attrs.layers as number;
  const x = inputs.x;
  if (!x || (kernelName !== DENSE_FORWARD && kernelName !== DENSE_BACKWARD)) return 0;
  const n = x.shape[0];
  const mac = (i: number) => {
    const w = inputs[`w${i}`];
    return w ? w.shape[0] * w.shape[1] : 0;
  };
  let macs = 0;
  if (kernelName === DENSE_FORWARD) {
    for (let i = 0; i < L; i++) macs += mac(i);
  } else {
    const a = attrs as unknown as BackwardAttrs;
    const lowest = lowestLayer(a);
    for (let i = L - 1; i >= lowest; i--) {
      if (a.needW[i]) macs += mac(i);
      if (i > lowest || (i === 0 && a.needDx)) macs += mac(i);
    }
  }
  return 2 * n * macs;
}

// ---- native kernels (one addon call each way) ----

function nativeForward(blas: NativeBlas) {
  return (args: KernelArgs): tf.TensorInfo[] => {
    const backend = args.backend as WasmHeapBackend;
    const a = args.attrs as unknown as ForwardAttrs;
    const x = args.inputs.x as tf.TensorInfo;
    const { w, b } = layerInputs(args.inputs, a.layers);
    const widths = checkLayers(x, w, b);
    const n = x.shape[0],
      L = a.layers;
    const outs = [backend.makeOutput([n, widths[L]], 'float32')];
    if (a.keepHidden) for (let i = 1; i < L; i++) outs.push(backend.makeOutput([n, widths[i]], 'float32'));
    const plan = new Float64Array(7 + 5 * L);
    plan.set([
      n,
      L,
      ACT_CODE[a.activation],
      ACT_CODE[a.outputActivation],
      a.alpha,
      floatOffset(backend, x, 'dense stack'),
      floatOffset(backend, outs[0], 'dense stack'),
    ]);
    for (let i = 0; i < L; i++) {
      const bi = b[i];
      plan.set(
        [
          widths[i],
          widths[i + 1],
          floatOffset(backend, w[i], 'dense stack'),
          bi ? floatOffset(backend, bi, 'dense stack') : -1,
          a.keepHidden && i < L - 1 ? floatOffset(backend, outs[i + 1], 'dense stack') : -1,
        ],
        7 + 5 * i,
      );
    }
    blas.denseForward(backend.wasm.HEAPU8.buffer, plan);
    return outs;
  };
}

function nativeBackward(blas: NativeBlas) {
  return (args: KernelArgs): tf.TensorInfo[] => {
    const backend = args.backend as WasmHeapBackend;
    const a = args.attrs as unknown as BackwardAttrs;
    const { dy, x, y } = args.inputs as Record<string, tf.TensorInfo>;
    const L = a.layers;
    const { w, h } = layerInputs(args.inputs, L);
    const widths = checkLayers(x, w, []);
    if (h.length !== L - 1) throw new Error(`dense stack backward: expected ${L - 1} hidden activations, got ${h.length}`);
    const n = x.shape[0];
    const lowest = lowestLayer(a);
    const outs: tf.TensorInfo[] = [];
    const dx = a.needDx ? push(outs, backend.makeOutput([n, widths[0]], 'float32')) : null;
    const dw: (tf.TensorInfo | null)[] = [],
      db: (tf.TensorInfo | null)[] = [];
    for (let i = 0; i < L; i++) {
      dw.push(a.needW[i] ? push(outs, backend.makeOutput([widths[i], widths[i + 1]], 'float32')) : null);
      db.push(a.needB[i] ? push(outs, backend.makeOutput([widths[i + 1]], 'float32')) : null);
    }
    const plan = new Float64Array(9 + 6 * L);
    plan.set([
      n,
      L,
      ACT_CODE[a.activation],
      ACT_CODE[a.outputActivation],
      a.alpha,
      floatOffset(backend, dy, 'dense stack'),
      y ? floatOffset(backend, y, 'dense stack') : -1,
      dx ? floatOffset(backend, dx, 'dense stack') : -1,
      lowest,
    ]);
    for (let i = 0; i < L; i++) {
      const dwi = dw[i],
        dbi = db[i];
      plan.set(
        [
          widths[i],
          widths[i + 1],
          floatOffset(backend, w[i], 'dense stack'),
          floatOffset(backend, i === 0 ? x : h[i - 1], 'dense stack'),
          dwi ? floatOffset(backend, dwi, 'dense stack') : -1,
          dbi ? floatOffset(backend, dbi, 'dense stack') : -1,
        ],
        9 + 6 * i,
      );
    }
    blas.denseBackward(backend.wasm.HEAPU8.buffer, plan);
    return outs;
  };
}

function push<T>(list: T[], t: T): T {
  list.push(t);
  return t;
}

/** The lowest layer the backward pass must reach: 0 for dx, else the first layer with a wanted gradient. */
function lowestLayer(a: BackwardAttrs): number {
  if (a.needDx) return 0;
  for (let i = 0; i < a.layers; i++) if (a.needW[i] || a.needB[i]) return i;
  return a.layers - 1;
}

// ---- portable kernels (the wasm backend's own kernels, called directly) ----

function wasmKernel(name: string): tf.KernelFunc {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm ${name} kernel not registered`);
  return k.kernelFunc;
}

function run(name: string, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>, backend: WasmLikeBackend): tf.TensorInfo {
  return wasmKernel(name)({ inputs, attrs, backend: backend as unknown as tf.KernelBackend } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}

/** The same data viewed as a batch of one matrix (the wasm matmul kernels take rank-3 operands). */
const as3d = (t: tf.TensorInfo): tf.TensorInfo => ({ dataId: t.dataId, shape: [1, ...t.shape], dtype: t.dtype });
const as2d = (t: tf.TensorInfo, rows: number, cols: number): tf.TensorInfo => ({ dataId: t.dataId, shape: [rows, cols], dtype: t.dtype });
const FUSED_ACT: Record<DenseActivation, string> = { linear: 'linear', relu: 'relu', leakyRelu: 'leakyrelu' };

function portableForward(args: KernelArgs): tf.TensorInfo[] {
  const { backend } = args;
  const a = args.attrs as unknown as ForwardAttrs;
  const x = args.inputs.x as tf.TensorInfo;
  const { w, b } = layerInputs(args.inputs, a.layers);
  const widths = checkLayers(x, w, b);
  const n = x.shape[0],
    L = a.layers;
  const hidden: tf.TensorInfo[] = [];
  let hcur = x;
  for (let i = 0; i < L; i++) {
    const act = i === L - 1 ? a.outputActivation : a.activation;
    const inputs: Record<string, tf.TensorInfo> = { a: as3d(hcur), b: as3d(w[i]) };
    const bi = b[i];
    if (bi) inputs.bias = bi;
    const out = run('_FusedMatMul', inputs, { transposeA: false, transposeB: false, activation: FUSED_ACT[act], leakyreluAlpha: a.alpha }, backend);
    const h2 = as2d(out, n, widths[i + 1]);
    if (i > 0 && !a.keepHidden) backend.disposeData(hcur.dataId);
    if (i < L - 1 && a.keepHidden) hidden.push(h2);
    hcur = h2;
  }
  return [hcur, ...hidden];
}

/** g ⊙ act'(pre-activation) from the activation's output h, as a new buffer (Step gives 1 above 0, alpha otherwise). */
function portableActGrad(g: tf.TensorInfo, h: tf.TensorInfo, act: DenseActivation, alpha: number, backend: WasmLikeBackend): tf.TensorInfo {
  if (act === 'linear') {
    backend.incRef(g.dataId);
    return { ...g };
  }
  const mask = run('Step', { x: h }, { alpha: act === 'relu' ? 0 : alpha }, backend);
  try {
    return run('Multiply', { a: g, b: mask }, {}, backend);
  } finally {
    backend.disposeData(mask.dataId);
  }
}

function portableBackward(args: KernelArgs): tf.TensorInfo[] {
  const { backend } = args;
  const a = args.attrs as unknown as BackwardAttrs;
  const { dy, x, y } = args.inputs as Record<string, tf.TensorInfo>;
  const L = a.layers;
  const { w, h } = layerInputs(args.inputs, L);
  const widths = checkLayers(x, w, []);
  const n = x.shape[0];
  const lowest = lowestLayer(a);
  const grads: { dx?: tf.TensorInfo; dw: (tf.TensorInfo | null)[]; db: (tf.TensorInfo | null)[] } = { dw: Array(L).fill(null), db: Array(L).fill(null) };
  let g = a.outputActivation === 'linear' ? null : portableActGrad(dy, y, a.outputActivation, a.alpha, backend);
  try {
    for (let i = L - 1; i >= lowest; i--) {
      const gi = g ?? dy;
      const input = i === 0 ? x : h[i - 1];
      if (a.needW[i])
        grads.dw[i] = as2d(run('BatchMatMul', { a: as3d(input), b: as3d(gi) }, { transposeA: true, transposeB: false }, backend), widths[i], widths[i + 1]);
      if (a.needB[i]) grads.db[i] = run('Sum', { x: gi }, { axis: [0], keepDims: false }, backend);
      if (i > lowest || (i === 0 && a.needDx)) {
        const dh = as2d(run('BatchMatMul', { a: as3d(gi), b: as3d(w[i]) }, { transposeA: false, transposeB: true }, backend), n, widths[i]);
        if (i === 0) {
          grads.dx = dh;
        } else {
          const next = portableActGrad(dh, h[i - 1], a.activation, a.alpha, backend);
          backend.disposeData(dh.dataId);
          if (g) backend.disposeData(g.dataId);
          g = next;
        }
      }
    }
  } finally {
    if (g) backend.disposeData(g.dataId);
  }
  const outs: tf.TensorInfo[] = [];
  if (a.needDx) outs.push(grads.dx as tf.TensorInfo);
  for (let i = 0; i < L; i++) {
    if (a.needW[i]) outs.push(grads.dw[i] as tf.TensorInfo);
    if (a.needB[i]) outs.push(grads.db[i] as tf.TensorInfo);
  }
  return outs;
}

/** The forward and backward kernel functions for the wasm backend: native with `blas`, portable without. */
export function denseStackKernels(blas: NativeBlas | null): { forward: tf.KernelFunc; backward: tf.KernelFunc } {
  const forward = blas ? nativeForward(blas) : portableForward;
  const backward = blas ? nativeBackward(blas) : portableBackward;
  return { forward: forward as unknown as tf.KernelFunc, backward: backward as unknown as tf.KernelFunc };
}

// ---- the op ----

/**
 * y = act_L(… act_1(x·W_1 + b_1) …) through the fused kernels, or null when they cannot serve this
 * call (another backend, an activation they lack, an empty dimension, or a nested gradient — the
 * backward kernel has no gradient of its own): the caller then runs the layers one by one.
 */
export function denseStack(
  x: tf.Tensor2D,
  weights: tf.Tensor2D[],
  biases: (tf.Tensor1D | null)[],
  activation: string,
  outputActivation: string,
  alpha = 0.2,
): tf.Tensor2D | null {
  if (!isDenseActivation(activation) || !isDenseActivation(outputActivation)) return null;
  if (tf.getKernel(DENSE_FORWARD, tf.getBackend()) === undefined) return null;
  const e = engineInternals();
  const mode = tapeMode(e);
  if (mode === 'nested') return null;
  const taping = mode === 'on';
  if (x.shape[0] === 0 || weights.some((w) => w.size === 0)) return null;
  const L = weights.length;
  const inputs: Record<string, tf.Tensor> = { x };
  for (let i = 0; i < L; i++) {
    inputs[`w${i}`] = weights[i];
    const bi = biases[i];
    if (bi) inputs[`b${i}`] = bi;
  }
  const attrs: ForwardAttrs = { layers: L, activation, outputActivation, alpha, keepHidden: taping };
  const outs = e.runKernel(DENSE_FORWARD, inputs, attrs as unknown as Record<string, unknown>) as tf.Tensor[];
  const y = outs[0] as tf.Tensor2D;
  if (!taping) return y;

  const node = lastTapeNode(e, y, 'dense stack');
  // The hidden activations and clones of x, the weights (and y) live until backpropagation
  // ends; the engine disposes a node's `saved` tensors then.
  const hidden = outs.slice(1).map((t) => e.keep(t));
  const sx = shareKept(e, x),
    sw = weights.map((w) => shareKept(e, w));
  const sy = outputActivation === 'linear' ? null : shareKept(e, y);
  node.outputs = [y]; // the hidden outputs get no gradient: no zero-filled dys for them
  node.saved = [sx, ...sw, ...hidden, ...(sy ? [sy] : [])];
  node.gradient = function (this: { inputs?: Record<string, tf.Tensor> } | undefined, dys: (tf.Tensor | null)[]) {
    // `this` is the pruned node: its inputs are those that need a gradient
    const want = wantedInputs(this, inputs);
    const needW = weights.map((_, i) => `w${i}` in want),
      needB = weights.map((_, i) => `b${i}` in want && biases[i] !== null);
    const battrs: BackwardAttrs = { layers: L, activation, outputActivation, alpha, needDx: 'x' in want, needW, needB };
    const dy = dys[0] ?? tf.zerosLike(y);
    const bin: Record<string, tf.Tensor> = { dy, x: sx };
    sw.forEach((w, i) => (bin[`w${i}`] = w));
    hidden.forEach((h, i) => (bin[`h${i + 1}`] = h));
    if (sy) bin.y = sy;
    const g =
      battrs.needDx || needW.some(Boolean) || needB.some(Boolean)
        ? (e.runKernel(DENSE_BACKWARD, bin, battrs as unknown as Record<string, unknown>) as tf.Tensor[])
        : [];
    const map: Record<string, () => tf.Tensor> = {};
    let k = 0;
    if (battrs.needDx) {
      const t = g[k++];
      map.x = () => t;
    }
    for (let i = 0; i < L; i++) {
      if (needW[i]) {
        const t = g[k++];
        map[`w${i}`] = () => t;
      }
      if (needB[i]) {
        const t = g[k++];
        map[`b${i}`] = () => t;
      }
    }
    return map;
  };
  return y;
}
