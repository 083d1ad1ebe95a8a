/**
 * Small dense float64 linear algebra for the known-MI samplers: Cholesky factors and
 * log-determinants of symmetric positive-definite matrices. Matrices are row-major Float64Arrays.
 */

/**
 * The lower-triangular L with A = L Lᵀ (Cholesky–Banachiewicz). Throws if A is not symmetric
 * positive definite (a pivot ≤ 0), naming `name`.
 */
export function cholesky(a: ArrayLike<number>, n: number, name = 'matrix'): Float64Array {
  if (a.length !== n * n) throw new Error(`cholesky: ${name} has ${a.length} entries, expected ${n}×${n}`);
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      if (Math.abs(a[i * n + j] - a[j * n + i]) > 1e-9 * (Math.abs(a[i * n + j]) + Math.abs(a[j * n + i]) + 1)) {
        throw new Error(`${name} is not symmetric: entry (${i}, ${j}) = ${a[i * n + j]} but (${j}, ${i}) = ${a[j * n + i]}`);
      }
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new Error(`${name} is not positive definite (pivot ${j} is ${s})`);
        L[i * n + i] = Math.sqrt(s);
      } else {
        L[i * n + j] = s / L[j * n + j];
      }
    }
  }
  return L;
}

/** log det A of a symmetric positive-definite A, as 2 Σ log L_ii of its Cholesky factor. */
export function logDetSpd(a: ArrayLike<number>, n: number, name = 'matrix'): number {
  const L = cholesky(a, n, name);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(L[i * n + i]);
  return 2 * s;
}

/** The square block rows/cols [from, to) of an n×n matrix. */
export function principalBlock(a: ArrayLike<number>, n: number, from: number, to: number): Float64Array {
  const m = to - from;
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) out[i * m + j] = a[(from + i) * n + from + j];
  return out;
}
