/**
 * The MI regularizer: the one component through which a model adds β·I(X; Y) to its own loss — to
 * maximise it (MINEGAN, InfoGAN codes, ALI+MI, InfoMax) or to minimise it (the information
 * bottleneck, removing a nuisance variable). It owns the statistics network (critic), the estimator,
 * the critic's optimizer, β, the direction and adaptive clipping, and it is the only place where
 * the critic is updated, the MI gradient is taken, signed, clipped and combined with the model's.
 *
 * One step (Belghazi et al. 2018, Algorithm 1 and appendix 6.3), on a pair (x, y) the model builds:
 *   1. the critic ascends the estimator's bound on (x, y) (x, y held constant);
 *   2. the model's variables θ get  g = ∇θ L_task + c·g_MI,  g_MI = ∓β·∇θ Î(x, y)
 *      (− to maximise MI, + to minimise it; Î's gradient is the method's, e.g. MINE's
 *      moving-average-corrected one), with c = min(1, ‖∇θ L_task‖ / ‖g_MI‖) when clipping is
 *      adaptive — both norms over the variables the MI term reaches — and c = 1 when it is off
 *      (then taken as one gradient of L_task ∓ β·Î: the model's passes run once).
 *
 * Minimising a lower bound: with a critic trained to maximise the bound and the model minimising it
 * (adversarial MI minimisation), the model only pushes down what the current critic can detect.
 * The bound is not an upper bound: a low estimate does not certify low MI; measure the result with
 * a fresh critic (estimateMI) after training.
 */
import * as tf from '@tensorflow/tfjs';
import { criticScores } from './criticScores.js';
import { createCritic, type Critic, type CriticConfig } from '../nets/critics.js';
import { createOptimizer, type OptimizerConfig } from '../train/optimizer.js';
import { Rng } from '../util/rng.js';
import { combineWithAdaptiveClip, globalNorm } from './adaptiveClip.js';
import type { MIEstimator } from './interface.js';
import { createEstimator, parseEstimatorConfig, type EstimatorConfig, type EstimatorKind } from './registry.js';
import { namedNumbers } from '../train/stepNumbers.js';

/** The tensors an MI term computes on one pair (x, y). All are scalars. */
export interface MiTermOutput {
  /** what the critic minimises (−bound with the method's correction, + any regulariser). */
  loss: tf.Scalar;
  /** the number reported as the MI estimate (nats). */
  estimate: tf.Scalar;
  /** a scalar whose gradient is the method's gradient of the bound (never differentiate `estimate`). */
  miForGradient: tf.Scalar;
  /** the bound's first term (E_P[T] for DV-type bounds). */
  jointTerm: tf.Scalar;
  /** the bound's second term (log E_Q[e^T] for DV; −H(c) for InfoGAN's bound). */
  marginalTerm: tf.Scalar;
  /** the critic's regulariser (ReMINE's drift penalty λ·d(log E_Q[e^T], C)); 0 when off. */
  penalty: tf.Scalar;
  /** term-specific numbers, e.g. the Q head's code accuracy or log E_Q[e^T]. */
  extras: Record<string, tf.Scalar>;
}

/**
 * The small interface an MI term implements: a neural estimator on a critic (estimatorTerm), or
 * InfoGAN's recognition head Q (models/infoGan.ts). Everything else the regulariser does is shared.
 */
export interface MiTerm {
  /** the critic's (or head's) trainable variables. */
  readonly variables: tf.Variable[];
  /** The term on aligned pairs (x_i, y_i); `perm` forms marginal pairs when the term needs them. */
  evaluate(x: tf.Tensor2D, y: tf.Tensor2D, perm: Int32Array, opts: { updateState: boolean }): MiTermOutput;
  /** A block the method updates itself after the critic's step (η-MINE's η), on fresh scores. */
  afterCriticStep?(x: tf.Tensor2D, y: tf.Tensor2D, perm: Int32Array): void;
  getState(): Record<string, number>;
  setState(state: Record<string, number>): void;
  dispose(): void;
}

/** The MI term of a neural estimator (src/mi) on a critic (src/nets/critics, or layersCritic). */
export function estimatorTerm(critic: Critic, estimator: MIEstimator): MiTerm & { critic: Critic; estimator: MIEstimator } {
  return {
    critic,
    estimator,
    get variables() {
      return critic.variables;
    },
    evaluate(x, y, perm, opts) {
      const o = estimator.objective(criticScores(critic, estimator.sampling, x, y, perm), opts);
      return {
        loss: o.loss,
        estimate: o.estimate,
        miForGradient: o.miForGradient,
        jointTerm: o.jointTerm,
        marginalTerm: o.marginalTerm,
        penalty: o.regularizer,
        extras: { bound: o.mi, logMeanExpMarginal: o.logMeanExpMarginal },
      };
    },
    afterCriticStep: estimator.updateOwnBlock ? (x, y, perm) => estimator.updateOwnBlock!(criticScores(critic, estimator.sampling, x, y, perm)) : undefined,
    getState: () => estimator.getState(),
    setState: (s) => estimator.setState(s),
    dispose() {
      critic.dispose();
      estimator.dispose();
    },
  };
}

/** The critic's numbers from one update, as scalars in the caller's tidy scope. */
export type CriticStepTensors = Omit<MiTermOutput, 'miForGradient'>;

/**
 * One update of an MI term's critic on (x, y) — x and y are constants here, only the critic's
 * variables move — then the method's own block. The numbers are the batch's, at the critic's
 * weights before the update. Call inside tf.tidy; the returned scalars belong to the caller's scope.
 * The one critic step of the toolkit: the regulariser and the MI benchmark's trainer both use it.
 */
export function trainCritic(term: MiTerm, optimizer: tf.Optimizer, x: tf.Tensor2D, y: tf.Tensor2D, perm: Int32Array): CriticStepTensors {
  let kept: Omit<CriticStepTensors, 'loss'> | null = null;
  const loss = optimizer.minimize(
    () => {
      const o = term.evaluate(x, y, perm, { updateState: true });
      // keep the numbers past minimize's own tidy; they move into the caller's scope below
      const extras: Record<string, tf.Scalar> = {};
      for (const [name, t] of Object.entries(o.extras)) extras[name] = tf.keep(t);
      kept = { estimate: tf.keep(o.estimate), jointTerm: tf.keep(o.jointTerm), marginalTerm: tf.keep(o.marginalTerm), penalty: tf.keep(o.penalty), extras };
      return o.loss;
    },
    true,
    term.variables,
  ) as tf.Scalar;
  term.afterCriticStep?.(x, y, perm);
  const k = kept as unknown as Omit<CriticStepTensors, 'loss'>;
  // one tensor may stand for two numbers (DV's estimate is its bound): clone each once, then free
  const moved = new Map<tf.Scalar, tf.Scalar>();
  const move = (t: tf.Scalar) => {
    if (!moved.has(t)) moved.set(t, tf.clone(t));
    return moved.get(t)!;
  };
  const extras: Record<string, tf.Scalar> = {};
  for (const [name, t] of Object.entries(k.extras)) extras[name] = move(t);
  const out = { loss, estimate: move(k.estimate), jointTerm: move(k.jointTerm), marginalTerm: move(k.marginalTerm), penalty: move(k.penalty), extras };
  for (const t of moved.keys()) t.dispose();
  return out;
}

export type MiDirection = 'maximize' | 'minimize';

export interface MIRegularizerOptions {
  /** columns of x and of y (the critic's input sizes). */
  xDim: number;
  yDim: number;
  /** an estimator kind ('mine', 'remine', …), a config, or an estimator object; default 'mine'. */
  estimator?: EstimatorKind | EstimatorConfig | MIEstimator;
  /** a critic config, a critic (e.g. layersCritic(model)); default concat MLP 256-256 (MINE's). */
  critic?: CriticConfig | Critic;
  /** any MI term instead of estimator + critic (e.g. InfoGAN's Q head). */
  term?: MiTerm;
  /** weight β of the MI term in the model's objective (≥ 0); default 1. */
  beta?: number;
  /** 'maximize' (MINEGAN, InfoGAN codes, ALI+MI, InfoMax) or 'minimize' (IB, nuisance removal). */
  direction: MiDirection;
  /** 'adaptive': the MI gradient's norm is capped at the task gradient's (MINE app. 6.3); false: unclipped. Default 'adaptive'. */
  clip?: 'adaptive' | false;
  /** the critic's optimizer or its config; default Adam, lr 1e-4. */
  optimizer?: tf.Optimizer | OptimizerConfig;
  /** randomness for the critic's initial weights and the marginal shuffles: an Rng or a seed (default 0). */
  rng?: Rng;
  seed?: number;
}

/** What one regularised step reports, as numbers. */
export interface MIStepInfo {
  /** the model's own loss. */
  taskLoss: number;
  /** the MI estimate on this batch (nats), from the critic's step. */
  mi: number;
  /** the bound's parts: E_P[T] and log E_Q[e^T] (DV) — their drift is what ReMINE pins. */
  jointTerm: number;
  marginalTerm: number;
  /** the critic's regulariser (ReMINE); 0 when off. */
  penalty: number;
  /** the critic's loss. */
  criticLoss: number;
  /** factor applied to the MI gradient (1 = not clipped; NaN when β = 0). */
  clipScale: number;
  /**
   * ‖∇ L_task‖ and ‖β·∇Î‖ over the variables the MI term reaches. With clip off (and β > 0) the
   * step takes one gradient of L_task ∓ β·Î, which does not separate the two: taskGradNorm is
   * then the norm of that whole gradient (the one applied) and miGradNorm 0 (not measured).
   */
  taskGradNorm: number;
  miGradNorm: number;
}

/** The same numbers as scalars, for models that read a whole step back at once. */
export type MIStepTensors = { [K in keyof MIStepInfo]: tf.Scalar } & { extras: Record<string, tf.Scalar> };

/** Variables as tfjs optimizers take them: tf.Variable, or a Layers model's LayerVariable (read()). */
export type VariableLike = tf.Variable | { read(): tf.Tensor };

function toVariables(vs: readonly VariableLike[]): tf.Variable[] {
  return vs.map((v, i) => {
    if (v instanceof tf.Variable) return v;
    if (v && typeof (v as { read?: unknown }).read === 'function') {
      const r = (v as { read(): tf.Tensor }).read();
      if (r instanceof tf.Variable) return r;
    }
    throw new Error(`varList[${i}]: expected a tf.Variable or a layers weight (model.trainableWeights), got ${Object.prototype.toString.call(v)}`);
  });
}

function resolveEstimator(e: MIRegularizerOptions['estimator']): MIEstimator {
  if (e === undefined) return createEstimator(parseEstimatorConfig('mine'));
  if (typeof e === 'string') return createEstimator(parseEstimatorConfig(e));
  if (typeof (e as MIEstimator).objective === 'function') return e as MIEstimator;
  return createEstimator(parseEstimatorConfig(e));
}

export class MIRegularizer {
  /** the MI term: estimator on critic, or another implementation of MiTerm. */
  readonly term: MiTerm;
  /** the critic's optimizer. */
  readonly optimizer: tf.Optimizer;
  readonly direction: MiDirection;
  readonly clip: 'adaptive' | false;
  readonly xDim: number;
  readonly yDim: number;
  private _beta: number;
  private readonly rng: Rng;

  constructor(o: MIRegularizerOptions) {
    for (const k of ['xDim', 'yDim'] as const) {
      if (!Number.isInteger(o[k]) || o[k] < 1) throw new Error(`MIRegularizer: ${k} must be a positive integer, got ${o[k]}`);
    }
    if (o.direction !== 'maximize' && o.direction !== 'minimize')
      throw new Error(`MIRegularizer: direction must be "maximize" or "minimize", got ${JSON.stringify(o.direction)}`);
    const clip = (o.clip as unknown) === true ? 'adaptive' : (o.clip ?? 'adaptive');
    if (clip !== 'adaptive' && clip !== false) throw new Error(`MIRegularizer: clip must be "adaptive" or false, got ${JSON.stringify(o.clip)}`);
    this.xDim = o.xDim;
    this.yDim = o.yDim;
    this.direction = o.direction;
    this.clip = clip;
    this._beta = 1;
    this.beta = o.beta ?? 1;
    this.rng = o.rng ?? new Rng(o.seed ?? 0);
    if (o.term) {
      if (o.critic !== undefined || o.estimator !== undefined) throw new Error('MIRegularizer: give either term, or estimator and critic, not both');
      this.term = o.term;
    } else {
      const critic =
        o.critic && typeof (o.critic as Critic).pairs === 'function'
          ? (o.critic as Critic)
          : createCritic((o.critic as CriticConfig | undefined) ?? { kind: 'concat', hidden: [256, 256] }, o.xDim, o.yDim, this.rng);
      this.term = estimatorTerm(critic, resolveEstimator(o.estimator));
    }
    // tf.Optimizer's instanceof check reads .minimize of its operand: test the shape instead
    const given = o.optimizer as tf.Optimizer | OptimizerConfig | undefined;
    this.optimizer =
      given && typeof (given as tf.Optimizer).applyGradients === 'function'
        ? (given as tf.Optimizer)
        : createOptimizer((given as OptimizerConfig | undefined) ?? { kind: 'adam', learningRate: 1e-4, beta1: 0.9, beta2: 0.999 });
  }

  /** β: the MI term's weight in the model's objective. Settable (e.g. for a β schedule). */
  get beta(): number {
    return this._beta;
  }
  set beta(b: number) {
    if (!(Number.isFinite(b) && b >= 0)) throw new Error(`MIRegularizer: beta must be a finite number ≥ 0, got ${b}`);
    this._beta = b;
  }

  /** The critic's variables (to checkpoint them). */
  get variables(): tf.Variable[] {
    return this.term.variables;
  }

  private permutation(n: number, perm?: Int32Array): Int32Array {
    if (perm && perm.length !== n) throw new Error(`MIRegularizer: perm has ${perm.length} entries, the batch ${n} rows`);
    return perm ?? this.rng.permutation(n);
  }

  private checkPair(x: tf.Tensor, y: tf.Tensor, where: string): void {
    if (x.rank !== 2 || x.shape[1] !== this.xDim)
      throw new Error(`MIRegularizer: ${where} x must have shape [n, ${this.xDim}] (xDim), got [${x.shape.join(', ')}]`);
    if (y.rank !== 2 || y.shape[1] !== this.yDim)
      throw new Error(`MIRegularizer: ${where} y must have shape [n, ${this.yDim}] (yDim), got [${y.shape.join(', ')}]`);
    if (x.shape[0] !== y.shape[0]) throw new Error(`MIRegularizer: ${where} x and y must have the same number of rows, got ${x.shape[0]} and ${y.shape[0]}`);
    if (x.shape[0] < 2) throw new Error(`MIRegularizer: ${where} needs at least 2 rows (marginal pairs), got ${x.shape[0]}`);
  }

  /**
   * Only the critic's step on (x, y) (a monitor of I(X; Y) with no gradient into the model, e.g.
   * beside VIB). Inside a tf.tidy the scalars belong to the caller.
   */
  trainCritic(x: tf.Tensor2D, y: tf.Tensor2D, opts: { perm?: Int32Array } = {}): CriticStepTensors {
    this.checkPair(x, y, 'critic pair');
    return trainCritic(this.term, this.optimizer, x, y, this.permutation(x.shape[0], opts.perm));
  }

  /**
   * The gradient-returning step: updates the critic on the pair, then returns the combined
   * gradients for `varList` (task gradient + clipped, signed β·MI gradient) without applying them.
   * Call inside tf.tidy; the gradients and scalars belong to the caller's scope. With clip off
   * taskLoss and pair() are differentiated together, in one gradient pass (a variable that only
   * the MI term reaches then gets its MI gradient; adaptive clipping, which needs the norms of both
   * parts over the same variables, takes two passes and rejects such a variable).
   *
   * @param taskLoss the model's own loss (differentiated w.r.t. varList).
   * @param pair builds (x, y) from the model's variables (differentiated through y, usually).
   * @param opts.criticPair the (x, y) the critic trains on when it differs from pair()'s (e.g.
   *   already computed, or with output noise); default: pair() evaluated once, as constants.
   * @param opts.perm the marginal permutation (default: drawn from the regulariser's Rng).
   */
  computeGradients(
    taskLoss: () => tf.Scalar,
    pair: () => [tf.Tensor2D, tf.Tensor2D],
    varList: readonly VariableLike[],
    opts: { criticPair?: [tf.Tensor2D, tf.Tensor2D]; perm?: Int32Array } = {},
  ): { grads: tf.NamedTensorMap; info: MIStepTensors } {
    const vars = toVariables(varList);
    const [cx, cy] = opts.criticPair ?? pair();
    this.checkPair(cx, cy, 'critic pair');
    const perm = this.permutation(cx.shape[0], opts.perm);
    // 1. the critic's step (the model's variables are not in its list)
    const c = trainCritic(this.term, this.optimizer, cx, cy, perm);
    const sign = this.direction === 'maximize' ? -this._beta : this._beta;
    // ∓β·Î with the method's gradient (miForGradient), signed by the direction, from fresh scores
    // (no state update: the critic's step already advanced it)
    const signedMi = () => {
      const [x, y] = pair();
      this.checkPair(x, y, 'pair()');
      return tf.mul(this.term.evaluate(x, y, perm, { updateState: false }).miForGradient, sign) as tf.Scalar;
    };
    if (this._beta > 0 && this.clip === false) {
      // 2–3 unclipped: one gradient of L_task ∓ β·Î, so the model's forward pass (e.g. the IB's
      // encoder) runs once and is differentiated once. One pass cannot separate the two parts'
      // norms: taskGradNorm is the applied gradient's norm, miGradNorm 0 (see MIStepInfo).
      let taskValue: tf.Scalar | null = null;
      const both = tf.variableGrads(() => {
        const t = taskLoss();
        taskValue = tf.keep(t);
        return tf.add(t, signedMi()) as tf.Scalar;
      }, vars);
      // the task loss's value, kept past variableGrads' scope, moves into the caller's
      const kept = taskValue as unknown as tf.Scalar;
      const value = tf.clone(kept);
      kept.dispose();
      return { grads: both.grads, info: this.stepInfo(value, c, tf.scalar(1), globalNorm(both.grads), tf.scalar(0)) };
    }
    // 2. the task gradient
    const task = tf.variableGrads(taskLoss, vars);
    let grads = task.grads,
      taskGradNorm: tf.Scalar,
      miGradNorm: tf.Scalar = tf.scalar(0),
      clipScale: tf.Scalar = tf.scalar(NaN);
    if (this._beta > 0) {
      // 3. ∓β·∇Î
      const mi = tf.variableGrads(signedMi, vars);
      // 4. clip against the task gradient over the variables the MI term reaches (MINE app. 6.3)
      const reached: tf.NamedTensorMap = {};
      for (const k of Object.keys(mi.grads)) {
        if (!task.grads[k])
          throw new Error(`MIRegularizer: the MI term reaches variable ${k}, which the task loss does not; add it to the task loss or leave it out of varList`);
        reached[k] = task.grads[k];
      }
      const comb = combineWithAdaptiveClip(reached, mi.grads, this.clip === 'adaptive');
      grads = { ...task.grads, ...comb.grads };
      [taskGradNorm, miGradNorm, clipScale] = [comb.mainNorm, comb.miNorm, comb.scale];
    } else {
      taskGradNorm = globalNorm(task.grads);
    }
    return { grads, info: this.stepInfo(task.value, c, clipScale, taskGradNorm, miGradNorm) };
  }

  private stepInfo(taskLoss: tf.Scalar, c: CriticStepTensors, clipScale: tf.Scalar, taskGradNorm: tf.Scalar, miGradNorm: tf.Scalar): MIStepTensors {
    return {
      taskLoss,
      mi: c.estimate,
      jointTerm: c.jointTerm,
      marginalTerm: c.marginalTerm,
      penalty: c.penalty,
      criticLoss: c.loss,
      clipScale,
      taskGradNorm,
      miGradNorm,
      extras: c.extras,
    };
  }

  /**
   * One regularised training step of a user's model, in the idiom of tfjs' optimizer.minimize:
   * the critic's step on (x, y), then `optimizer` applies to `varList` the task gradient plus the
   * signed, (adaptively clipped) β·MI gradient. Returns the step's numbers.
   *
   * ```ts
   * const mi = new MIRegularizer({ xDim: 784, yDim: 32, estimator: 'remine', beta: 1e-3, direction: 'minimize' });
   * const info = mi.minimize(opt, () => taskLoss(xb, yb), () => [xb, encoder.apply(xb) as tf.Tensor2D], encoder.trainableWeights);
   * ```
   */
  minimize(
    optimizer: tf.Optimizer,
    taskLoss: () => tf.Scalar,
    pair: () => [tf.Tensor2D, tf.Tensor2D],
    varList: readonly VariableLike[],
    opts: { criticPair?: [tf.Tensor2D, tf.Tensor2D]; perm?: Int32Array } = {},
  ): MIStepInfo {
    const t = tf.tidy(() => {
      const { grads, info } = this.computeGradients(taskLoss, pair, varList, opts);
      optimizer.applyGradients(grads);
      return tf.stack(STEP_FIELDS.map((f) => info[f]));
    });
    return namedNumbers(STEP_FIELDS, t);
  }

  /** Serializable state of the estimator (moving averages, η) for checkpoints. */
  getState(): Record<string, number> {
    return this.term.getState();
  }
  setState(state: Record<string, number>): void {
    this.term.setState(state);
  }

  /** Disposes the critic, the estimator's state and the critic's optimizer. */
  dispose(): void {
    this.term.dispose();
    this.optimizer.dispose();
  }
}

/**
 * One update of a model's variables with or without an MI term: with `mi`, the regularizer's step
 * (critic, then task + β·MI gradient); without, the task gradient alone, the MI numbers NaN and
 * ‖g_MI‖ 0. `optimizer` applies the gradients. Call inside tf.tidy; the scalars are the caller's.
 * The models' generator/encoder steps share it, so a plain GAN and MINEGAN differ only by `mi`.
 */
export function regularizedUpdate(
  mi: MIRegularizer | null,
  optimizer: tf.Optimizer,
  taskLoss: () => tf.Scalar,
  pair: () => [tf.Tensor2D, tf.Tensor2D],
  varList: readonly VariableLike[],
  opts: { criticPair?: [tf.Tensor2D, tf.Tensor2D]; perm?: Int32Array } = {},
): MIStepTensors {
  if (mi) {
    const { grads, info } = mi.computeGradients(taskLoss, pair, varList, opts);
    optimizer.applyGradients(grads);
    return info;
  }
  const task = tf.variableGrads(taskLoss, toVariables(varList));
  optimizer.applyGradients(task.grads);
  const nan = tf.scalar(NaN);
  return {
    taskLoss: task.value,
    mi: nan,
    jointTerm: nan,
    marginalTerm: nan,
    penalty: nan,
    criticLoss: nan,
    clipScale: nan,
    taskGradNorm: globalNorm(task.grads),
    miGradNorm: tf.scalar(0),
    extras: {},
  };
}

/** The numeric fields of MIStepInfo, in a fixed order. */
export const STEP_FIELDS = [
  'taskLoss',
  'mi',
  'jointTerm',
  'marginalTerm',
  'penalty',
  'criticLoss',
  'clipScale',
  'taskGradNorm',
  'miGradNorm',
] as const satisfies readonly (keyof MIStepInfo)[];
