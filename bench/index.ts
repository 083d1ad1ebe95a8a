/**
 * `npm run bench`: time per training step of the four workloads of ../shared/BENCHMARKS.md (gan25,
 * ib-mnist, mi-gauss20, mi-matrix64 in bench/workloads.ts, the toolkit's own training code), next to
 * the floor (the step's matmul FLOPs over this machine's measured matmul rate) and, with --peer,
 * PyTorch on the same machine.
 *
 *   npm run bench                                   # all workloads, 200 steps after 20 warm-up
 *   npm run bench -- --workload gan25 --steps 50
 *   /usr/bin/python3 ../shared/peer/torch_peer.py > /tmp/peer.jsonl && npm run bench -- --peer /tmp/peer.jsonl
 *   npm run bench -- --json                         # one JSON line per workload
 *   npm run bench -- --memory                       # only: peak RSS and tensor count over 1,000 ib-mnist steps
 *   npm run bench -- --profile                      # per-kernel time of one step of each workload
 *   INFOBOUND_NATIVE=0 npm run bench                # the portable wasm kernels, for comparison
 *   npm run bench -- --backend cpu                  # any backend infobound can load
 *
 * Times are wall-clock per step, including reading the step's numbers back (as a run does).
 * The machines are shared: compare figures measured in one invocation window, and note the load.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendInfo } from '../src/backend/backend.js';
import { profileStep, timeStepKernels, type StepSplit } from './flops.js';
import { createWorkload, WORKLOAD_NAMES, type WorkloadName } from './workloads.js';

interface Args {
  workloads: WorkloadName[];
  steps: number;
  warmup: number;
  peer: string | null;
  json: boolean;
  memory: boolean;
  memorySteps: number;
  profile: boolean;
  backend: string | undefined;
}

function usage(msg: string): never {
  process.stderr.write(
    `bench: ${msg}\nusage: npm run bench -- [--workload ${WORKLOAD_NAMES.join('|')}]... [--steps N] [--warmup N] [--peer FILE] [--json] [--memory [--memory-steps N]] [--profile] [--backend NAME]\n`,
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { workloads: [], steps: 200, warmup: 20, peer: null, json: false, memory: false, memorySteps: 1000, profile: false, backend: undefined };
  const int = (flag: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) usage(`${flag} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${f} needs a value`));
    switch (f) {
      case '--workload':
        for (const w of next().split(',')) {
          if (!(WORKLOAD_NAMES as readonly string[]).includes(w)) usage(`--workload: unknown workload "${w}"; expected one of ${WORKLOAD_NAMES.join(', ')}`);
          a.workloads.push(w as WorkloadName);
        }
        break;
      case '--steps':
        a.steps = int(f, next(), 1);
        break;
      case '--warmup':
        a.warmup = int(f, next(), 0);
        break;
      case '--peer':
        a.peer = next();
        break;
      case '--json':
        a.json = true;
        break;
      case '--memory':
        a.memory = true;
        break;
      case '--memory-steps':
        a.memorySteps = int(f, next(), 1);
        break;
      case '--profile':
        a.profile = true;
        break;
      case '--backend':
        a.backend = next();
        break;
      default:
        usage(`unknown argument "${f}"`);
    }
  }
  // --memory alone measures memory only; with --workload it runs after the timings
  if (a.workloads.length === 0 && !a.memory) a.workloads = [...WORKLOAD_NAMES];
  return a;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs: number[], q: number) => [...xs].sort((p, r) => p - r)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/** PyTorch ms/step by workload from torch_peer.py's JSON lines. */
function readPeer(file: string): Map<string, { ms: number; label: string }> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    usage(`--peer: cannot read ${file}: ${(e as Error).message}`);
  }
  const out = new Map<string, { ms: number; label: string }>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim().startsWith('{')) return;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      usage(`--peer: ${file} line ${i + 1} is not JSON: ${line.slice(0, 80)}`);
    }
    if (typeof o.workload !== 'string' || typeof o.ms_per_step_median !== 'number')
      usage(`--peer: ${file} line ${i + 1}: expected {"workload": string, "ms_per_step_median": number, …}`);
    out.set(o.workload, {
      ms: o.ms_per_step_median,
      label: `${o.peer ?? 'peer'} (${o.threads ?? '?'} threads, OPENBLAS_CORETYPE=${o.openblas_coretype ?? 'unset'})`,
    });
  });
  return out;
}

/** GFLOP/s of C[512,1024] = A[512,1024]·B[1024,1024] through tf.matMul on the active backend (median of 15). */
function measureMatmulRate(): number {
  const a = tf.randomNormal([512, 1024], 0, 1, 'float32', 1),
    b = tf.randomNormal([1024, 1024], 0, 1, 'float32', 2);
  const times: number[] = [];
  for (let i = 0; i < 18; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    times.push(performance.now() - t0);
    c.dispose();
  }
  tf.dispose([a, b]);
  return (2 * 512 * 1024 * 1024) / (median(times.slice(3)) * 1e6);
}

const backendLabel = (b: BackendInfo) => `${b.name}${b.kernels !== 'backend' ? `+${b.kernels}` : ''}`;

async function memoryRun(steps: number, backend: BackendInfo, json: boolean): Promise<void> {
  const w = createWorkload('ib-mnist');
  w.step(); // burn-in: optimizer slots appear on the first step
  const startTensors = tf.memory().numTensors;
  let peak = process.memoryUsage().rss;
  const t0 = performance.now();
  for (let i = 1; i < steps; i++) {
    w.step();
    if (i % 10 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    if (i % 100 === 0 && !json)
      process.stderr.write(
        `  memory run: step ${i}/${steps}, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB, tensors ${tf.memory().numTensors}\r`,
      );
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  const endTensors = tf.memory().numTensors;
  const wall = (performance.now() - t0) / 1000;
  w.dispose();
  const r = {
    memory: 'ib-mnist',
    backend: backendLabel(backend),
    steps,
    peakRssMiB: Math.round(peak / 2 ** 20),
    numTensorsStart: startTensors,
    numTensorsEnd: endTensors,
    wallSeconds: Number(wall.toFixed(1)),
  };
  if (json) console.log(JSON.stringify(r));
  else
    console.log(
      `\nmemory, ib-mnist, ${steps} steps on ${r.backend}: peak RSS ${r.peakRssMiB} MiB; tf.memory().numTensors ${startTensors} after the first step, ${endTensors} at the end (${wall.toFixed(0)} s)`,
    );
}

/**
 * The profile table: a step's wall time split into matmul arithmetic (the floor: FLOPs at the
 * measured matmul rate), the rest of the matmul kernels' time (small-matrix inefficiency and call
 * cost), the optimizer kernels, other kernels (element-wise, reductions, copies: data movement),
 * and time outside kernels (engine bookkeeping, tape, model JavaScript; per kernel call).
 */
function printSplits(splits: { name: string; split: StepSplit; floorMs: number; flops: number }[], rate: number, json: boolean): void {
  if (json) {
    for (const { name, split: s, floorMs } of splits) {
      console.log(
        JSON.stringify({
          profile: name,
          wallMs: +s.wallMs.toFixed(3),
          kernelCalls: +s.calls.toFixed(1),
          floorMs: +floorMs.toFixed(3),
          matmulMs: +s.inKernels.matmul.toFixed(3),
          optimizerMs: +s.inKernels.optimizer.toFixed(3),
          otherKernelsMs: +s.inKernels.other.toFixed(3),
          outsideKernelsMs: +s.outsideMs.toFixed(3),
          outsideUsPerCall: +((s.outsideMs / s.calls) * 1e3).toFixed(2),
        }),
      );
    }
    return;
  }
  const head = [
    'workload',
    'ms/step (timed)',
    'kernel calls',
    'arithmetic (floor) ms',
    'matmul kernels ms',
    'Adam ms',
    'other kernels ms',
    'outside kernels ms',
    'outside µs/call',
  ];
  console.log(`\nprofile (matmul rate ${rate.toFixed(1)} GFLOP/s):\n| ${head.join(' | ')} |\n|${head.map(() => ' --- ').join('|')}|`);
  for (const { name, split: s, floorMs } of splits) {
    const r = [
      name,
      s.wallMs.toFixed(2),
      s.calls.toFixed(0),
      floorMs.toFixed(2),
      s.inKernels.matmul.toFixed(2),
      s.inKernels.optimizer.toFixed(2),
      s.inKernels.other.toFixed(2),
      s.outsideMs.toFixed(2),
      ((s.outsideMs / s.calls) * 1e3).toFixed(1),
    ];
    console.log(`| ${r.join(' | ')} |`);
  }
  console.log(
    "arithmetic: the step's matmul FLOPs at the measured rate; matmul kernels: their wall time (arithmetic plus small-matrix inefficiency and per-call cost); other kernels: element-wise, reductions, copies (data movement); outside: engine bookkeeping, gradient tape, the model's JavaScript, reading the numbers back.",
  );
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const backend = await initBackend({ requested: args.backend });
  const peer = args.peer ? readPeer(args.peer) : null;
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  const rate = args.workloads.length ? measureMatmulRate() : NaN;
  if (!args.json && args.workloads.length) {
    console.log(
      `infobound bench: backend ${backendLabel(backend)}${backend.kernelsNote ? ` (${backend.kernelsNote})` : ''}, tfjs ${backend.tfjsVersion}, node ${process.version}`,
    );
    console.log(
      `matmul 512x1024x1024 through tf.matMul: ${rate.toFixed(1)} GFLOP/s; median of ${args.steps} steps after ${args.warmup} warm-up; load average ${load()}\n`,
    );
  }
  const rows: string[][] = [];
  const splits: { name: string; split: StepSplit; floorMs: number; flops: number }[] = [];
  for (const name of args.workloads) {
    const w = createWorkload(name);
    for (let i = 0; i < args.warmup; i++) w.step();
    const prof = await profileStep(w.step);
    const times: number[] = [];
    for (let i = 0; i < args.steps; i++) {
      const t0 = performance.now();
      w.step();
      times.push(performance.now() - t0);
    }
    const ms = median(times);
    const floorMs = (prof.flops / (rate * 1e9)) * 1e3;
    const p = peer?.get(name);
    const ratio = p ? ms / p.ms : null;
    if (args.json) {
      console.log(
        JSON.stringify({
          workload: name,
          backend: backendLabel(backend),
          kernels: backend.kernels,
          msPerStep: Number(ms.toFixed(3)),
          p10: Number(quantile(times, 0.1).toFixed(3)),
          p90: Number(quantile(times, 0.9).toFixed(3)),
          steps: args.steps,
          stepGflop: Number((prof.flops / 1e9).toFixed(4)),
          nominalGflop: Number((w.nominalFlops / 1e9).toFixed(4)),
          matmulGflops: Number(rate.toFixed(1)),
          floorMs: Number(floorMs.toFixed(2)),
          ...(p ? { peerMsPerStep: p.ms, ratio: Number((ratio as number).toFixed(2)) } : {}),
          loadavg: load(),
        }),
      );
    } else {
      rows.push([
        name,
        backendLabel(backend),
        ms.toFixed(2),
        `${quantile(times, 0.1).toFixed(1)}–${quantile(times, 0.9).toFixed(1)}`,
        (prof.flops / 1e9).toFixed(3),
        (w.nominalFlops / 1e9).toFixed(3),
        floorMs.toFixed(2),
        (ms / floorMs).toFixed(1),
        p ? p.ms.toFixed(2) : '–',
        ratio ? ratio.toFixed(2) : '–',
      ]);
      process.stderr.write(`  ${name}: ${ms.toFixed(2)} ms/step\n`);
    }
    if (args.profile) {
      const split = timeStepKernels(w.step, Math.max(20, Math.min(args.steps, 100)));
      splits.push({ name, split, floorMs, flops: prof.flops });
      if (!args.json) {
        console.log(`\n${name}: ${split.calls.toFixed(0)} kernel calls per step; time per step by kernel (mean of ${split.steps} steps, timers on)`);
        for (const [k, e] of [...split.byKernel.entries()].sort((x, y) => y[1].ms - x[1].ms).slice(0, 12))
          console.log(`  ${k.padEnd(22)} ${e.ms.toFixed(3).padStart(8)} ms ${e.calls.toFixed(0).padStart(5)} calls`);
      }
    }
    w.dispose();
  }
  if (!args.json && rows.length) {
    const head = ['workload', 'backend', 'ms/step', 'p10–p90', 'GFLOP/step', 'nominal', 'floor ms', 'x floor', 'PyTorch ms', 'ratio'];
    console.log(`| ${head.join(' | ')} |\n|${head.map(() => ' --- ').join('|')}|`);
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
    console.log(
      `\nGFLOP/step: matmul FLOPs of one toolkit step, counted from its kernels' shapes; nominal: the workload as BENCHMARKS.md (and the peer) defines it. floor = GFLOP/step ÷ ${rate.toFixed(1)} GFLOP/s. ratio = toolkit ÷ PyTorch.${peer ? `\npeer: ${[...peer.values()][0]?.label ?? ''} from ${args.peer}` : ''}\nload average after: ${load()}`,
    );
  }
  if (splits.length) printSplits(splits, rate, args.json);
  if (args.memory) await memoryRun(args.memorySteps, backend, args.json);
}

await main();
