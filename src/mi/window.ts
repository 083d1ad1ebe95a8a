/**
 * Windowed estimates over the last K batches (ReMINE §4.3): the macro average is the mean of the
 * per-batch estimates; the micro average pools the samples of all K batches into one DV estimate,
 *   Î_micro = mean_b(E_P[T]_b) − log mean_b(E_Q[e^T]_b),
 * which removes most of the log-mean-exp's small-batch bias (equal batch sizes assumed).
 */
import type { Pooling } from './baseEstimator.js';

export interface BatchNumbers {
  estimate: number;
  jointTerm: number;
  logMeanExpMarginal: number;
}

export interface WindowedValues {
  batch: number;
  macro: number;
  /** null where pooling is not a valid estimate (InfoNCE, SMILE). */
  micro: number | null;
}

export class WindowedEstimate {
  private readonly buf: BatchNumbers[] = [];
  constructor(
    readonly size: number,
    readonly pooling: Pooling,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`window must be a positive integer, got ${size}`);
  }

  push(b: BatchNumbers): WindowedValues {
    this.buf.push(b);
    if (this.buf.length > this.size) this.buf.shift();
    return this.values();
  }

  values(): WindowedValues {
    const n = this.buf.length;
    if (n === 0) return { batch: NaN, macro: NaN, micro: null };
    const last = this.buf[n - 1];
    let macro = 0;
    for (const b of this.buf) macro += b.estimate;
    macro /= n;
    return { batch: last.estimate, macro, micro: microAverage(this.buf, this.pooling) };
  }
}

/** The pooled estimate of a list of batches, or null where pooling is not valid. */
export function microAverage(batches: BatchNumbers[], pooling: Pooling): number | null {
  const n = batches.length;
  if (n === 0) return null;
  switch (pooling) {
    case 'dv': {
      let joint = 0;
      let maxL = -Infinity;
      for (const b of batches) {
        joint += b.jointTerm;
        maxL = Math.max(maxL, b.logMeanExpMarginal);
      }
      let s = 0;
      for (const b of batches) s += Math.exp(b.logMeanExpMarginal - maxL);
      return joint / n - (maxL + Math.log(s / n));
    }
    case 'joint': {
      let joint = 0;
      for (const b of batches) joint += b.jointTerm;
      return joint / n;
    }
    case 'linear': {
      let m = 0;
      for (const b of batches) m += b.estimate;
      return m / n;
    }
    case 'none':
      return null;
  }
}
