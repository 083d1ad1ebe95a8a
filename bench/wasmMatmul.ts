/**
 * The wasm matmul fix, measured: GFLOP/s of matmuls with each transpose combination with the stock
 * kernels and with the portable registerWasmKernelFixes(), and the time of one training step of an MLP
 * 784-1024-1024-256-10 (batch 100, Adam, softmax cross-entropy), median over 20 steps after
 * warm-up, plus a per-kernel profile of one fixed step.
 *
 *   npx tsx bench/wasmMatmul.ts            # everything (~1–2 min, most of it the stock kernels)
 *   npx tsx bench/wasmMatmul.ts --quick    # fewer repetitions
 *
 * The machines are shared: compare before/after within one run, not against figures from elsewhere.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/backend.js';
import { loadNativeBlas } from '../src/backend/nativeBlas.js';
import { registerWasmKernelFixes, restoreStockWasmKernels, wasmKernelFixesRegistered } from '../src/backend/wasmKernels.js';
import { matMulPlan } from '../src/backend/wasmMatMul.js';
import { Mlp } from '../src/nets/mlp.js';
import { Rng } from '../src/util/rng.js';

const quick = process.argv.includes('--quick');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Median ms of f(prepared) over at least `minReps` calls and `minMs` ms, after one warm-up call; prepare is untimed. */
function timeIt<T>(prepare: () => T, f: (p: T) => void, done: (p: T) => void, minReps: number, minMs: number): number {
  const once = () => {
    const p = prepare();
    const t0 = performance.now();
    f(p);
    const ms = performance.now() - t0;
    done(p);
    return ms;
  };
  once();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minReps || (performance.now() - start < minMs && times.length < 200)) times.push(once());
  return median(times);
}

/**
 * GFLOP/s of C[m, n] = op(A) op(B) with inner dimension k; wasm kernels run synchronously. The
 * operands are fresh copies at every call, as in training: the stock kernel caches XNNPACK's packed
 * copy of B by tensor id, and reusing one B would leave that packing out of the time.
 */
function matmulGflops(m: number, k: number, n: number, tA: boolean, tB: boolean, slow: boolean): number {
  const r = new Rng(m * 7 + k * 3 + n);
  const a = tf.randomNormal(tA ? [k, m] : [m, k], 0, 1, 'float32', r.tfSeed()) as tf.Tensor2D;
  const b = tf.randomNormal(tB ? [n, k] : [k, n], 0, 1, 'float32', r.tfSeed()) as tf.Tensor2D;
  const ms = timeIt(
    () => [tf.add(a, 0), tf.add(b, 0)] as [tf.Tensor2D, tf.Tensor2D],
    ([x, y]) => tf.matMul(x, y, tA, tB).dispose(),
    (ts) => tf.dispose(ts),
    slow ? 3 : 10,
    quick ? 300 : slow ? 1500 : 1000,
  );
  a.dispose();
  b.dispose();
  return (2 * m * k * n) / (ms * 1e6);
}

function mlpStep(): { stepMs: number[]; profile: () => Promise<Map<string, { ms: number; calls: number }>>; dispose: () => void } {
  const rng = new Rng(1);
  const net = new Mlp({ sizes: [784, 1024, 1024, 256, 10] }, rng, 'bench');
  const opt = tf.train.adam(1e-3);
  const x = tf.randomUniform([100, 784], 0, 1, 'float32', rng.tfSeed()) as tf.Tensor2D;
  const labels = tf.tidy(() =>
    tf.oneHot(
      tf.tensor1d(
        Array.from({ length: 100 }, () => rng.int(10)),
        'int32',
      ),
      10,
    ),
  );
  const step = () =>
    tf.tidy(() => {
      opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, net.apply(x)) as tf.Scalar, false, net.variables);
    });
  const stepMs: number[] = [];
  for (let i = 0; i < 3; i++) step(); // warm-up (Adam's slots appear on the first step)
  for (let i = 0; i < (quick ? 8 : 20); i++) {
    const t0 = performance.now();
    step();
    stepMs.push(performance.now() - t0);
  }
  const profile = async () => {
    const info = await tf.profile(() => step());
    const byKernel = new Map<string, { ms: number; calls: number }>();
    for (const k of info.kernels) {
      const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
      e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      e.calls++;
      byKernel.set(k.name, e);
    }
    return byKernel;
  };
  const dispose = () => {
    net.dispose();
    opt.dispose();
    x.dispose();
    labels.dispose();
  };
  return { stepMs, profile, dispose };
}

const info = await initBackend({ requested: 'wasm' });
console.log(`tfjs ${info.tfjsVersion}, backend ${tf.getBackend()}, node ${process.version}${quick ? ' (quick)' : ''}`);

const shapes: [number, number, number][] = [
  [128, 784, 1024],
  [256, 1024, 1024],
];
const combos: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

console.log('\nGFLOP/s, C[m,n] = op(A)·op(B), inner k (median of repeated calls)');
console.log('m x k x n         transA transB   stock   fixed  speed-up  plan');
for (const [m, k, n] of shapes) {
  for (const [tA, tB] of combos) {
    restoreStockWasmKernels();
    const before = matmulGflops(m, k, n, tA, tB, tA || tB);
    registerWasmKernelFixes();
    const after = matmulGflops(m, k, n, tA, tB, false);
    console.log(
      `${`${m}x${k}x${n}`.padEnd(17)} ${String(tA).padEnd(6)} ${String(tB).padEnd(6)} ${before.toFixed(1).padStart(7)} ${after.toFixed(1).padStart(7)} ${(after / before).toFixed(1).padStart(8)}x  ${matMulPlan(tA ? [k, m] : [m, k], tB ? [n, k] : [k, n], tA, tB)}`,
    );
  }
}

console.log('\nMLP 784-1024-1024-256-10, batch 100, Adam: ms per training step (median)');
restoreStockWasmKernels();
const stock = mlpStep();
stock.dispose();
registerWasmKernelFixes();
const fixed = mlpStep();
console.log(`  stock kernels: ${median(stock.stepMs).toFixed(1)} ms  (min ${Math.min(...stock.stepMs).toFixed(1)}, n=${stock.stepMs.length})`);
console.log(`  with fixes:    ${median(fixed.stepMs).toFixed(1)} ms  (min ${Math.min(...fixed.stepMs).toFixed(1)}, n=${fixed.stepMs.length})`);
console.log(`  speed-up:      ${(median(stock.stepMs) / median(fixed.stepMs)).toFixed(1)}x`);
const native = loadNativeBlas();
if (native.blas) {
  registerWasmKernelFixes(native.blas);
  const withBlas = mlpStep();
  withBlas.dispose();
  console.log(
    `  OpenBLAS (${native.coreName}, ${native.threads} threads): ${median(withBlas.stepMs).toFixed(1)} ms  (min ${Math.min(...withBlas.stepMs).toFixed(1)})`,
  );
  registerWasmKernelFixes();
} else {
  console.log(`  OpenBLAS: not available (${native.reason})`);
}

const byKernel = await fixed.profile();
const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
console.log(`\nOne step with fixes, by kernel (tf.profile; sum of kernel times ${total.toFixed(1)} ms):`);
for (const [name, e] of [...byKernel.entries()].sort((p, q) => q[1].ms - p[1].ms).slice(0, 14)) {
  console.log(`  ${name.padEnd(22)} ${e.ms.toFixed(1).padStart(7)} ms  ${String(e.calls).padStart(4)} calls`);
}
fixed.dispose();
console.log(`\nfixes registered: ${JSON.stringify(wasmKernelFixesRegistered())}`);
