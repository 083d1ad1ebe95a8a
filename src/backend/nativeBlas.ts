/**
 * Loads infobound's optional native addon (native/blas.c, built by `npm install` through
 * scripts/build-native.mjs): OpenBLAS sgemm and a fused Adam update working on the float32 data
 * of the wasm backend's heap. Returns null with the reason when it cannot load; the caller then
 * keeps the portable wasm kernels.
 *
 * OpenBLAS picks its kernels when the library loads, from OPENBLAS_CORETYPE or its own CPU
 * detection; Debian's 0.3.21 detects these VMs' Intel CPUs as "Prescott" (SSE3) and runs 4x slower
 * (../shared/BACKENDS.md). So the core type is named from /proc/cpuinfo, in the environment,
 * before the addon (which dlopens OpenBLAS) is required. A value set by the user wins.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../util/packageInfo.js';

export interface NativeBlas {
  /**
   * For p < batch: C_p = alpha·op(A_p)·op(B_p) + beta·C_p (row-major, m×n, inner k) on `heap`,
   * operands at float offsets aOff + p·aStride etc.; A_p is [k, m] when transA else [m, k], B_p
   * is [n, k] when transB else [k, n]. A stride 0 broadcasts an operand over the batch.
   */
  sgemm(
    heap: ArrayBufferLike,
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    aOff: number,
    bOff: number,
    cOff: number,
    batch: number,
    aStride: number,
    bStride: number,
    cStride: number,
    alpha: number,
    beta: number,
  ): void;
  /** In place: C[r, j] = act(C[r, j] + bias[j]) over rows × n at cOff; biasOff −1 for none; act 0 linear, 1 relu. */
  biasAct(heap: ArrayBufferLike, cOff: number, rows: number, n: number, biasOff: number, act: 0 | 1): void;
  /** One Adam step from x, m, v, g into x2, m2, v2 (see native/blas.c for the exact order of operations). */
  adam(
    heap: ArrayBufferLike,
    xOff: number,
    mOff: number,
    vOff: number,
    gOff: number,
    x2Off: number,
    m2Off: number,
    v2Off: number,
    size: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    accBeta1: number,
    accBeta2: number,
  ): void;
  /**
   * One Adam step for several variables and the β1ᵗ, β2ᵗ update, in one call; plan = [count, lr,
   * beta1, beta2, eps, acc1Off, acc2Off, then per variable size, x, m, v, g, x2, m2, v2 offsets]
   * (x2 = x, m2 = m, v2 = v updates in place). See native/blas.c adamMany.
   */
  adamMany(heap: ArrayBufferLike, plan: Float64Array): void;
  /** A dense layer stack forward in one call (plan layout in native/blas.c denseForward; src/backend/denseStack.ts). */
  denseForward(heap: ArrayBufferLike, plan: Float64Array): void;
  /** Its backward pass, only the wanted gradients (native/blas.c denseBackward). */
  denseBackward(heap: ArrayBufferLike, plan: Float64Array): void;
  /** Σ of squared entries over several buffers, in float64 (plan = [count, then off, size per buffer]). */
  sumSquares(heap: ArrayBufferLike, plan: Float64Array): number;
  /** out_i = a_i + s·b_i in float32 (plan = [count, s, then aOff, bOff, outOff, size per triple]). */
  axpyMany(heap: ArrayBufferLike, plan: Float64Array): void;
  /** relu(a_i + c_j) for every pair (plan = [aOff, cOff, outOff, n, m, h]; src/backend/pairSumRelu.ts). */
  pairSumRelu(heap: ArrayBufferLike, plan: Float64Array): void;
  /** Its gradient: masked sums over j and over i (plan = [dyOff, outOff, daOff, dcOff, n, m, h], −1 for an unwanted one). */
  pairSumReluGrad(heap: ArrayBufferLike, plan: Float64Array): void;
  setThreads(n: number): void;
  info(): { coreName: string; config: string; threads: number; library: string };
}

export type NativeLoad = { blas: NativeBlas; coreType: string | null; coreName: string; threads: number } | { blas: null; reason: string };

/** The OpenBLAS core type for this CPU's flags: SkylakeX with AVX-512F, Haswell with AVX2, else none. */
export function openblasCoreType(cpuinfo: string): string | null {
  const flags = new Set((/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? '').trim().split(/\s+/));
  if (flags.has('avx512f')) return 'SkylakeX';
  if (flags.has('avx2')) return 'Haswell';
  return null;
}

const ADDON_PATH = join(PACKAGE_ROOT, 'native/build/Release/infobound_blas.node');

let cached: NativeLoad | null = null;

/**
 * Loads the addon once per process. `INFOBOUND_NATIVE=0` in `env` disables it (the portable path,
 * for comparisons); a missing or unloadable addon gives the reason and how to get it.
 */
export function loadNativeBlas(env: Record<string, string | undefined> = process.env): NativeLoad {
  if (env.INFOBOUND_NATIVE === '0') return { blas: null, reason: 'disabled by INFOBOUND_NATIVE=0' };
  if (cached) return cached;
  if (!existsSync(ADDON_PATH)) {
    return (cached = {
      blas: null,
      reason: `native addon not built (${ADDON_PATH} missing): apt-get install -y libopenblas-dev build-essential python3, then node scripts/build-native.mjs (npm install runs it)`,
    });
  }
  let coreType: string | null = process.env.OPENBLAS_CORETYPE ?? null;
  if (coreType === null) {
    try {
      coreType = openblasCoreType(readFileSync('/proc/cpuinfo', 'utf8'));
    } catch {
      coreType = null;
    }
    // process.env, not `env`: OpenBLAS reads the real environment when the addon dlopens it
    if (coreType) process.env.OPENBLAS_CORETYPE = coreType;
  }
  try {
    const blas = createRequire(import.meta.url)(ADDON_PATH) as NativeBlas;
    const i = blas.info();
    cached = { blas, coreType, coreName: i.coreName, threads: i.threads };
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    cached = { blas: null, reason: `native addon did not load (${msg}): apt-get install -y libopenblas-dev` };
  }
  return cached;
}
