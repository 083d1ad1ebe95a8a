/**
 * infobound as a library: GANs and information-bottleneck models with neural mutual-information
 * estimators as regularizers, on tfjs.
 *
 * ```ts
 * import { MIRegularizer, estimateMI, ready, tf } from 'infobound';
 * await ready(); // picks the backend as the CLI does (or: the first call that needs one does)
 * const r = await estimateMI(x, y, { estimator: 'mine' });
 * ```
 *
 * Importing the package loads no backend. Use the `tf` exported here for your own tensors and
 * models, so that they and infobound's live in one tfjs instance.
 */

/** The tfjs namespace infobound itself uses: build your models and tensors with it. */
export * as tf from '@tensorflow/tfjs';

// Backend selection (lazy; INFOBOUND_BACKEND or the first of node-gpu, node, wasm, cpu that loads).
export { ready, initBackend, BACKEND_NAMES, type BackendInfo, type BackendName } from './backend/backend.js';

// The MI regularizer: the one component models compose with to maximise or minimise I(X; Y).
export {
  MIRegularizer,
  estimatorTerm,
  trainCritic,
  STEP_FIELDS,
  type MIRegularizerOptions,
  type MIStepInfo,
  type MIStepTensors,
  type MiDirection,
  type MiTerm,
  type MiTermOutput,
  type CriticStepTensors,
  type VariableLike,
} from './mi/miRegularizer.js';
export { combineWithAdaptiveClip, globalNorm, type ClippedGradients } from './mi/adaptiveClip.js';

// Pure bounds (Poole et al. 2019) and the estimators built on them.
export { donskerVaradhan, nwj, etaDonskerVaradhan, infoNce, jensenShannon, smileDv } from './mi/bounds.js';
export type { BoundParts, CriticScores, EstimatorOutput, MIEstimator, Sampling } from './mi/interface.js';
export { createEstimator, parseEstimatorConfig, ESTIMATOR_KINDS, type EstimatorConfig, type EstimatorKind } from './mi/registry.js';
export { DvEstimator, mineCorrectedBound, updateLogMovingAverage, type DvOptions } from './mi/dv.js';
export { EtaMine } from './mi/etaMine.js';
export { NwjEstimator, InfoNceEstimator, JsEstimator, SmileEstimator } from './mi/peers.js';
export { driftPenalty, DEFAULT_REGULARIZER, type RegularizerConfig } from './mi/regularizer.js';
export { logMeanExp, stopGradient, scoresFromMatrix } from './mi/ops.js';
export { ksgMutualInformation } from './mi/ksg.js';
export { miTrainStep, type MiLearner, type MiStepNumbers } from './mi/miStep.js';
export { criticScores } from './mi/criticScores.js';

// Estimating MI from a user's data.
export {
  estimateMI,
  resolveEstimateOptions,
  type EstimateOptions,
  type EstimateResult,
  type SampleArray,
  type ResolvedEstimateOptions,
  type SeedEstimate,
  type EstimateCurves,
  type EstimateProgress,
  type KsgConfig,
} from './mi/estimateMI.js';

// Networks: critics (statistics networks), a user's Layers model as a critic, MLPs, encoders.
export { createCritic, ConcatCritic, SeparableCritic, BilinearCritic, CRITIC_KINDS, type Critic, type CriticConfig, type CriticKind } from './nets/critics.js';
export { layersCritic } from './nets/layersCritic.js';
export { Mlp, ACTIVATIONS, type Activation, type MlpSpec } from './nets/mlp.js';
export { ConvStack, DeconvStack, Chain, type ConvSpec, type Net } from './nets/convNets.js';
export { StochasticEncoder, ENCODER_KINDS, type EncoderConfig, type EncoderKind } from './nets/encoders.js';
export { createOptimizer, type OptimizerConfig } from './train/optimizer.js';
export { Rng } from './util/rng.js';

// Models: builders and one-step functions (each composes with MIRegularizer).
export { ganTrainStep, sampleGenerator, disposeGan, bceWithLogits, GAN_FIELDS, type Gan, type GanStepNumbers } from './models/gan.js';
export { createGan } from './experiments/ganTask.js';
export {
  infoGanTrainStep,
  recognitionTerm,
  recognitionBound,
  sampleCodes,
  sampleInfoGan,
  codeEntropy,
  codeSize,
  checkInfoGan,
  disposeInfoGan,
  type InfoGan,
  type CodeSpec,
} from './models/infoGan.js';
export { buildInfoGan } from './experiments/infoGanTask.js';
export { aliTrainStep, checkAli, disposeAli, encodeData, reconstruct, sampleAli, ALI_VARIANTS, type Ali, type AliVariant } from './models/ali.js';
export { createIbModel, ibTrainStep, ibTestError, disposeIbModel, setIbLearningRate, type IbModel, type IbModelConfig } from './models/ib.js';
export { vibRate, gaussianKlToStandardNormal } from './models/vib.js';

// Data: generated distributions (known densities and known MI) and image loaders.
export { gridGaussians, gridCentres, type GridMixtureOptions } from './data/gridGaussians.js';
export { swissRoll } from './data/swissRoll.js';
export { correlatedGaussians, gaussianStaircase, gaussianMI, rhoForMI } from './data/correlatedGaussians.js';
export { oneHotPairs } from './data/oneHot.js';
export {
  knownMiTask,
  parseKnownMiConfig,
  gaussianMiFromCovariance,
  studentTMiCorrection,
  KNOWN_MI_KINDS,
  type KnownMiConfig,
  type KnownMiTask,
  type KnownMiSample,
} from './data/knownMi.js';
export type { PairBatch, PairSampler, PointSampler } from './data/types.js';
export {
  loadImageDataset,
  loadEmbeddedMnist,
  loadIdxDataset,
  loadFashionMnist,
  permutationInvariant,
  subsetByClasses,
  type ImageDataset,
  type ImageSplit,
} from './data/mnist.js';
export { readNpy, writeNpy, encodeNpy, type NpyArray } from './io/npy.js';
export { readArrayFile, parseColumns, selectColumns, type ArrayTable } from './io/arrayFile.js';

// Evaluators.
export { GaussianKde, bandwidth } from './eval/kde.js';
export { modeCoverage, pointCoverage, type ModeCoverage } from './eval/modeCoverage.js';
export { ssim, msssim, type MsSsimResult, type SsimResult } from './eval/msssim.js';
export { reconstructionError, classAccuracy, withinClassMsSsim } from './eval/reconstruction.js';
export { estimateStats, meanStd, type EstimateStats } from './eval/miStats.js';
export { codePurity } from './eval/codePurity.js';

// Plots (PNG buffers; SVG where the figure options ask for it).
export * from './plot/index.js';

// Experiments: run a JSON experiment as the CLI does.
export { runExperiment, readExperimentFile, prepareConfig, type RunOptions, type RunOutcome } from './experiments/runExperiment.js';
// the experiment format (zod 4): check a config object, or get the JSON Schema (schema/experiment.schema.json)
export { experimentErrors, experimentJsonSchema, experimentSchema, TASK_SCHEMAS } from './experiments/schema.js';
export { runLoop, type LoopOptions, type LoopResult } from './train/loop.js';
export { parseMiSuite, runMiSuite } from './experiments/estimatorSuite.js';
