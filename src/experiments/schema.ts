/**
 * The experiment file format, once: a zod schema per task, from which come both the load-time
 * check (experimentErrors, run by prepareConfig before a task parses its config) and the JSON
 * Schema (draft 2020-12) that ships as schema/experiment.schema.json, so that an editor reading an
 * experiment's `"$schema"` completes keys and shows each key's description and default.
 *
 * The shared pieces live beside their parsers: estimators (src/mi/registry.ts), critics
 * (criticConfig.ts), optimizers (src/train/optimizer.ts), figures (figureOutput.ts). Checks that
 * relate fields to each other or to the machine (minCount ≤ samples, snapshots within steps, a
 * critic that fits in memory) stay with the task parsers, which run after this.
 */
import { z } from 'zod';
import { check, computedDefault, int, nonNeg, nonNegInt, obj, positive, posInt, widths } from '../config/schemaTools.js';
import { knownMiSchema } from '../data/knownMi.js';
import { checkpointSchema } from '../io/checkpoint.js';
import { estimatorField, estimatorSchema } from '../mi/registry.js';
import { ALI_VARIANTS } from '../models/ali.js';
import { GAN_NOISE_KINDS } from '../models/gan.js';
import { DEFAULT_NOISE_DIM, DEFAULT_NOISE_STD, ENCODER_KINDS } from '../nets/encoders.js';
import { ACTIVATIONS } from '../nets/mlp.js';
import { BETA_SCHEDULE_KINDS } from '../train/betaSchedule.js';
import { DEFAULT_DIVERGENCE_LIMIT } from '../train/loop.js';
import { optimizerSchema } from '../train/optimizer.js';
import { criticField, criticSchema } from './criticConfig.js';
import { figureOptionsSchema } from './figureOutput.js';
import { cartesian, labelOf, setPath } from './paths.js';
import { REFERENCE_SETS } from './referenceNumbers.js';

/** The address of the schema from an experiment in experiments/ (what `"$schema"` says). */
export const SCHEMA_REF = '../schema/experiment.schema.json';

/** Keys every task takes. */
const common = (task: string, text: string) => ({
  $schema: z.string().optional().describe(`the JSON Schema this file follows, for editors (${SCHEMA_REF} in experiments/); ignored by the runner.`),
  name: z
    .string({ error: (iss) => `must be letters, digits, '.', '_' or '-' (it names the output directory), got ${JSON.stringify(iss.input)}` })
    .regex(/^[A-Za-z0-9._-]+$/, {
      error: (iss) => `must be letters, digits, '.', '_' or '-' (it names the output directory), got ${JSON.stringify(iss.input)}`,
    })
    .optional()
    .describe('names the output directory (outputs/<name>/<run-id>/). Default: the file name without .json.'),
  task: z.literal(task).describe(text),
  description: z.string().optional().describe('what the experiment shows, for people.'),
  seed: nonNegInt().default(0).describe('the seed every random choice of the run derives from (--seed overrides it).'),
  divergenceLimit: positive()
    .default(DEFAULT_DIVERGENCE_LIMIT)
    .describe('|MI estimate| or |mean critic output| beyond this many nats stops that setting or estimator as diverged (the others go on).'),
});

const figures = { figures: figureOptionsSchema.prefault({}) };

/** `vary`: config paths → lists of values; every combination is a setting, trained from the same seed. */
const varyRecord = (
  keys = z.string(),
  text = 'config paths (e.g. "mi.beta") → the values to try; every combination is one setting, trained from the same seed.',
) =>
  z
    .record(keys, z.array(z.unknown()).min(1, { error: (iss) => `must be a non-empty list of values, got ${JSON.stringify(iss.input)}` }))
    .optional()
    .describe(text);

/** An MLP: widths of its hidden layers and their activation. */
const net = <E extends z.core.$ZodLooseShape = Record<never, never>>(text: string, extra: E = {} as E) =>
  obj({
    hidden: widths().min(1).default([256, 256]).describe('widths of the hidden layers.'),
    activation: z.enum(ACTIVATIONS).default('relu').describe('activation of the hidden layers.'),
    ...extra,
  })
    // every key has a default (the generic shape hides it from the type)
    .prefault({} as never)
    .describe(text);

/** Stride-2 convolutions of an ALI network on MNIST (src/nets/convNets.ts); absent: an MLP only. */
const convLayers = (where: string) =>
  obj({
    channels: widths().min(1).describe('output channels of each stride-2 layer from the image side, e.g. [32, 64]: 28×28 → 14×14 → 7×7.'),
    kernel: posInt().default(4).describe('kernel side.'),
    batchNorm: z
      .boolean()
      .default(false)
      .describe("batch normalization before every layer's activation but the image-side one (the batch's own statistics, at evaluation too)."),
  })
    .optional()
    .describe(`convolutional layers (MNIST only), ${where}; absent: the network is an MLP.`);

const steps = posInt().describe('training steps (--steps N overrides it).');
const batchSize = (def: number) => int().min(2).default(def).describe('samples per training batch (at least 2: a batch needs marginal pairs).');
const logEvery = (def: number) => posInt().default(def).describe('a metrics.jsonl line every this many steps.');
const optimizer = (text: string) => optimizerSchema.optional().describe(`the optimizer. Default: ${text}.`);
const miOptimizer = optimizerSchema.optional().describe("the statistics network's optimizer. Default: the run's `optimizer`.");
const clip = z
  .boolean()
  .default(true)
  .describe("adaptive gradient clipping of the MI term (MINE §3.2): its gradient is scaled to at most the main loss's norm.");

/** 2-D grid of Gaussians (the 25-Gaussians mixture) or the swiss roll. */
const gridData = obj({
  kind: z.literal('grid').describe('a side × side grid of Gaussians (MINE §5.1: 5 × 5).'),
  side: posInt().default(5).describe('modes per side.'),
  spacing: positive().default(2).describe('distance between neighbouring mode centres.'),
  std: positive().default(0.05).describe('standard deviation of each mode.'),
});
const ganData = z
  .discriminatedUnion('kind', [
    gridData,
    obj({
      kind: z.literal('swissroll').describe('the 2-D swiss roll.'),
      noise: nonNeg().default(0.05).describe('standard deviation of the noise added to the roll.'),
      scale: positive().default(7.5).describe('the roll is divided by this.'),
    }),
  ])
  .describe('the 2-D data.');

/**
 * A quantity's path over the steps (src/train/betaSchedule.ts parses it): `what` moves from `from`
 * to `to` — linearly, along a cosine, or at once at `start` (kind "step").
 */
function stepSchedule(what: string, from: string, to: z.ZodNumber) {
  return obj({
    kind: z.enum(BETA_SCHEDULE_KINDS).describe(`how ${what} moves from ${from} to \`to\` (step: all at once at \`start\`).`),
    to,
    start: nonNegInt().default(0).describe('first step of the change.'),
    end: computedDefault(nonNegInt().optional().describe(`step at which ${what} reaches \`to\` (linear and cosine).`), "the run's last step"),
  });
}

// ---------------------------------------------------------------- mi-benchmark

const miBenchmark = obj({
  ...common(
    'mi-benchmark',
    'train each estimator on data of known MI and report bias, variance and MSE against the truth (MINE Fig. 1; Poole et al. Fig. 2; ReMINE Table 1).',
  ),
  steps,
  logEvery: logEvery(10),
  batchSize: batchSize(64),
  data: z
    .discriminatedUnion('kind', [
      obj({
        kind: z.literal('gaussian').describe('X, Y ∈ R^dim, coordinate i of X and Y correlated by rho (I = −dim/2·log(1 − ρ²)).'),
        dim: posInt().describe('dimension of X and of Y.'),
        rho: z.number().min(-0.999999).max(0.999999).describe('correlation of each coordinate pair.'),
      }),
      obj({
        kind: z.literal('staircase').describe('Gaussians whose true MI steps through `levels` (Poole et al. Fig. 2).'),
        dim: posInt().describe('dimension of X and of Y.'),
        levels: z
          .array(positive(), { error: (iss) => `must be a non-empty list of positive MI values (nats), got ${JSON.stringify(iss.input)}` })
          .min(1, { error: (iss) => `must be a non-empty list of positive MI values (nats), got ${JSON.stringify(iss.input)}` })
          .describe('the true MI of each level, nats.'),
        stepsPerLevel: computedDefault(posInt().optional().describe('training steps spent at each level.'), 'steps ÷ the number of levels'),
        cubic: z.boolean().default(false).describe('y ↦ y³ (MI unchanged; the critic must undo it).'),
      }),
      obj({
        kind: z.literal('onehot').describe("X = Y one-hot over `categories` (I = log categories; ReMINE's drift example)."),
        categories: int().min(2).describe('number of categories.'),
      }),
    ])
    .describe('the data of known MI.'),
  vary: varyRecord(
    z.string().regex(/^(data\.[a-zA-Z]+|batchSize|steps)$/, { error: 'only data.<field>, batchSize and steps can be varied' }),
    'data.<field>, batchSize or steps → the values to try; each combination is a setting whose estimators share the data stream and critic initialisation.',
  ),
  estimators: z
    .array(estimatorField({ extra: { critic: criticSchema.optional().describe("this estimator's own critic (default: the experiment's `critic`).") } }))
    .min(1, { error: (iss) => `must be a non-empty list of estimator configs, got ${JSON.stringify(iss.input)}` })
    .describe('the estimators compared (kinds or objects; each label must be unique).'),
  workers: posInt()
    .default(1)
    .describe(
      'estimators trained at once, each in its own child process with cores ÷ workers OpenBLAS threads (unless OPENBLAS_NUM_THREADS is set); 1: one after the other. Same numbers either way at the same thread count.',
    ),
  baselines: z
    .array(
      z.union([
        z.literal('ksg'),
        obj({
          kind: z.literal('ksg').describe('the KSG k-nearest-neighbour estimator (Kraskov et al. 2004).'),
          samples: posInt().default(1000).describe('samples per estimate.'),
          k: posInt().default(3).describe('neighbours.'),
          repeats: posInt().default(3).describe('independent estimates per level.'),
        }),
      ]),
    )
    .optional()
    .describe('non-neural baselines estimated at each MI level.'),
  critic: criticField().describe('the critic every estimator trains (unless it has its own).'),
  optimizer: optimizer('Adam, learning rate 5e-4'),
  evaluation: obj({ skip: nonNegInt().default(0).describe('steps skipped at the start of each MI level before the statistics are taken.') })
    .prefault({})
    .describe('how the per-step estimates become statistics.'),
  reference: z
    .enum(Object.keys(REFERENCE_SETS) as [string, ...string[]])
    .optional()
    .describe('a set of published numbers (src/experiments/referenceNumbers.ts) that table.md prints beside ours.'),
  ...figures,
});

// ---------------------------------------------------------------- gan

const standardize = z
  .boolean()
  .default(false)
  .describe(
    "train G and D on the data standardized per coordinate (mean 0, std 1, from 10,000 points); G's samples are mapped back before they are evaluated or drawn.",
  );

/** A factor on the task's learning rates over the steps (the statistics network's is left alone). */
const learningRateSchedule = (whose: string) =>
  stepSchedule('the factor', '1', positive().describe("the factor at `end` and after (e.g. 0.1: a tenth of each optimizer's learning rate)."))
    .optional()
    .describe(`a factor on ${whose} learning rates over the steps, shaped as mi.betaSchedule (the statistics network's is left alone); absent: fixed rates.`);

const gan = obj({
  ...common('gan', 'GAN vs MINEGAN on 2-D mixtures (MINE §5.1, Fig. 3–4): mode coverage, KDE log-likelihoods, samples.'),
  steps,
  logEvery: logEvery(50),
  batchSize: batchSize(256),
  noiseDim: posInt().default(2).describe('dimension of the generator noise z.'),
  noise: z
    .enum(GAN_NOISE_KINDS)
    .default('gaussian')
    .describe('the prior of z: standard normal, or uniform on [−√3, √3] per coordinate (unit variance too, without tails).'),
  standardize,
  data: ganData,
  generator: net('the generator G(z).'),
  discriminator: net('the discriminator D(x).', {
    optimizer: optimizerSchema.optional().describe("D's own optimizer (the G/D learning-rate ratio is a lever). Default: the run's `optimizer`."),
    steps: posInt().default(1).describe("D updates per training step (each on a fresh real batch and fresh noise), before G's one update."),
  }),
  optimizer: optimizer('Adam, learning rate 1e-4, β₁ 0.5, β₂ 0.999'),
  learningRateSchedule: learningRateSchedule("G's and D's"),
  mi: obj({
    beta: nonNeg().default(0).describe('β, the weight of −β·I(G(z); z) in the generator loss (0: a plain GAN).'),
    betaSchedule: stepSchedule('β', 'mi.beta', nonNeg().describe('β at `end` and after.'))
      .optional()
      .describe('β over the steps (src/train/betaSchedule.ts); absent: β fixed.'),
    estimator: estimatorSchema.default('mine'),
    critic: criticField(),
    clip,
    outputNoise: nonNeg()
      .default(0)
      .describe(
        "standard deviation of noise added to G(z) where the statistics network sees it (its own update and G's MI gradient, the same noise); D sees G(z) itself.",
      ),
    codeDim: computedDefault(posInt().optional().describe('how many leading coordinates of z the MI term is measured on.'), 'noiseDim'),
    optimizer: miOptimizer,
  })
    .prefault({})
    .describe('the MI term β·I(G(z); z) (MINEGAN).'),
  vary: varyRecord(),
  evaluation: obj({
    every: computedDefault(posInt().optional().describe('evaluate every this many steps.'), 'steps ÷ 10'),
    samples: posInt().default(2500).describe('generated and real points per evaluation.'),
    snapshots: computedDefault(z.array(posInt()).optional().describe('steps whose samples are drawn in samples.png.'), '[steps]'),
    minCount: posInt().default(20).describe('high-quality samples a mode needs to count as captured (PacGAN/VEEGAN protocol).'),
    kdeBandwidth: z
      .union([z.enum(['scott', 'silverman']), positive()], {
        error: (iss) => `must be "scott", "silverman" or a positive number, got ${JSON.stringify(iss.input)}`,
      })
      .default('scott')
      .describe('bandwidth of the KDE log-likelihoods: a rule of thumb or a number.'),
    mapBandwidth: positive().default(0.1).describe('bandwidth of the density-map figures.'),
    coverageRadius: positive().default(0.1).describe('swiss roll: a real point is covered when a generated point lies this near.'),
  })
    .prefault({})
    .describe('what is measured, and how often.'),
  ...figures,
});

// ---------------------------------------------------------------- infogan

const infogan = obj({
  ...common(
    'infogan',
    "a conditional generator G(z, c) that maximises the code MI I(G(z, c); c) by an estimator or InfoGAN's Q head, against a plain GAN; mode coverage, code purity, the step all modes are covered.",
  ),
  steps,
  logEvery: logEvery(50),
  batchSize: batchSize(256),
  noiseDim: posInt().default(2).describe('dimension of the generator noise z (besides the code).'),
  codes: obj({
    categorical: computedDefault(
      nonNegInt().optional().describe('categories of the categorical code (0: none; 1 carries no information).'),
      'one per mode (side²)',
    ),
    continuous: nonNegInt().default(0).describe('uniform continuous codes.'),
  })
    .prefault({})
    .describe('the code c.'),
  standardize,
  data: ganData.describe('the data: a grid of Gaussians (the infogan task needs mode centres).'),
  generator: net('the generator G(z, c).'),
  discriminator: net('the discriminator D(x).'),
  optimizer: optimizer('Adam, learning rate 1e-3, β₁ 0.5, β₂ 0.999'),
  mi: obj({
    beta: nonNeg().default(1).describe('β, the weight of the code MI term.'),
    estimator: estimatorField({
      own: [
        { kind: 'infogan', schema: obj({ kind: z.literal('infogan').describe("InfoGAN's recognition head Q(c | x) (Chen et al. 2016).") }) },
        { kind: 'none', schema: obj({ kind: z.literal('none').describe('no MI term (a plain GAN reference).') }) },
      ],
    }).default('infogan'),
    critic: criticField(),
    head: net("InfoGAN's Q head."),
    clip,
    optimizer: miOptimizer,
  })
    .prefault({})
    .describe('the code MI term β·I(G(z, c); c).'),
  vary: varyRecord(),
  evaluation: obj({
    every: computedDefault(posInt().optional().describe('evaluate every this many steps.'), 'steps ÷ 20'),
    samples: posInt().default(2500).describe('generated points per evaluation.'),
    minCount: posInt().default(20).describe('high-quality samples a mode needs to count as captured.'),
    miWindow: posInt().default(100).describe('the final MI estimate is the mean per-step estimate over this many last steps.'),
    stopAtAllModes: z
      .boolean()
      .default(false)
      .describe(
        'end a setting at the first evaluation with every mode captured (≥ minCount samples): the steps-to-all-modes protocol of η-MINE Fig. 3, which needs no steps after that one.',
      ),
  })
    .prefault({})
    .describe('what is measured, and how often.'),
  ...figures,
});

// ---------------------------------------------------------------- ali

const idxDir = z
  .string({ error: (iss) => (iss.input === undefined ? 'is required for data.source "idx" (the directory holding the four MNIST IDX files)' : undefined) })
  .min(1)
  .describe('the directory holding the four MNIST IDX files.');
const ali = obj({
  ...common(
    'ali',
    'bidirectional adversarial models (ALI/BiGAN, ALICE, ALI + β·I(X; Z), MINE §4.3) on the 25 Gaussians or MNIST: modes, reconstruction error and accuracy, MS-SSIM.',
  ),
  steps,
  logEvery: logEvery(50),
  batchSize: batchSize(100),
  variant: z
    .enum(ALI_VARIANTS)
    .default('ali')
    .describe('ali (BiGAN), alice-l2 / alice-adv (ALICE with an L2 or adversarial reconstruction term), ali-mi (ALI + β·I(X; Z), MINE eq. 23).'),
  latentDim: computedDefault(posInt().optional().describe('dimension of the latent z.'), '64 for MNIST, 2 for the grid'),
  data: z
    .discriminatedUnion('kind', [
      gridData,
      z.discriminatedUnion('source', [
        obj({
          kind: z.literal('mnist').describe('MNIST digits.'),
          source: z.literal('embedded').optional().describe('the 10k digits shipped with the package (the default).'),
          splitSeed: nonNegInt().default(0).describe('seed of the train/test split (fixed across run seeds).'),
          trainSize: posInt().default(8000).describe('training digits.'),
          testSize: posInt().default(2000).describe('held-out digits.'),
        }),
        obj({ kind: z.literal('mnist'), source: z.literal('idx').describe('the four IDX files in `dir`.'), dir: idxDir }),
      ]),
    ])
    .describe('the data.'),
  generator: net('the generator G(z).', {
    conv: convLayers("after the hidden layers: transposed convolutions from the last width back to the image (the mirror of the encoder's)"),
  }),
  encoder: net('the encoder F(x).', {
    conv: convLayers('on the image before the hidden layers'),
    noise: z
      .union([nonNeg(), z.literal('learned')])
      .default(0)
      .describe(
        "σ of the Gaussian encoder ẑ = F(x) + σε (0: deterministic), or 'learned': ẑ = μ(x) + σ(x)ε with σ(x) = softplus(s(x) − 5) an output of the encoder (ALI's reparametrised Gaussian encoder).",
      ),
  }),
  discriminator: net('the joint discriminator D(x, z).', {
    conv: convLayers("on the image (D's x path) before it is joined with z"),
    dropout: z.number().min(0).max(0.9).default(0).describe("dropout in D's training passes."),
    inputNoise: nonNeg().default(0).describe("standard deviation of noise added to D's inputs in training."),
    optimizer: optimizerSchema.optional().describe("D's own optimizer. Default: the run's `optimizer`."),
  }),
  reconDiscriminator: net("ALICE's adversarial reconstruction discriminator (alice-adv)."),
  optimizer: optimizer('Adam, learning rate 2e-4, β₁ 0.5, β₂ 0.999'),
  learningRateSchedule: learningRateSchedule("G and F's, D's (and D′'s)"),
  alice: obj({ lambda: positive().default(1).describe("weight of ALICE's conditional-entropy term.") })
    .prefault({})
    .describe('ALICE settings.'),
  mi: obj({
    beta: nonNeg().default(1).describe('β, the weight of I(X; Z) (variant ali-mi).'),
    estimator: estimatorSchema.default('mine'),
    critic: criticField(),
    clip,
    optimizer: miOptimizer,
  })
    .prefault({})
    .describe('the MI term of ali-mi.'),
  vary: varyRecord(),
  evaluation: obj({
    every: computedDefault(posInt().optional().describe('evaluate every this many steps.'), 'steps for MNIST, steps ÷ 10 for the grid'),
    samples: computedDefault(posInt().optional().describe('samples from the prior per evaluation.'), '1000 for MNIST, 2500 for the grid'),
    reconSamples: posInt().default(1000).describe('held-out points reconstructed per evaluation.'),
    minCount: posInt().default(20).describe('high-quality samples a mode needs to count as captured (grid).'),
    classifier: z
      .union([z.string().min(1), z.null(), z.literal(false)], {
        error: (iss) =>
          `must be a directory holding the MNIST classifier, null (the shipped one) or false (skip accuracy and MS-SSIM), got ${JSON.stringify(iss.input)}`,
      })
      .default(null)
      .describe('the MNIST classifier for reconstruction accuracy and MS-SSIM classes: a directory, null (the shipped one) or false (skip them).'),
    pairsPerClass: posInt().default(50).describe('sample pairs per class for the within-class MS-SSIM.'),
  })
    .prefault({})
    .describe('what is measured, and how often.'),
  ...figures,
});

// ---------------------------------------------------------------- ib

const ib = obj(
  {
    ...common(
      'ib',
      'the information bottleneck on permutation-invariant MNIST (MINE §5.3, Table 3): MINE-estimated I(X; Z) with three encoders against the variational IB (Alemi et al. 2017).',
    ),
    epochs: posInt().default(200).describe('training epochs.'),
    steps: posInt().optional().describe('a cap on the total training steps (--steps N); the last, partial epoch is evaluated too.'),
    logEvery: logEvery(20),
    batchSize: batchSize(100),
    data: obj({
      kind: z
        .enum(['embedded', 'idx', 'fashion'])
        .default('embedded')
        .describe("embedded: the 10k shipped digits; idx: the IDX files in `dir`; fashion: Fashion-MNIST (Debian's files by default)."),
      dir: z.string().optional().describe('the directory of the IDX files (required for idx).'),
      // not filled in here: given for an IDX kind they are an error (those sets come split)
      trainSize: posInt().optional().meta({ default: 8000 }).describe('embedded: training images.'),
      testSize: posInt().optional().meta({ default: 2000 }).describe('embedded: test images.'),
      splitSeed: nonNegInt().optional().meta({ default: 0 }).describe('embedded: seed of the fixed split (independent of the run seed).'),
      classes: z
        .array(int().min(0).max(9), { error: (iss) => `must be a list of at least two class ids in 0…9, got ${JSON.stringify(iss.input)}` })
        .min(2, { error: (iss) => `must be a list of at least two class ids in 0…9, got ${JSON.stringify(iss.input)}` })
        .optional()
        .describe('keep only these classes (e.g. [0, 1] for a quick 2-class run).'),
      trainLimit: posInt().optional().describe('use only the first n training images (after `classes`).'),
      testLimit: posInt().optional().describe('use only the first n test images (after `classes`).'),
    })
      .prefault({})
      .describe('the images.'),
    encoder: obj({
      kind: z
        .enum(ENCODER_KINDS)
        .default('gaussian')
        .describe('gaussian (μ(x) + σ(x)·ε), additive (f(x) + noise) or propagated (noise fed through the network).'),
      hidden: widths().min(1).default([1024, 1024]).describe('widths of the hidden layers.'),
      zDim: posInt().default(256).describe('dimension of the bottleneck Z.'),
      noiseStd: positive().default(DEFAULT_NOISE_STD).describe('standard deviation of the additive/propagated noise.'),
      noiseDim: posInt().default(DEFAULT_NOISE_DIM).describe('dimension of the propagated noise.'),
    })
      .prefault({})
      .describe('the stochastic encoder p(z | x).'),
    rate: z
      .enum(['mi', 'vib'])
      .default('mi')
      .describe("how I(X; Z) is penalised: 'mi' the MI estimator's estimate (MINE-IB), 'vib' VIB's KL(p(z|x) ‖ N(0, I)) bound (gaussian encoder)."),
    mi: obj({
      beta: nonNeg().default(1e-3).describe('β, the weight of I(X; Z) in the loss.'),
      estimator: estimatorField({ shorthandOnly: ['none'] })
        .default('mine')
        .describe('the MI estimator, or "none" (VIB without a statistics network; rate must be "vib").'),
      critic: criticField([512, 512]),
      clip,
      optimizer: miOptimizer,
    })
      .prefault({})
      .describe('the I(X; Z) term.'),
    optimizer: optimizer('Adam, learning rate 1e-4, β₁ 0.5, β₂ 0.999 (Alemi et al. §4.1)'),
    schedule: obj({
      decay: positive().max(1).default(0.97).describe('learning rate × decay every `every` epochs.'),
      every: posInt().default(2).describe('epochs between decays.'),
    })
      .prefault({})
      .describe('the learning-rate schedule (Alemi et al.: × 0.97 every 2 epochs).'),
    evaluation: obj({
      samples: posInt().default(12).describe('samples of z per test image for the averaged-softmax error.'),
      polyak: z
        .union([
          z.literal(false),
          z
            .number()
            .min(0)
            .lt(1, { error: (iss) => `must be 0 (off) or a decay in (0, 1), got ${iss.input}` }),
        ])
        .default(0.999)
        .describe('decay of the Polyak (EMA) average of the weights also evaluated (0 or false: off).'),
    })
      .prefault({})
      .describe('the test-error evaluation after each epoch.'),
    checkpoint: checkpointSchema,
    vary: z
      .union([
        z.record(z.string(), z.array(z.unknown()).min(1, { error: (iss) => `must be a non-empty list of values, got ${JSON.stringify(iss.input)}` })),
        z
          .array(
            z
              .looseObject({ label: z.string().optional().describe("the setting's name in tables and figures.") })
              .describe('one setting: config paths → values, and a label.'),
          )
          .min(1, { error: 'must not be an empty list' }),
      ])
      .optional()
      .describe('config paths → value lists (every combination is a setting), or a list of labelled settings [{ "label": "VIB", "rate": "vib" }, …].'),
    ...figures,
  },
  { beta: 'moved to mi.beta (the weight of I(X; Z), as in every task)' },
);

// ---------------------------------------------------------------- mi-suite

const training = {
  steps: posInt().optional().meta({ default: 2000 }).describe('training steps per estimate.'),
  batchSize: int().min(2).optional().meta({ default: 64 }).describe('rows per training batch (at most the training rows).'),
  learningRate: positive().optional().meta({ default: 5e-4 }).describe("Adam's learning rate."),
  evalEvery: posInt().optional().describe('evaluate the held-out bound every this many steps.'),
  patience: z
    .union([posInt(), z.null()])
    .optional()
    .meta({ default: 5 })
    .describe('stop after this many evaluations without improvement (null: never stop early).'),
  evalBlock: int().min(2).optional().describe('held-out rows scored together (InfoNCE cannot exceed log evalBlock).'),
  standardize: z.boolean().optional().meta({ default: true }).describe("z-score X and Y with the training rows' statistics."),
  select: z.enum(['best', 'last']).optional().meta({ default: 'best' }).describe('report the evaluation with the best held-out bound, or the last.'),
};
for (const [k, f] of Object.entries(training)) f.register(z.globalRegistry, { id: `training.${k}`, description: f.description });

const suiteEntry = {
  label: z.string().min(1).optional().describe("the estimator's name in the table."),
  critic: criticSchema.optional().describe("this estimator's own critic."),
  ...training,
};
const miSuite = obj({
  ...common(
    'mi-suite',
    'every estimator, through estimateMI, on finite samples of distributions of known MI (as the bmi benchmark): a task × estimator table of bias and std, and a |bias| heat-map.',
  ),
  seeds: posInt().default(3).describe('independent repetitions (a fresh sample, split and critic each).'),
  n: int().min(4).default(5000).describe('samples per task.'),
  testFraction: positive().max(0.999).optional().meta({ default: 0.5 }).describe("held-out share of each task's samples (or give nTest)."),
  nTest: int().min(2).optional().describe('held-out samples of each task (instead of testFraction; at most n − 2).'),
  ...training,
  critic: criticField().describe('the default critic.'),
  tasks: z
    .array(knownMiSchema)
    .min(1, { error: (iss) => `must be a non-empty list of known-MI task configs, got ${JSON.stringify(iss.input)}` })
    .describe('the distributions.'),
  estimators: z
    .array(
      estimatorField({
        own: [
          {
            kind: 'ksg',
            schema: obj({
              kind: z.literal('ksg').describe('the KSG k-nearest-neighbour estimator.'),
              k: posInt().default(3).describe('neighbours.'),
              ...suiteEntry,
            }),
          },
        ],
        extra: suiteEntry,
      }),
    )
    .min(1, { error: (iss) => `must be a non-empty list of estimator kinds or configs, got ${JSON.stringify(iss.input)}` })
    .describe('the estimators: kinds or objects with their own label, critic and training options.'),
  quick: z.record(z.string(), z.unknown()).optional().describe('top-level overrides applied by `infobound suite --quick` (a smoke run).'),
});

/** Each task's schema, by the `task` field's value. */
export const TASK_SCHEMAS = { 'mi-benchmark': miBenchmark, 'mi-suite': miSuite, gan, infogan, ib, ali } as const;

/** The whole format: one of the tasks. */
export const experimentSchema = z
  .discriminatedUnion('task', [miBenchmark, miSuite, gan, infogan, ib, ali])
  .describe('an infobound experiment: `infobound run <file>` runs it, `infobound validate <file>` checks it.');

/** The settings a `vary` makes: the raw config with each combination applied (no `vary`), labelled. */
function variedSettings(raw: Record<string, unknown>): { label: string; raw: Record<string, unknown> }[] {
  const vary = raw.vary;
  const combos = Array.isArray(vary)
    ? vary.map((item) => {
        const o = item as Record<string, unknown>;
        const set = Object.entries(o)
          .filter(([k]) => k !== 'label')
          .map(([path, value]) => ({ path, value }));
        return { label: typeof o.label === 'string' && o.label ? o.label : labelOf(set), set };
      })
    : cartesian(Object.entries(vary as Record<string, unknown[]>).map(([path, values]) => ({ path, values }))).map((set) => ({ label: labelOf(set), set }));
  return combos.map(({ label, set }) => {
    const copy = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
    delete copy.vary;
    for (const s of set) setPath(copy, s.path, s.value);
    return { label, raw: copy };
  });
}

/**
 * Every way `raw` breaks the schema of its task, one line each naming the field; [] when it fits.
 * The file as written is checked first (what an editor checks against the JSON Schema); then
 * each setting `vary` makes, its lines prefixed with the setting (`setting "beta=-1": …`).
 */
export function experimentErrors(raw: Record<string, unknown>): string[] {
  const kinds = Object.keys(TASK_SCHEMAS);
  if (raw.task === undefined) return [`task is missing; expected one of ${kinds.join(', ')}`];
  if (typeof raw.task !== 'string' || !(raw.task in TASK_SCHEMAS))
    return [`task: unknown task ${JSON.stringify(raw.task)}; expected one of ${kinds.join(', ')}`];
  const schema = TASK_SCHEMAS[raw.task as keyof typeof TASK_SCHEMAS];
  const whole = check(schema, raw);
  if (!whole.ok) return whole.errors;
  if (raw.vary === undefined) return [];
  const errors: string[] = [];
  let settings: { label: string; raw: Record<string, unknown> }[];
  try {
    settings = variedSettings(raw);
  } catch (e) {
    return [`vary: ${(e as Error).message}`];
  }
  for (const s of settings) {
    const r = check(schema, s.raw);
    if (!r.ok) for (const line of r.errors) errors.push(`setting "${s.label}": ${line}`);
  }
  return [...new Set(errors)];
}

/**
 * The JSON Schema (draft 2020-12) of an experiment file, as shipped in
 * schema/experiment.schema.json. Descriptions end with their default, which editors show on hover.
 */
export function experimentJsonSchema(): Record<string, unknown> {
  const s = z.toJSONSchema(experimentSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' }) as Record<string, unknown>;
  const withDefaults = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(withDefaults);
      return;
    }
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    // ({} is a section whose own keys carry the defaults)
    const said = JSON.stringify(o.default);
    if (typeof o.description === 'string' && 'default' in o && said !== '{}' && !/Default: /.test(o.description))
      o.description = `${o.description} Default: ${said}.`;
    // the integer bounds zod adds (±2^53 − 1) say nothing to a reader
    if (o.maximum === Number.MAX_SAFE_INTEGER) delete o.maximum;
    if (o.minimum === Number.MIN_SAFE_INTEGER) delete o.minimum;
    Object.values(o).forEach(withDefaults);
  };
  withDefaults(s);
  return { $schema: s.$schema, title: 'infobound experiment', ...s };
}
