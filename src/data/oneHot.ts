/**
 * One-hot pairs: X uniform over N categories (one-hot vectors), Y = X. Then I(X; Y) = H(X) = log N.
 * ReMINE (Choi & Lee) uses it to expose MINE's drift: with batch size below N the DV bound's
 * log-mean-exp term is estimated from too few marginal samples.
 */
import { requirePositiveInt, type PairSampler } from './types.js';

export function oneHotPairs(opts: { categories: number }): PairSampler {
  const N = requirePositiveInt(opts.categories, 'data.categories');
  if (N < 2) throw new Error(`data.categories must be at least 2, got ${N}`);
  return {
    name: `onehot-${N}`,
    dx: N,
    dy: N,
    trueMI: () => Math.log(N),
    sample: (n, rng) => {
      const x = new Float32Array(n * N);
      for (let i = 0; i < n; i++) x[i * N + rng.int(N)] = 1;
      return { x, y: x.slice(), n, dx: N, dy: N };
    },
  };
}
