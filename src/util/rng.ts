/**
 * Seeded, splittable pseudo-random numbers. Every random draw in infobound comes from an Rng that
 * was handed down from the run's seed; there is no global random state.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's small fast counting generator, 128-bit state),
 * seeded through splitmix32 so that nearby seeds give unrelated streams.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(readonly seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
    let s = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /**
   * Uniform 32-bit unsigned integer. The state words are kept as int32 (`| 0`), which engines hold
   * as small integers; `>>> 0` (uint32) values above 2³¹ are doubles. Both are the same 32-bit
   * patterns: the stream is the same.
   */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal draw (Marsaglia polar method). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * m;
    return u * m;
  }

  /** A seed for a tfjs random op (tf.randomNormal(..., seed)); tfjs seeds are numbers. */
  tfSeed(): number {
    return this.nextUint32();
  }

  /** An independent child stream, e.g. one per network or per data source. */
  split(): Rng {
    return new Rng(this.nextUint32());
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** The full generator state (for checkpoints): restoring it with setState continues the same stream. */
  getState(): { a: number; b: number; c: number; d: number; spareNormal: number | null } {
    // b, c, d as unsigned (as saved before the words were held as int32); a as held (b ^ (b >>> 9) is int32)
    return { a: this.a, b: this.b >>> 0, c: this.c >>> 0, d: this.d >>> 0, spareNormal: this.spareNormal };
  }

  setState(s: { a: number; b: number; c: number; d: number; spareNormal: number | null }): void {
    for (const k of ['a', 'b', 'c', 'd'] as const) {
      // the words are 32-bit patterns, held signed or unsigned depending on the last operation
      if (!Number.isInteger(s?.[k]) || s[k] < -0x80000000 || s[k] > 0xffffffff)
        throw new Error(`Rng state.${k} must be a 32-bit integer, got ${JSON.stringify(s?.[k])}`);
    }
    [this.a, this.b, this.c, this.d] = [s.a, s.b, s.c, s.d];
    this.spareNormal = s.spareNormal ?? null;
  }

  /** Fill a Float32Array with N(mean, std²) draws. */
  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }
}
