/**
 * A child process of src/experiments/miWorkers.ts: receives one job (an estimator of a setting of an
 * MI benchmark), trains it with trainEstimator on the parent's backend, and sends back its metrics
 * lines, progress, and its result, a stop, or an error; then exits.
 */
import { initBackend } from '../backend/backend.js';
import { StopRequested } from '../train/loop.js';
import { trainEstimator } from './estimatorTraining.js';
import { settingsOf } from './miBenchmarkConfig.js';
import type { MiWorkerJob, MiWorkerMessage } from './miWorkers.js';

/** progress ticks at most this often: one IPC message a step would cost more than a small step */
const TICK_MS = 250;

let stop = false;
// Ctrl-C in a terminal reaches the whole process group: stop after the current step, as the parent does
process.on('SIGINT', () => (stop = true));
process.on('SIGTERM', () => (stop = true));

const send = (m: MiWorkerMessage) =>
  new Promise<void>((resolve) => {
    if (!process.send) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });

async function serve(job: MiWorkerJob): Promise<void> {
  try {
    await initBackend({ requested: job.backend });
    const setting = settingsOf(job.cfg)[job.settingIndex];
    let lastTick = 0;
    const run = await trainEstimator(job.cfg, setting, job.estimatorIndex, {
      seed: job.seed,
      shouldStop: () => stop,
      ...(job.divergenceLimit !== undefined ? { divergenceLimit: job.divergenceLimit } : {}),
      progress: {
        start() {},
        done() {},
        tick: (done, total) => {
          const now = performance.now();
          if (done < total && now - lastTick < TICK_MS) return;
          lastTick = now;
          void send({ type: 'tick', done, total });
        },
        note: (line) => void send({ type: 'note', line }),
      },
      appendMetrics: (record) => void send({ type: 'metrics', record }),
    });
    await send({ type: 'result', run });
  } catch (e) {
    if (e instanceof StopRequested) await send({ type: 'stopped', step: e.step });
    else await send({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
  process.disconnect?.();
}

process.on('message', (m: MiWorkerJob | { type: 'stop' }) => {
  if (m.type === 'stop') stop = true;
  else if (m.type === 'job') void serve(m);
});
