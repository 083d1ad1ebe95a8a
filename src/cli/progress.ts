/**
 * Progress on long work: on a TTY one line rewritten in place (steps, rate, ETA); otherwise plain
 * lines at most every `intervalMs` (CI logs stay short and readable).
 */
import type { Progress } from '../experiments/context.js';

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, intervalMs = 10_000): Progress {
  const tty = Boolean(stream.isTTY);
  let label = '';
  let t0 = 0;
  let lastPrint = 0;
  let lastLine = '';
  const line = (done: number, total: number) => {
    const el = (performance.now() - t0) / 1000;
    const rate = done / Math.max(el, 1e-9);
    const eta = (total - done) / Math.max(rate, 1e-9);
    return `${label}: step ${done}/${total} (${((100 * done) / total).toFixed(0)}%) ${rate.toFixed(rate < 10 ? 1 : 0)} steps/s, ETA ${formatDuration(eta)}`;
  };
  const clear = () => {
    if (tty && lastLine) stream.write('\r' + ' '.repeat(lastLine.length) + '\r');
    lastLine = '';
  };
  return {
    start(l, total) {
      label = l;
      t0 = performance.now();
      lastPrint = t0;
      if (!tty) stream.write(`${label}: ${total} steps\n`);
    },
    tick(done, total) {
      const now = performance.now();
      if (tty) {
        if (now - lastPrint < 200 && done < total) return;
        lastPrint = now;
        const s = line(done, total);
        stream.write('\r' + s.padEnd(lastLine.length));
        lastLine = s;
      } else if (now - lastPrint >= intervalMs && done < total) {
        lastPrint = now;
        stream.write(line(done, total) + '\n');
      }
    },
    done() {
      clear();
      const el = (performance.now() - t0) / 1000;
      stream.write(`${label}: done in ${formatDuration(el)}\n`);
    },
    note(s) {
      clear();
      stream.write(s + '\n');
    },
  };
}
