/**
 * Chooses the tfjs backend once, at start-up, in the entry point (never inside library code).
 *
 * Preference order: node-gpu (@tensorflow/tfjs-node-gpu) > node (@tensorflow/tfjs-node) > wasm
 * (@tensorflow/tfjs-backend-wasm, with infobound's kernel fixes) > cpu (pure JavaScript).
 * On wasm, matmuls and Adam run on native OpenBLAS when infobound's addon is built and loads
 * (nativeBlas.ts); otherwise on the portable kernels, with a printed note.
 * tfjs-node and tfjs-node-gpu are optional peer dependencies: they cannot install on machines
 * that cannot reach libtensorflow's download host, so they are used only when present.
 */
import * as tf from '@tensorflow/tfjs';
import { loadNativeBlas } from './nativeBlas.js';

export const BACKEND_NAMES = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendInfo {
  /** infobound's name for the backend. */
  name: BackendName;
  /** the name tfjs knows it by (tf.getBackend()). */
  tfBackend: string;
  /** true when chosen by --backend or INFOBOUND_BACKEND rather than by preference order. */
  forced: boolean;
  /** why preferred backends were skipped, for the run record. */
  skipped: { name: BackendName; reason: string }[];
  tfjsVersion: string;
  /**
   * Which matmul/Adam kernels run: "openblas" (native addon on the wasm heap), "portable" (wasm
   * with infobound's JS kernel fixes), or "backend" (the backend's own, on node/node-gpu/cpu).
   */
  kernels: 'openblas' | 'portable' | 'backend';
  /** For "openblas": OpenBLAS' core type and threads; for "portable" on wasm: why not native. */
  kernelsNote?: string;
}

const INSTALL_HINT: Record<BackendName, string> = {
  'node-gpu': 'npm install @tensorflow/tfjs-node-gpu@4.22.0 (needs CUDA/cuDNN and network access to storage.googleapis.com for libtensorflow)',
  node: 'npm install @tensorflow/tfjs-node@4.22.0 (its install script downloads libtensorflow from storage.googleapis.com)',
  wasm: 'npm install @tensorflow/tfjs-backend-wasm@4.22.0 (a dependency of infobound; reinstall with npm ci)',
  cpu: 'the cpu backend ships with @tensorflow/tfjs and needs nothing else',
};

let current: BackendInfo | null = null;

/** Parses a backend name from a flag or environment variable, with an error naming the choices. */
export function parseBackendName(value: string, source: string): BackendName {
  const v = value.trim().toLowerCase();
  if ((BACKEND_NAMES as readonly string[]).includes(v)) return v as BackendName;
  throw new Error(`${source}: unknown backend "${value}"; expected one of ${BACKEND_NAMES.join(', ')}`);
}

type Loaded = { tfBackend: string; kernels: BackendInfo['kernels']; kernelsNote?: string };

async function tryLoad(name: BackendName, env: Record<string, string | undefined>): Promise<Loaded> {
  switch (name) {
    case 'node-gpu': {
      // A variable specifier keeps bundlers and tsc from requiring the optional package.
      const spec = '@tensorflow/tfjs-node-gpu';
      await import(spec);
      await setBackendOrThrow('tensorflow');
      return { tfBackend: 'tensorflow', kernels: 'backend' };
    }
    case 'node': {
      const spec = '@tensorflow/tfjs-node';
      await import(spec);
      await setBackendOrThrow('tensorflow');
      return { tfBackend: 'tensorflow', kernels: 'backend' };
    }
    case 'wasm': {
      const before = {
        uncaughtException: new Set(process.listeners('uncaughtException')),
        unhandledRejection: new Set(process.listeners('unhandledRejection')),
      };
      await import('@tensorflow/tfjs-backend-wasm');
      const { registerWasmKernelFixes } = await import('./wasmKernels.js');
      const native = loadNativeBlas(env);
      registerWasmKernelFixes(native.blas);
      await setBackendOrThrow('wasm');
      // The Emscripten module re-throws every uncaught exception from its own handler, so Node
      // prints the module's minified source instead of the error. Remove what it added.
      for (const l of process.listeners('uncaughtException')) if (!before.uncaughtException.has(l)) process.removeListener('uncaughtException', l);
      for (const l of process.listeners('unhandledRejection')) if (!before.unhandledRejection.has(l)) process.removeListener('unhandledRejection', l);
      if (native.blas) return { tfBackend: 'wasm', kernels: 'openblas', kernelsNote: `OpenBLAS core ${native.coreName}, ${native.threads} threads` };
      if (env.INFOBOUND_NATIVE !== '0') process.stderr.write(`infobound: ${native.reason}; using the portable wasm kernels\n`);
      return { tfBackend: 'wasm', kernels: 'portable', kernelsNote: native.reason };
    }
    case 'cpu': {
      await setBackendOrThrow('cpu');
      // tfjs prints a banner recommending tfjs-node on first use; the run record already names the backend.
      (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
      return { tfBackend: 'cpu', kernels: 'backend' };
    }
  }
}

async function setBackendOrThrow(tfName: string): Promise<void> {
  const ok = await tf.setBackend(tfName);
  if (!ok) throw new Error(`tf.setBackend("${tfName}") returned false`);
  await tf.ready();
}

function shortReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].slice(0, 200);
}

/**
 * Selects and initialises the backend. `requested` (from --backend) wins over the environment
 * variable INFOBOUND_BACKEND; with neither, the first backend that loads in preference order.
 * Forcing a backend that cannot load throws an error that says how to install it.
 */
export async function initBackend(opts: { requested?: string; env?: Record<string, string | undefined> } = {}): Promise<BackendInfo> {
  const env = opts.env ?? process.env;
  let forcedName: BackendName | null = null;
  if (opts.requested !== undefined && opts.requested !== '' && opts.requested !== 'auto') {
    forcedName = parseBackendName(opts.requested, '--backend');
  } else if (env.INFOBOUND_BACKEND && env.INFOBOUND_BACKEND !== 'auto') {
    forcedName = parseBackendName(env.INFOBOUND_BACKEND, 'INFOBOUND_BACKEND');
  }
  if (current && (forcedName === null || forcedName === current.name)) return current;

  const skipped: BackendInfo['skipped'] = [];
  const candidates = forcedName ? [forcedName] : [...BACKEND_NAMES];
  for (const name of candidates) {
    try {
      const loaded = await tryLoad(name, env);
      current = { name, ...loaded, forced: forcedName !== null, skipped, tfjsVersion: tf.version.tfjs };
      return current;
    } catch (e) {
      if (forcedName) {
        throw new Error(`backend "${name}" was requested but cannot load: ${shortReason(e)}. To install it: ${INSTALL_HINT[name]}`);
      }
      skipped.push({ name, reason: shortReason(e) });
    }
  }
  throw new Error(`no tfjs backend could load: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/**
 * The library's entry to the backend: selects one exactly as the CLI does (INFOBOUND_BACKEND, else
 * the first that loads) unless one was chosen already, and returns what was chosen. Importing
 * infobound loads nothing; calls that need a backend (estimateMI, runExperiment) await this first.
 */
export async function ready(opts: { backend?: string } = {}): Promise<BackendInfo> {
  return initBackend({ requested: opts.backend });
}
