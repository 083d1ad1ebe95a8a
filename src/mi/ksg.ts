/**
 * The Kraskov–Stögbauer–Grassberger k-nearest-neighbour MI estimator (Kraskov et al. 2004,
 * algorithm 1, eq. 8), a non-neural baseline:
 *   Î(X; Y) = ψ(k) + ψ(N) − ⟨ψ(n_x + 1) + ψ(n_y + 1)⟩,
 * with max-norm distances, ε_i the distance from point i to its k-th neighbour in the joint space,
 * and n_x(i), n_y(i) the numbers of points strictly closer than ε_i in each marginal space.
 * Brute force O(N²·(dx + dy)) in float64. Ties (discrete data) break its assumptions.
 */

/** The digamma function ψ: recurrence up to x ≥ 10, then the asymptotic series (error < 1e-13). */
export function digamma(x: number): number {
  if (!(x > 0)) throw new Error(`digamma: x must be positive, got ${x}`);
  let r = 0;
  while (x < 10) {
    r -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  return r + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
}

type Arr = Float32Array | Float64Array | number[];

export function ksgMutualInformation(x: Arr, y: Arr, n: number, dx: number, dy: number, opts: { k?: number } = {}): number {
  const k = opts.k ?? 3;
  if (!Number.isInteger(n) || n < 2) throw new Error(`ksg: n must be an integer ≥ 2, got ${n}`);
  if (x.length !== n * dx) throw new Error(`ksg: x has ${x.length} values, expected n·dx = ${n * dx}`);
  if (y.length !== n * dy) throw new Error(`ksg: y has ${y.length} values, expected n·dy = ${n * dy}`);
  if (!Number.isInteger(k) || k < 1 || k >= n) throw new Error(`ksg: k must be an integer in [1, n−1] = [1, ${n - 1}], got ${k}`);
  for (const [name, a] of [['x', x], ['y', y]] as const) {
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw new Error(`ksg: ${name} contains ${a[i]} at index ${i}`);
  }
  const X = Float64Array.from(x), Y = Float64Array.from(y);
  const distX = new Float64Array(n), distY = new Float64Array(n);
  const kth = new Float64Array(k); // the k smallest joint distances, sorted
  let acc = 0;
  for (let i = 0; i < n; i++) {
    kth.fill(Infinity);
    for (let j = 0; j < n; j++) {
      let a = 0;
      for (let d = 0; d < dx; d++) a = Math.max(a, Math.abs(X[i * dx + d] - X[j * dx + d]));
      let b = 0;
      for (let d = 0; d < dy; d++) b = Math.max(b, Math.abs(Y[i * dy + d] - Y[j * dy + d]));
      distX[j] = a;
      distY[j] = b;
      if (j === i) continue;
      const m = Math.max(a, b);
      if (m < kth[k - 1]) {
        let p = k - 1;
        while (p > 0 && kth[p - 1] > m) {
          kth[p] = kth[p - 1];
          p--;
        }
        kth[p] = m;
      }
    }
    const eps = kth[k - 1];
    let nx = 0, ny = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      if (distX[j] < eps) nx++;
      if (distY[j] < eps) ny++;
    }
    acc += digamma(nx + 1) + digamma(ny + 1);
  }
  return digamma(k) + digamma(n) - acc / n;
}
