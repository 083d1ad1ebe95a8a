/**
 * The Kraskov–Stögbauer–Grassberger k-nearest-neighbour MI estimator (Kraskov, Stögbauer &
 * Grassberger 2004, "Estimating mutual information", Phys. Rev. E 69, 066138, algorithm 1), a
 * non-neural baseline for the neural estimators. Plain float64 TypeScript, no tfjs.
 */
import { digamma } from '../util/special.js';

type Samples = Float32Array | Float64Array | readonly number[];

/**
 * KSG estimate (algorithm 1, eq. 8 of Kraskov et al. 2004) of I(X; Y) in nats:
 *
 *   Î(X; Y) = ψ(k) + ψ(N) − ⟨ψ(n_x(i) + 1) + ψ(n_y(i) + 1)⟩_i
 *
 * where distances are max-norms (‖(x, y)‖ = max(‖x‖_∞, ‖y‖_∞) in the joint space), ε_i is the
 * distance from sample i to its k-th nearest neighbour in the joint space, and n_x(i), n_y(i) count
 * the other samples strictly closer than ε_i to sample i in the X and Y marginal spaces.
 *
 * Shapes: `x` holds n·dx values and `y` n·dy values, row-major (row i is sample i), so
 * x[i·dx + c] is coordinate c of x_i. Float32 inputs are widened to float64 exactly.
 *
 * Continuous data only: the estimator assumes no two samples are at distance 0. Ties (discrete or
 * heavily quantized data) make ε_i = 0 or put many points exactly at distance ε_i, and the estimate
 * is then meaningless (typically far too large or negative); add noise or use a discrete estimator.
 *
 * Exact and deterministic. Cost is O(N²·(dx + dy)) in the worst case (high dimension); neighbour
 * scans walk outward in the order of one sorted coordinate and stop once that coordinate alone is
 * too far, and distances stop accumulating once they exceed the current radius, which makes low-
 * dimensional data far cheaper than brute force with the identical result.
 *
 * @param x n×dx samples of X
 * @param y n×dy samples of Y, row i paired with row i of x
 * @param n number of samples N (≥ 2)
 * @param dx dimension of X (≥ 1)
 * @param dy dimension of Y (≥ 1)
 * @param opts.k neighbour order, 1 ≤ k ≤ n − 1 (default 3; Kraskov et al. recommend 2–4)
 * @returns the estimate in nats (can be slightly negative for independent data)
 */
export function ksgMutualInformation(x: Samples, y: Samples, n: number, dx: number, dy: number, opts: { k?: number } = {}): number {
  const k = opts.k ?? 3;
  if (!Number.isInteger(n) || n < 2) throw new Error(`ksg: n must be an integer ≥ 2, got ${n}`);
  if (!Number.isInteger(dx) || dx < 1) throw new Error(`ksg: dx must be an integer ≥ 1, got ${dx}`);
  if (!Number.isInteger(dy) || dy < 1) throw new Error(`ksg: dy must be an integer ≥ 1, got ${dy}`);
  if (x.length !== n * dx) throw new Error(`ksg: x has ${x.length} values, expected n·dx = ${n * dx}`);
  if (y.length !== n * dy) throw new Error(`ksg: y has ${y.length} values, expected n·dy = ${n * dy}`);
  if (!Number.isInteger(k) || k < 1 || k >= n) throw new Error(`ksg: k must be an integer in [1, n−1] = [1, ${n - 1}], got ${k}`);
  for (const [name, a] of [
    ['x', x],
    ['y', y],
  ] as const) {
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i]))
        throw new Error(`ksg: ${name} contains ${a[i]} at index ${i} (row ${Math.floor(i / (name === 'x' ? dx : dy))}); expected finite values`);
    }
  }
  const X = Float64Array.from(x);
  const Y = Float64Array.from(y);
  // Orders by the first coordinate of each marginal: a neighbour scan can stop as soon as that
  // coordinate alone differs by ≥ the radius, because the max-norm is at least any one coordinate.
  const [ordX, rankX] = sortByFirst(X, n, dx);
  const [ordY, rankY] = sortByFirst(Y, n, dy);
  const kth = new Float64Array(k); // the k smallest joint distances seen so far, ascending
  let acc = 0;
  for (let i = 0; i < n; i++) {
    kth.fill(Infinity);
    const r = rankX[i];
    const xi0 = X[i * dx];
    // Joint k-NN: walk up, then down, the x-sorted order from sample i.
    for (let dir = 1; dir >= -1; dir -= 2) {
      for (let p = r + dir; p >= 0 && p < n; p += dir) {
        const j = ordX[p];
        const bound = kth[k - 1];
        let m = Math.abs(X[j * dx] - xi0);
        if (m >= bound) break; // every later sample in this direction is at least as far
        m = jointDistance(X, Y, i, j, dx, dy, m, bound);
        if (m < bound) {
          let q = k - 1;
          while (q > 0 && kth[q - 1] > m) {
            kth[q] = kth[q - 1];
            q--;
          }
          kth[q] = m;
        }
      }
    }
    const eps = kth[k - 1];
    acc += digamma(countCloser(X, ordX, rankX[i], i, dx, n, eps) + 1) + digamma(countCloser(Y, ordY, rankY[i], i, dy, n, eps) + 1);
  }
  return digamma(k) + digamma(n) - acc / n;
}

/** Indices sorted by coordinate 0 of each row, and each row's position in that order. */
function sortByFirst(A: Float64Array, n: number, d: number): [Int32Array, Int32Array] {
  const ord = new Int32Array(n);
  for (let i = 0; i < n; i++) ord[i] = i;
  ord.sort((a, b) => A[a * d] - A[b * d]);
  const rank = new Int32Array(n);
  for (let p = 0; p < n; p++) rank[ord[p]] = p;
  return [ord, rank];
}

/**
 * max(‖x_i − x_j‖_∞, ‖y_i − y_j‖_∞), starting from `m` = |x_i0 − x_j0|; gives up early (returning
 * a value ≥ bound) once the running max reaches `bound`, since the caller then discards it.
 */
function jointDistance(X: Float64Array, Y: Float64Array, i: number, j: number, dx: number, dy: number, m: number, bound: number): number {
  const xi = i * dx,
    xj = j * dx;
  for (let c = 1; c < dx; c++) {
    const t = Math.abs(X[xi + c] - X[xj + c]);
    if (t > m) {
      if (t >= bound) return t;
      m = t;
    }
  }
  const yi = i * dy,
    yj = j * dy;
  for (let c = 0; c < dy; c++) {
    const t = Math.abs(Y[yi + c] - Y[yj + c]);
    if (t > m) {
      if (t >= bound) return t;
      m = t;
    }
  }
  return m;
}

/** Number of samples j ≠ i with ‖a_j − a_i‖_∞ < eps, scanning outward from i in coordinate-0 order. */
function countCloser(A: Float64Array, ord: Int32Array, r: number, i: number, d: number, n: number, eps: number): number {
  const ai = i * d;
  const ai0 = A[ai];
  let count = 0;
  for (let dir = 1; dir >= -1; dir -= 2) {
    for (let p = r + dir; p >= 0 && p < n; p += dir) {
      const aj = ord[p] * d;
      if (Math.abs(A[aj] - ai0) >= eps) break;
      let c = 1;
      while (c < d && Math.abs(A[ai + c] - A[aj + c]) < eps) c++;
      if (c === d) count++;
    }
  }
  return count;
}
