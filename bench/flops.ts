/**
 * Matmul FLOPs and per-kernel time of training steps, from the kernels they actually run: FLOPs and
 * call counts from tf.profile (shapes), and a split of wall time into time inside kernels (by
 * kind) and time outside them (engine bookkeeping, tape, the model's JavaScript) by timing every
 * kernel registered for the active backend.
 */
import * as tf from '@tensorflow/tfjs';
import { DENSE_BACKWARD, DENSE_FORWARD, denseStackFlops } from '../src/backend/denseStack.js';

type KernelRecord = { name: string; inputShapes: number[][]; outputShapes: number[][] };

/** FLOPs of one matmul kernel call from its shapes: 2·|A|·n (|A| = batch·m·k, n = C's last dim); 0 for other kernels. */
export function matmulFlops(k: KernelRecord): number {
  if (k.name !== 'BatchMatMul' && k.name !== '_FusedMatMul') return 0;
  const a = k.inputShapes[0],
    c = k.outputShapes[0];
  return 2 * a.reduce((p, d) => p * d, 1) * c[c.length - 1];
}

/**
 * Matmul FLOPs and time by kernel of one call of `step` (which also trains: it is a real step).
 * The fused dense-stack kernels' FLOPs depend on which gradients a call computes (attrs that
 * tf.profile does not record), so they are counted by wrapping those kernels during the step.
 */
export async function profileStep(step: () => void): Promise<{ flops: number; byKernel: Map<string, { ms: number; calls: number }> }> {
  let flops = 0;
  const wrapped = [DENSE_FORWARD, DENSE_BACKWARD].map((name) => tf.getKernel(name, tf.getBackend())).filter((c): c is tf.KernelConfig => c !== undefined);
  const originals = wrapped.map((c) => c.kernelFunc);
  wrapped.forEach((c, i) => {
    (c as { kernelFunc: tf.KernelFunc }).kernelFunc = ((args: Parameters<tf.KernelFunc>[0]) => {
      flops += denseStackFlops(c.kernelName, args.inputs as Record<string, tf.TensorInfo>, args.attrs as Record<string, unknown>);
      return originals[i](args);
    }) as tf.KernelFunc;
  });
  let info: Awaited<ReturnType<typeof tf.profile>>;
  try {
    info = await tf.profile(() => step());
  } finally {
    wrapped.forEach((c, i) => ((c as { kernelFunc: tf.KernelFunc }).kernelFunc = originals[i]));
  }
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    flops += matmulFlops(k as unknown as KernelRecord);
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.calls++;
    byKernel.set(k.name, e);
  }
  return { flops, byKernel };
}

/** How a kernel's time is classed in the step split. */
export type KernelClass = 'matmul' | 'optimizer' | 'other';
const MATMUL = new Set(['BatchMatMul', '_FusedMatMul', DENSE_FORWARD, DENSE_BACKWARD]);
const OPTIMIZER = new Set(['InfoboundAdam', 'InfoboundAdamInPlace']);
export const kernelClass = (name: string): KernelClass => (MATMUL.has(name) ? 'matmul' : OPTIMIZER.has(name) ? 'optimizer' : 'other');

export interface StepSplit {
  steps: number;
  /** wall ms per step (mean, with timers on). */
  wallMs: number;
  /** kernel calls per step (outermost calls: kernels a kernel runs itself count in their caller). */
  calls: number;
  /** ms per step inside kernels, by class. */
  inKernels: Record<KernelClass, number>;
  /** wall − kernels: the engine's bookkeeping, the tape, the model's JavaScript, reading back. */
  outsideMs: number;
  byKernel: Map<string, { ms: number; calls: number }>;
}

/**
 * Runs `step` `steps` times with every kernel of the active backend timed (performance.now around
 * the outermost kernel calls), and returns per-step means. The timers add ~0.1 µs per call.
 */
export function timeStepKernels(step: () => void, steps: number): StepSplit {
  const backendName = tf.getBackend();
  const configs = tf.getKernelsForBackend(backendName);
  const byKernel = new Map<string, { ms: number; calls: number }>();
  let depth = 0;
  const originals = configs.map((c) => c.kernelFunc);
  configs.forEach((c, i) => {
    const f = originals[i];
    const e = { ms: 0, calls: 0 };
    byKernel.set(c.kernelName, e);
    // the registry hands out these config objects: replacing kernelFunc on them times every call
    (c as { kernelFunc: tf.KernelFunc }).kernelFunc = ((args: Parameters<tf.KernelFunc>[0]) => {
      if (depth > 0) return f(args);
      depth++;
      const t0 = performance.now();
      try {
        return f(args);
      } finally {
        e.ms += performance.now() - t0;
        e.calls++;
        depth--;
      }
    }) as tf.KernelFunc;
  });
  let wall = 0;
  try {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    wall = performance.now() - t0;
  } finally {
    configs.forEach((c, i) => ((c as { kernelFunc: tf.KernelFunc }).kernelFunc = originals[i]));
  }
  const inKernels: Record<KernelClass, number> = { matmul: 0, optimizer: 0, other: 0 };
  let calls = 0;
  for (const [name, e] of byKernel) {
    if (e.calls === 0) {
      byKernel.delete(name);
      continue;
    }
    e.ms /= steps;
    e.calls /= steps;
    inKernels[kernelClass(name)] += e.ms;
    calls += e.calls;
  }
  const wallMs = wall / steps;
  return { steps, wallMs, calls, inKernels, outsideMs: wallMs - inKernels.matmul - inKernels.optimizer - inKernels.other, byKernel };
}
