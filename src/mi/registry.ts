/**
 * Estimator configs as data: a discriminated union resolved by an exhaustive switch. An unknown
 * kind or key is an error that names it and lists the valid ones.
 */
import { z } from 'zod';
import { computedDefault, nonNeg, obj, parseWith, positive, posInt } from '../config/schemaTools.js';
import { ConfigError } from '../config/validate.js';
import type { MIEstimator } from './interface.js';
import { DvEstimator } from './dv.js';
import { ETA_READOUTS, EtaMine, type EtaReadout } from './etaMine.js';
import { EtaMineConvex } from './etaMineConvex.js';
import { InfoNceEstimator, JsEstimator, NwjEstimator, SmileEstimator } from './peers.js';
import { DEFAULT_REGULARIZER, DISTANCES, type RegularizerConfig } from './regularizer.js';

export const ESTIMATOR_KINDS = ['mine', 'mine-biased', 'nwj', 'mine-f', 'eta-mine', 'eta-mine-convex', 'remine', 'remine-j', 'infonce', 'smile', 'js'] as const;
export type EstimatorKind = (typeof ESTIMATOR_KINDS)[number];

export interface EstimatorConfig {
  kind: EstimatorKind;
  /** MINE's moving-average rate (mine: 0.01; remine: off unless given). */
  movingAverageRate?: number;
  /** ReMINE's drift regulariser; on by default for remine/remine-j, opt-in elsewhere. */
  regularizer?: RegularizerConfig | null;
  /** SMILE's clip τ (default 5, the SMILE paper's best value for 20-D Gaussians). */
  clip?: number;
  /** η-MINE's η block: an 'adam' step like a critic parameter (default), a bounded 'sgd' step, or 'exact' minimisation on the batch (src/mi/etaMine.ts). */
  etaUpdate?: 'exact' | 'sgd' | 'adam';
  /** η's learning rate for etaUpdate 'adam' (default 5e-4) or 'sgd' (default 0.05). */
  etaLearningRate?: number;
  /** η-MINE's reported value: the η-DV bound at the trained η (default) or its critic's DV bound (η at its optimum; src/mi/etaMine.ts). */
  etaReadout?: EtaReadout;
  /** convex η-MINE's ridge λ on the linear witness (default 0.1; src/mi/etaMineConvex.ts). */
  l2?: number;
  /** convex η-MINE's marginal pairs per training row in its fit, (x_i, y_{i+s}) for s = 1..marginalShifts (default 4). */
  marginalShifts?: number;
  /** how many recent batches the windowed (macro and micro) averages use (default 100). */
  window?: number;
  /**
   * how marginal samples are formed: 'shuffle' pairs x_i with y_π(i) (MINE), 'matrix' scores all
   * n² pairs (SMILE's and InfoNCE's reference code). InfoNCE needs 'matrix'.
   */
  sampling?: 'shuffle' | 'matrix';
}

/** What each kind is (the text an editor shows for `kind`). */
const KIND_TEXT: Record<EstimatorKind, string> = {
  mine: 'MINE (Belghazi et al. 2018): the Donsker–Varadhan bound with a moving average of E_Q[e^T] in the gradient (bias-corrected).',
  'mine-biased': 'MINE without the moving average: the plain DV bound and its biased minibatch gradient.',
  nwj: 'NWJ / f-divergence bound E_P[T] − E_Q[e^(T−1)] (Nguyen, Wainwright & Jordan; MINE-f).',
  'mine-f': 'MINE-f: the f-divergence bound (the same as nwj).',
  'eta-mine': 'η-MINE (Mroueh et al. 2021): the DV bound with log E_Q[e^T] replaced by a learned scalar η.',
  'eta-mine-convex':
    "convex η-MINE: η-MINE training, then a linear witness on the critic's last hidden layer fitted with η by damped Newton (Mroueh et al. 2021 §4).",
  remine: "ReMINE (Choi & Lee): DV with a drift regulariser λ·d(log E_Q[e^T], C) that pins the critic's constant.",
  'remine-j': 'ReMINE-J: ReMINE trained the same way but reporting the joint term E_P[T] (valid when the regulariser holds log E_Q[e^T] at C = 0).',
  infonce: 'InfoNCE / CPC (van den Oord et al.; Poole et al.): log n + mean of the row-wise log-softmax diagonal; bounded by log(batch size).',
  smile: 'SMILE (Song & Ermon 2020): the DV bound with e^T clipped to [e^−τ, e^τ] in the partition term.',
  js: 'Jensen–Shannon critic training (Hjelm et al.), MI read off by the DV/NWJ bound of the trained critic.',
};

/** ReMINE's drift regulariser λ·d(log E_Q[e^T], C) (src/mi/regularizer.ts). */
export const regularizerSchema = obj({
  lambda: nonNeg().default(DEFAULT_REGULARIZER.lambda).describe("λ, the strength of the drift penalty (ReMINE's 0.1)."),
  target: z.number().default(DEFAULT_REGULARIZER.target).describe('C, where log E_Q[e^T] is pinned.'),
  distance: z.enum(DISTANCES).default(DEFAULT_REGULARIZER.distance).describe("d: squared (l2, the paper's) or absolute (l1) distance."),
})
  .describe("ReMINE's drift regulariser λ·d(log E_Q[e^T], C).")
  .meta({ id: 'regularizer' });

const COMMON = {
  regularizer: z
    .union([z.null(), z.literal(false), regularizerSchema])
    .optional()
    .describe("ReMINE's drift regulariser added to this estimator's critic loss; null or false: none (on by default for remine and remine-j only)."),
  window: posInt().default(100).describe('how many recent batches the windowed macro and micro averages pool (ReMINE §4.3).'),
  sampling: z
    .enum(['shuffle', 'matrix'])
    .optional()
    .describe(
      "how marginal samples are formed: 'shuffle' pairs x_i with y_π(i) (MINE), 'matrix' scores all n² pairs (SMILE's and InfoNCE's reference code). InfoNCE needs 'matrix'. Default: the estimator's own.",
    ),
};
const movingAverageRate = positive()
  .max(1)
  .optional()
  .describe("rate of MINE's moving average of E_Q[e^T] in the gradient. Default: 0.01 for mine, off for remine.");
const eta = {
  etaUpdate: z
    .enum(['exact', 'sgd', 'adam'])
    .default('adam')
    .describe(
      "η's update: 'adam' a step like one more critic parameter, 'sgd' a bounded gradient step, 'exact' η ← log E_Q[e^T] on the batch (src/mi/etaMine.ts).",
    ),
  etaLearningRate: computedDefault(positive().optional().describe("η's learning rate."), "5e-4 for etaUpdate 'adam', 0.05 for 'sgd'"),
  etaReadout: z
    .enum(ETA_READOUTS)
    .default('eta-dv')
    .describe(
      "the value reported: 'eta-dv' the η-DV bound at the trained η, 'dv' the DV bound of the same critic (η at its optimum log E_Q[e^T] on the pairs evaluated); training is the same.",
    ),
};
const remineShorthand = {
  lambda: nonNeg().optional().describe('shorthand for regularizer.lambda (default 0.1).'),
  target: z.number().optional().describe('shorthand for regularizer.target (default 0).'),
  distance: z.enum(DISTANCES).optional().describe('shorthand for regularizer.distance (default l2).'),
};
// each field once in the JSON Schema's $defs, however many estimator objects share it
for (const [k, f] of Object.entries({ ...COMMON, movingAverageRate, ...eta, ...remineShorthand }))
  (f as z.ZodType).register(z.globalRegistry, { id: `estimator.${k}`, description: f.description });
const KIND_FIELDS = {
  mine: { movingAverageRate },
  'mine-biased': {},
  nwj: {},
  'mine-f': {},
  'eta-mine': eta,
  'eta-mine-convex': {
    ...eta,
    l2: nonNeg().default(0.1).describe('ridge λ on the linear witness of the convex fit (src/mi/etaMineConvex.ts).'),
    marginalShifts: posInt().default(4).describe('marginal pairs per training row in the convex fit: (x_i, y_{i+s}) for s = 1..marginalShifts.'),
  },
  remine: { movingAverageRate, ...remineShorthand },
  'remine-j': { movingAverageRate, ...remineShorthand },
  infonce: {},
  smile: { clip: positive().default(5).describe("SMILE's clip τ (the paper's best value for 20-D Gaussians is 5).") },
  js: {},
} satisfies Record<EstimatorKind, z.core.$ZodLooseShape>;

/**
 * The estimator objects, one per kind, each with `extra` keys of the caller's (an MI benchmark's
 * per-estimator `critic`, a suite's `label` and training options).
 */
export function estimatorObjects<E extends z.core.$ZodLooseShape>(extra: E = {} as E) {
  return ESTIMATOR_KINDS.map((k) => obj({ kind: z.literal(k).describe(KIND_TEXT[k]), ...COMMON, ...KIND_FIELDS[k], ...extra }));
}

/** The objects without extra keys, made once: the JSON Schema lists each once (in $defs) however many fields use it. */
const PLAIN_OBJECTS = estimatorObjects().map((o, i) => o.meta({ id: `estimator-${ESTIMATOR_KINDS[i]}` }));

/**
 * An estimator field: a kind ("mine") or an object with `kind` and its knobs; `ownKinds` are a
 * task's own objects (infogan's "infogan" and "none"). An unknown kind names the valid ones.
 */
export function estimatorField(opts: { extra?: z.core.$ZodLooseShape; own?: { kind: string; schema: z.ZodObject }[]; shorthandOnly?: string[] } = {}) {
  const own = opts.own ?? [];
  const kinds = [...own.map((o) => o.kind), ...(opts.shorthandOnly ?? []), ...ESTIMATOR_KINDS];
  const objects = [...own.map((o) => o.schema), ...(opts.extra ? estimatorObjects(opts.extra) : PLAIN_OBJECTS)] as [z.ZodObject, ...z.ZodObject[]];
  return z
    .union([z.enum(kinds as [string, ...string[]]), z.discriminatedUnion('kind', objects)], {
      error: (iss) => {
        if (iss.code !== 'invalid_union') return undefined;
        const v = iss.input;
        const kind = typeof v === 'string' ? v : v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>).kind : null;
        if (kind === null) return `must be an estimator kind or an object with a "kind", got ${JSON.stringify(v)}`;
        if (kind === undefined) return `.kind is required; expected one of ${kinds.join(', ')}`;
        return `.kind: unknown estimator ${JSON.stringify(kind)}; expected one of ${kinds.join(', ')}`;
      },
    })
    .describe('the MI estimator: a kind ("mine") or an object { "kind": …, … } with its settings.');
}

/** An estimator config as JSON: a kind or { "kind", … }. */
export const estimatorSchema = estimatorField().meta({ id: 'estimator' });

/** Validates an estimator config from JSON. `{ "kind": "remine", "lambda": 0.1 }` style shorthands are accepted for ReMINE. */
export function parseEstimatorConfig(v: unknown, path = 'estimator'): EstimatorConfig {
  const parsed = parseWith(estimatorSchema, v, path);
  const o = (typeof parsed === 'string' ? parseWith(estimatorSchema, { kind: parsed }, path) : parsed) as Record<string, unknown> & {
    kind: EstimatorKind;
    window: number;
  };
  const k = o.kind;
  const cfg: EstimatorConfig = { kind: k, window: o.window };
  if (o.sampling !== undefined) cfg.sampling = o.sampling as 'shuffle' | 'matrix';
  if (k === 'infonce' && cfg.sampling === 'shuffle') throw new ConfigError(`${path}.sampling: infonce needs "matrix" (it scores every pair of the batch)`);
  if (o.movingAverageRate !== undefined) cfg.movingAverageRate = o.movingAverageRate as number;
  const reg = o.regularizer as RegularizerConfig | null | false | undefined;
  if (k === 'remine' || k === 'remine-j') {
    // lambda/target/distance at the top are the regularizer's, when no regularizer object is given
    const given =
      o.regularizer !== undefined ? reg : parseWith(regularizerSchema, { lambda: o.lambda, target: o.target, distance: o.distance }, `${path}.regularizer`);
    cfg.regularizer = given ? given : { ...DEFAULT_REGULARIZER };
  } else {
    cfg.regularizer = reg ? reg : null;
  }
  if (k === 'smile') cfg.clip = o.clip as number;
  if (k === 'eta-mine' || k === 'eta-mine-convex') {
    cfg.etaUpdate = o.etaUpdate as 'exact' | 'sgd' | 'adam';
    cfg.etaLearningRate = (o.etaLearningRate as number | undefined) ?? (cfg.etaUpdate === 'sgd' ? 0.05 : 5e-4);
    cfg.etaReadout = o.etaReadout as EtaReadout;
  }
  if (k === 'eta-mine-convex') {
    cfg.l2 = o.l2 as number;
    cfg.marginalShifts = o.marginalShifts as number;
  }
  return cfg;
}

/** Builds the estimator a config describes. */
export function createEstimator(cfg: EstimatorConfig): MIEstimator {
  const reg = cfg.regularizer ?? null;
  switch (cfg.kind) {
    case 'mine':
      return new DvEstimator('mine', { movingAverageRate: cfg.movingAverageRate ?? 0.01, regularizer: reg, report: 'bound' }, cfg.sampling);
    case 'mine-biased':
      return new DvEstimator('mine-biased', { movingAverageRate: null, regularizer: reg, report: 'bound' }, cfg.sampling);
    case 'nwj':
    case 'mine-f':
      return new NwjEstimator(reg, cfg.sampling);
    case 'eta-mine':
      return new EtaMine(reg, cfg.sampling, cfg.etaUpdate, cfg.etaLearningRate, cfg.etaReadout);
    case 'eta-mine-convex':
      return new EtaMineConvex(reg, cfg.sampling, cfg.etaUpdate, cfg.etaLearningRate, { l2: cfg.l2 ?? 0.1, shifts: cfg.marginalShifts ?? 4 }, cfg.etaReadout);
    case 'remine':
      return new DvEstimator(
        'remine',
        { movingAverageRate: cfg.movingAverageRate ?? null, regularizer: reg ?? DEFAULT_REGULARIZER, report: 'bound' },
        cfg.sampling,
      );
    case 'remine-j':
      return new DvEstimator(
        'remine-j',
        { movingAverageRate: cfg.movingAverageRate ?? null, regularizer: reg ?? DEFAULT_REGULARIZER, report: 'joint' },
        cfg.sampling,
      );
    case 'infonce':
      return new InfoNceEstimator(reg);
    case 'smile':
      return new SmileEstimator(cfg.clip ?? 5, reg, cfg.sampling);
    case 'js':
      return new JsEstimator(reg, cfg.sampling);
    default: {
      const never: never = cfg.kind;
      throw new ConfigError(`estimator.kind: unknown estimator ${JSON.stringify(never)}; expected one of ${ESTIMATOR_KINDS.join(', ')}`);
    }
  }
}
