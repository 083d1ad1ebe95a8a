/** Matmul FLOPs and per-kernel time of one training step, from the kernels it actually runs (tf.profile). */
import * as tf from '@tensorflow/tfjs';

/** FLOPs of one matmul kernel call from its shapes: 2·|A|·n (|A| = batch·m·k, n = C's last dim); 0 for other kernels. */
export function matmulFlops(k: { name: string; inputShapes: number[][]; outputShapes: number[][] }): number {
  if (k.name !== 'BatchMatMul' && k.name !== '_FusedMatMul') return 0;
  const a = k.inputShapes[0], c = k.outputShapes[0];
  return 2 * a.reduce((p, d) => p * d, 1) * c[c.length - 1];
}

/** Matmul FLOPs and time by kernel of one call of `step` (which also trains: it is a real step). */
export async function profileStep(step: () => void): Promise<{ flops: number; byKernel: Map<string, { ms: number; calls: number }> }> {
  const info = await tf.profile(() => step());
  let flops = 0;
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    flops += matmulFlops(k as unknown as { name: string; inputShapes: number[][]; outputShapes: number[][] });
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.calls++;
    byKernel.set(k.name, e);
  }
  return { flops, byKernel };
}
