/**
 * The four workloads of ../shared/BENCHMARKS.md, built from the toolkit's own code (the model
 * builders, step functions, estimators, critics and optimizers the experiments use), so the bench
 * times exactly what a run trains.
 */
import { createGan, parseGan } from '../src/experiments/ganTask.js';
import { gridGaussians } from '../src/data/gridGaussians.js';
import { correlatedGaussians } from '../src/data/correlatedGaussians.js';
import { createEstimator, parseEstimatorConfig } from '../src/mi/registry.js';
import { disposeGan, ganTrainStep } from '../src/models/gan.js';
import { createIbModel, disposeIbModel, ibTrainStep } from '../src/models/ib.js';
import { createCritic } from '../src/nets/critics.js';
import { miTrainStep } from '../src/mi/miStep.js';
import { createOptimizer } from '../src/train/optimizer.js';
import { Rng } from '../src/util/rng.js';

export const WORKLOAD_NAMES = ['gan25', 'ib-mnist', 'mi-gauss20', 'mi-matrix64'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

export interface Workload {
  name: WorkloadName;
  /** One full training step (every network the step updates, updated once), numbers read back. */
  step(): void;
  dispose(): void;
  /**
   * Matmul FLOPs of one step of the workload as BENCHMARKS.md defines it (the PyTorch peer's
   * structure), from the layer sizes: forward 2·n·Σ in·out per MLP pass, backward twice that
   * (input and weight gradients) except the input gradient of a first layer whose input needs none.
   */
  nominalFlops: number;
}

/** MACs per sample of one forward pass through an MLP with these widths. */
const macs = (sizes: number[]) => sizes.slice(1).reduce((s, out, i) => s + sizes[i] * out, 0);
/** MACs per sample of a backward pass: weight gradients everywhere, input gradients except layer 1 unless `inputGrad`. */
const bwdMacs = (sizes: number[], inputGrad: boolean) => 2 * macs(sizes) - (inputGrad ? 0 : sizes[0] * sizes[1]);

/**
 * gan25: MINEGAN on 25 Gaussians, batch 256; G 2-256-256-2, D 2-256-256-1, T on [G(z), z]
 * 4-256-256-1; D, T (MINE, moving average 0.01) and G (adversarial + adaptively clipped MI
 * gradient, β = 1) updated once per step; Adam lr 1e-4, betas (0.5, 0.999). The Gan is assembled
 * as src/experiments/ganTask.ts runGan does, from a config validated by its parseGan.
 */
function gan25(seed: number): Workload {
  const batch = 256;
  const s = parseGan({
    name: 'bench-gan25',
    task: 'gan',
    steps: 1,
    batchSize: batch,
    noiseDim: 2,
    data: { kind: 'grid', side: 5, spacing: 2, std: 0.05 },
    generator: { hidden: [256, 256] },
    discriminator: { hidden: [256, 256] },
    optimizer: { kind: 'adam', learningRate: 1e-4, beta1: 0.5, beta2: 0.999 },
    mi: { beta: 1, estimator: { kind: 'mine', movingAverageRate: 0.01 }, critic: { kind: 'concat', hidden: [256, 256] }, clip: true },
  }).settings[0].cfg;
  const base = new Rng(seed);
  const netRng = base.split(),
    dataRng = base.split(),
    stepRng = base.split();
  const gan = createGan(s, netRng);
  const sampler = gridGaussians({ side: 5, spacing: 2, std: 0.05 });
  const G = [2, 256, 256, 2],
    D = [2, 256, 256, 1],
    T = [4, 256, 256, 1];
  // D step: 2 D passes + backward; T step: 2 T passes + backward; G step: G→D with backward
  // into G, G→T (2 passes) with backward into G; G forward once per update (PyTorch's structure)
  const perSample =
    3 * macs(G) +
    2 * macs(D) +
    2 * bwdMacs(D, false) +
    2 * macs(T) +
    2 * bwdMacs(T, false) +
    macs(D) +
    bwdMacs(D, true) +
    2 * macs(T) +
    2 * bwdMacs(T, true) +
    2 * bwdMacs(G, false);
  return {
    name: 'gan25',
    step: () => void ganTrainStep(gan, sampler.sample(batch, dataRng), stepRng),
    dispose: () => disposeGan(gan),
    nominalFlops: 2 * batch * perSample,
  };
}

/**
 * ib-mnist: information bottleneck, batch 100 of 784 values in [0, 1] (fixed, as in the peer),
 * Gaussian encoder 784-1024-1024-512 (mean and pre-softplus std of K = 256), linear decoder 256-10,
 * statistics network on [x, z] 1040-512-512-1, MINE (moving average 0.01), β = 1e-3, Adam lr 1e-4
 * (encoder+decoder betas (0.5, 0.999) as in the peer). One T update, one encoder+decoder update.
 */
function ibMnist(seed: number): Workload {
  const batch = 100;
  const rng = new Rng(seed);
  const m = createIbModel(
    {
      inputDim: 784,
      numClasses: 10,
      encoder: { kind: 'gaussian', hidden: [1024, 1024], zDim: 256 },
      beta: 1e-3,
      rate: 'mi',
      // no clipping: the peer adds β·MI's gradient unclipped
      mi: {
        estimator: parseEstimatorConfig({ kind: 'mine', movingAverageRate: 0.01 }),
        critic: { kind: 'concat', hidden: [512, 512] },
        clip: false,
        optimizer: { kind: 'adam', learningRate: 1e-4, beta1: 0.9, beta2: 0.999 },
      },
      optimizer: { kind: 'adam', learningRate: 1e-4, beta1: 0.5, beta2: 0.999 },
    },
    rng.split(),
  );
  const dataRng = rng.split();
  const x = Float32Array.from({ length: batch * 784 }, () => dataRng.uniform());
  const labels = Int32Array.from({ length: batch }, () => dataRng.int(10));
  const E = [784, 1024, 1024, 512],
    T = [1040, 512, 512, 1],
    Dec = [256, 10];
  // T step: encode, 2 T passes + backward; main: encode, decoder and 2 T passes, backward through all
  const perSample =
    macs(E) + 2 * macs(T) + 2 * bwdMacs(T, false) + macs(E) + macs(Dec) + 2 * macs(T) + bwdMacs(Dec, true) + 2 * bwdMacs(T, true) + bwdMacs(E, false);
  return {
    name: 'ib-mnist',
    step: () => void ibTrainStep(m, x, labels, rng),
    dispose: () => disposeIbModel(m),
    nominalFlops: 2 * batch * perSample,
  };
}

/** mi-gauss20: MINE (moving average) on 20-D Gaussians with ρ = 0.5, batch 64, concat critic 40-256-256-1, Adam lr 5e-4. */
function miGauss20(seed: number): Workload {
  const batch = 64;
  const rng = new Rng(seed);
  const sampler = correlatedGaussians({ dim: 20, rho: 0.5 });
  const learner = {
    critic: createCritic({ kind: 'concat', hidden: [256, 256] }, 20, 20, rng.split()),
    estimator: createEstimator(parseEstimatorConfig({ kind: 'mine', movingAverageRate: 0.01 })),
    optimizer: createOptimizer({ kind: 'adam', learningRate: 5e-4, beta1: 0.9, beta2: 0.999 }),
  };
  const dataRng = rng.split();
  let i = 0;
  const T = [40, 256, 256, 1];
  return {
    name: 'mi-gauss20',
    step: () => void miTrainStep(learner, sampler.sample(batch, dataRng, i++), rng),
    dispose: () => {
      learner.critic.dispose();
      learner.estimator.dispose();
      learner.optimizer.dispose();
    },
    nominalFlops: 2 * batch * (2 * macs(T) + 2 * bwdMacs(T, false)),
  };
}

/**
 * mi-matrix64: the all-pairs protocol of ReMINE's and SMILE's reference code. Data as mi-gauss20;
 * the concat critic 40-256-256-1 scores all 64 × 64 pairs (the DV bound's marginal term over the
 * 64·63 off-diagonal scores, no moving average: mine-biased with sampling "matrix"); one Adam step.
 * Nominal work is the peer's: the critic on all 4,096 concatenated pairs. The toolkit's critic
 * computes the first layer per sample (ConcatCritic.matrix), so it counts fewer FLOPs.
 */
function miMatrix64(seed: number): Workload {
  const batch = 64;
  const rng = new Rng(seed);
  const sampler = correlatedGaussians({ dim: 20, rho: 0.5 });
  const learner = {
    critic: createCritic({ kind: 'concat', hidden: [256, 256] }, 20, 20, rng.split()),
    estimator: createEstimator(parseEstimatorConfig({ kind: 'mine-biased', sampling: 'matrix' })),
    optimizer: createOptimizer({ kind: 'adam', learningRate: 5e-4, beta1: 0.9, beta2: 0.999 }),
  };
  const dataRng = rng.split();
  let i = 0;
  const T = [40, 256, 256, 1];
  return {
    name: 'mi-matrix64',
    step: () => void miTrainStep(learner, sampler.sample(batch, dataRng, i++), rng),
    dispose: () => {
      learner.critic.dispose();
      learner.estimator.dispose();
      learner.optimizer.dispose();
    },
    nominalFlops: 2 * batch * batch * (macs(T) + bwdMacs(T, false)),
  };
}

export function createWorkload(name: WorkloadName, seed = 0): Workload {
  switch (name) {
    case 'gan25':
      return gan25(seed);
    case 'ib-mnist':
      return ibMnist(seed);
    case 'mi-gauss20':
      return miGauss20(seed);
    case 'mi-matrix64':
      return miMatrix64(seed);
  }
}
