/**
 * Soft Actor-Critic, the task policy (spec 6.1, after pranz24's PyTorch SAC, which the reference
 * follows). One update on a batch (s, a, r, s', mask):
 *
 *   y     = r + mask * gamma * (min_k Qbar_k(s', a') - alpha log pi(a'|s')),   a' ~ pi(.|s')
 *   L_Q   = mean (Q_1(s, a) - y)^2 + mean (Q_2(s, a) - y)^2                 -> Adam step on Q_1, Q_2
 *   L_pi  = mean (alpha log pi(a~|s) - min_k Q_k(s, a~)),   a~ ~ pi(.|s)     -> Adam step on pi
 *   Qbar <- (1 - tau) Qbar + tau Q
 *
 * The actor step uses the critics just updated (standard SAC order, spec D28). alpha is fixed.
 */
import * as tf from '@tensorflow/tfjs';
import type { Box, DomainId, Rng } from '../sim/index.js';
import { sampleWithoutReplacement } from './data/index.js';
import { adam, type AdamState, type ParamOptimizer } from './nn/adam.js';
import { Mlp } from './nn/mlp.js';
import { createVariablesFrom, readValues } from './nn/module.js';
import { SquashedGaussianActor } from './policies.js';
import { polyakUpdate } from './risk-learner.js';
import { DOMAIN_SETTINGS } from './settings.js';

export interface SacConfig {
  /** Discount of the task return. */
  readonly gamma: number;
  /** Polyak rate of the target critics, applied after every update. */
  readonly tau: number;
  /** Entropy temperature; fixed, as in the reference (no automatic tuning). */
  readonly alpha: number;
  /** Adam learning rate of the actor and of the critics (PyTorch's other Adam defaults). */
  readonly lr: number;
  /** Transitions per update; the loop starts updating once the replay holds more than this. */
  readonly batchSize: number;
  /** Hidden widths of the actor and of each critic (ReLU). */
  readonly hidden: readonly number[];
  /** Replay capacity in transitions; the oldest is overwritten past it. */
  readonly replayCapacity: number;
  /** Environment steps at the start of a run whose actions are uniformly random. */
  readonly startSteps: number;
}

/** The reference's settings, with pranz24's start_steps (the locomotion value). */
export const SAC_DEFAULTS: SacConfig = {
  gamma: 0.99,
  tau: 0.005,
  alpha: 0.2,
  lr: 3e-4,
  batchSize: 256,
  hidden: [256, 256],
  replayCapacity: 1_000_000,
  startSteps: 10_000,
};

/** The reference's settings for a domain (spec 6.3: only start_steps differs). */
export function sacConfig(domain: DomainId, overrides: Partial<SacConfig> = {}): SacConfig {
  return { ...SAC_DEFAULTS, startSteps: DOMAIN_SETTINGS[domain].startSteps, ...overrides };
}

/** Transitions for one update, row-major float32; `reward` and `mask` (= 1 - done) hold one value per row. */
export interface TaskBatch {
  readonly size: number;
  readonly obs: Float32Array;
  readonly action: Float32Array;
  readonly reward: Float32Array;
  readonly nextObs: Float32Array;
  readonly mask: Float32Array;
}

/** A task replay's rows in storage order and its next overwrite slot (0 until it is full). */
export interface TaskReplayContents {
  readonly size: number;
  readonly oldest: number;
  readonly obs: Float32Array;
  readonly action: Float32Array;
  readonly reward: Float32Array;
  readonly nextObs: Float32Array;
  readonly mask: Float32Array;
}

/**
 * SAC's replay of (s, a, r, s', mask). Storage starts small and doubles as transitions arrive, so a
 * short run does not allocate the full capacity; once full, the oldest transition is overwritten.
 */
export class TaskReplay {
  #rows = 0;
  #size = 0;
  #oldest = 0;
  #obs = new Float32Array(0);
  #action = new Float32Array(0);
  #reward = new Float32Array(0);
  #nextObs = new Float32Array(0);
  #mask = new Float32Array(0);

  constructor(
    readonly observationSize: number,
    readonly actionSize: number,
    readonly capacity = SAC_DEFAULTS.replayCapacity,
  ) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`replay capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.#size;
  }

  push(obs: ArrayLike<number>, action: ArrayLike<number>, reward: number, nextObs: ArrayLike<number>, mask: number): void {
    const [d, k] = [this.observationSize, this.actionSize];
    if (obs.length !== d || nextObs.length !== d || action.length !== k) {
      throw new RangeError(`transition has obs ${obs.length}, action ${action.length}, nextObs ${nextObs.length}; expected ${d}, ${k}, ${d}`);
    }
    let slot: number;
    if (this.#size < this.capacity) {
      if (this.#size === this.#rows) this.#grow();
      slot = this.#size++;
    } else {
      slot = this.#oldest;
      this.#oldest = (this.#oldest + 1) % this.capacity;
    }
    this.#obs.set(obs, slot * d);
    this.#action.set(action, slot * k);
    this.#reward[slot] = reward;
    this.#nextObs.set(nextObs, slot * d);
    this.#mask[slot] = mask;
  }

  /** A copy of what the replay holds (rows in storage order) and where it overwrites next: enough to rebuild it exactly. */
  contents(): TaskReplayContents {
    const [n, d, k] = [this.#size, this.observationSize, this.actionSize];
    return {
      size: n,
      oldest: this.#oldest,
      obs: this.#obs.slice(0, n * d),
      action: this.#action.slice(0, n * k),
      reward: this.#reward.slice(0, n),
      nextObs: this.#nextObs.slice(0, n * d),
      mask: this.#mask.slice(0, n),
    };
  }

  /** A replay holding `contents` (from `contents()` of a replay with the same sizes and capacity). */
  static fromContents(observationSize: number, actionSize: number, capacity: number, c: TaskReplayContents): TaskReplay {
    const replay = new TaskReplay(observationSize, actionSize, capacity);
    const sizes = [c.obs.length === c.size * observationSize, c.nextObs.length === c.size * observationSize, c.action.length === c.size * actionSize, c.reward.length === c.size, c.mask.length === c.size];
    if (!sizes.every(Boolean) || c.size > capacity || !(c.oldest >= 0 && c.oldest < Math.max(1, c.size)) || (c.oldest > 0 && c.size < capacity)) {
      throw new RangeError(`replay contents of ${c.size} rows (oldest ${c.oldest}) do not fit a replay of obs ${observationSize}, action ${actionSize}, capacity ${capacity}`);
    }
    replay.#rows = c.size;
    replay.#size = c.size;
    replay.#oldest = c.oldest;
    replay.#obs = Float32Array.from(c.obs);
    replay.#action = Float32Array.from(c.action);
    replay.#reward = Float32Array.from(c.reward);
    replay.#nextObs = Float32Array.from(c.nextObs);
    replay.#mask = Float32Array.from(c.mask);
    return replay;
  }

  /** `batchSize` transitions drawn uniformly without replacement (all of them if fewer are stored). */
  sample(rng: Rng, batchSize: number): TaskBatch {
    if (this.#size === 0) throw new RangeError('cannot sample from an empty replay');
    const rows = sampleWithoutReplacement(rng, this.#size, batchSize);
    const [d, k, n] = [this.observationSize, this.actionSize, rows.length];
    const batch = {
      size: n,
      obs: new Float32Array(n * d),
      action: new Float32Array(n * k),
      reward: new Float32Array(n),
      nextObs: new Float32Array(n * d),
      mask: new Float32Array(n),
    };
    rows.forEach((row, i) => {
      batch.obs.set(this.#obs.subarray(row * d, row * d + d), i * d);
      batch.action.set(this.#action.subarray(row * k, row * k + k), i * k);
      batch.reward[i] = this.#reward[row];
      batch.nextObs.set(this.#nextObs.subarray(row * d, row * d + d), i * d);
      batch.mask[i] = this.#mask[row];
    });
    return batch;
  }

  #grow(): void {
    const rows = Math.min(this.capacity, Math.max(1024, 2 * this.#rows));
    const widen = (a: Float32Array, width: number) => {
      const b = new Float32Array(rows * width);
      b.set(a);
      return b;
    };
    this.#obs = widen(this.#obs, this.observationSize);
    this.#action = widen(this.#action, this.actionSize);
    this.#reward = widen(this.#reward, 1);
    this.#nextObs = widen(this.#nextObs, this.observationSize);
    this.#mask = widen(this.#mask, 1);
    this.#rows = rows;
  }
}

/** Two independent Q(s, a) networks on concat(s, a) with a linear output; parameters Q_1's then Q_2's. */
export class TwinQ {
  readonly heads: readonly [Mlp, Mlp];
  readonly shapes: readonly (readonly number[])[];

  constructor(observationSize: number, actionSize: number, hidden: readonly number[] = SAC_DEFAULTS.hidden) {
    const head = () => new Mlp([observationSize + actionSize, ...hidden, 1], 'linear', 'xavier');
    this.heads = [head(), head()];
    this.shapes = [...this.heads[0].shapes, ...this.heads[1].shapes];
  }

  init(rng: Rng): Float32Array[] {
    return this.heads.flatMap((h) => h.init(rng));
  }

  /** Q_1 and Q_2 for a batch, each [batch, 1]. */
  values(params: readonly tf.Tensor[], obs: tf.Tensor2D, action: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
    const x = tf.concat([obs, action], 1);
    const split = this.heads[0].shapes.length;
    return [this.heads[0].forward(params.slice(0, split), x), this.heads[1].forward(params.slice(split), x)];
  }

  /** The clipped double-Q estimate min(Q_1, Q_2), [batch, 1]. */
  min(params: readonly tf.Tensor[], obs: tf.Tensor2D, action: tf.Tensor2D): tf.Tensor2D {
    const [q1, q2] = this.values(params, obs, action);
    return tf.minimum(q1, q2);
  }
}

export interface SacLosses {
  /** L_Q: the sum of both critics' mean squared Bellman errors (before their step). */
  readonly qLoss: number;
  /** L_pi (before the actor's step). */
  readonly actorLoss: number;
}

/**
 * Everything that resumes an agent exactly: the actor's, critics' and target critics' values and
 * both optimizers' step counts and moments. The replay is not part of it.
 */
export interface SacValues {
  readonly actor: Float32Array[];
  readonly critic: Float32Array[];
  readonly target: Float32Array[];
  readonly actorOptimizer: AdamState;
  readonly criticOptimizer: AdamState;
}

interface BatchTensors {
  readonly obs: tf.Tensor2D;
  readonly action: tf.Tensor2D;
  readonly reward: tf.Tensor2D;
  readonly nextObs: tf.Tensor2D;
  readonly mask: tf.Tensor2D;
}

/** The SAC agent: its networks as tf variables, its optimizers, acting and updating. */
export class Sac {
  readonly actor: SquashedGaussianActor;
  readonly critic: TwinQ;
  readonly actorVars: tf.Variable[];
  readonly criticVars: tf.Variable[];
  readonly targetVars: tf.Variable[];
  readonly #actorOpt: ParamOptimizer;
  readonly #criticOpt: ParamOptimizer;

  /** Fresh networks drawn from `rng`; the target critics start as copies of the critics. */
  constructor(
    readonly observationSize: number,
    readonly actionSpace: Box,
    readonly config: SacConfig,
    rng: Rng,
  ) {
    this.actor = new SquashedGaussianActor(observationSize, actionSpace, config.hidden);
    this.critic = new TwinQ(observationSize, actionSpace.size, config.hidden);
    const criticValues = this.critic.init(rng.fork('critic'));
    this.actorVars = createVariablesFrom(this.actor.shapes, this.actor.init(rng.fork('actor')));
    this.criticVars = createVariablesFrom(this.critic.shapes, criticValues);
    this.targetVars = createVariablesFrom(this.critic.shapes, criticValues, false);
    this.#actorOpt = adam(config.lr);
    this.#criticOpt = adam(config.lr);
  }

  /** The action for one observation: a sample of pi(.|s) drawn from `rng`, or tanh(mean) when deterministic. */
  act(obs: ArrayLike<number>, rng: Rng, deterministic = false): Float64Array {
    return this.actor.act(this.actorVars, obs, deterministic ? null : rng);
  }

  /** One critic step, one actor step, one Polyak step; the noise of a' and a~ comes from `rng`. */
  update(batch: TaskBatch, rng: Rng): SacLosses {
    const { actor, critic, config } = this;
    const losses = tf.tidy(() => {
      const b = this.#tensors(batch);
      const next = actor.sample(this.actorVars, b.nextObs, rng);
      const softNext = tf.sub(critic.min(this.targetVars, b.nextObs, next.action), tf.mul(next.logProb, config.alpha));
      const y = tf.add(b.reward, tf.mul(tf.mul(b.mask, config.gamma), softNext));
      const q = tf.variableGrads(() => {
        const [q1, q2] = critic.values(this.criticVars, b.obs, b.action);
        return tf.add(tf.mean(tf.squaredDifference(q1, y)), tf.mean(tf.squaredDifference(q2, y))) as tf.Scalar;
      }, this.criticVars);
      this.#criticOpt.apply(this.criticVars, this.criticVars.map((v) => q.grads[v.name]));
      const pi = tf.variableGrads(() => {
        const { action, logProb } = actor.sample(this.actorVars, b.obs, rng);
        return tf.mean(tf.sub(tf.mul(logProb, config.alpha), critic.min(this.criticVars, b.obs, action))) as tf.Scalar;
      }, this.actorVars);
      this.#actorOpt.apply(this.actorVars, this.actorVars.map((v) => pi.grads[v.name]));
      return tf.stack([q.value, pi.value]);
    });
    const [qLoss, actorLoss] = losses.dataSync();
    losses.dispose();
    polyakUpdate(this.targetVars, this.criticVars, config.tau);
    return { qLoss, actorLoss };
  }

  values(): SacValues {
    return {
      actor: readValues(this.actorVars),
      critic: readValues(this.criticVars),
      target: readValues(this.targetVars),
      actorOptimizer: this.#actorOpt.state(),
      criticOptimizer: this.#criticOpt.state(),
    };
  }

  /** Restores what `values()` returned (of an agent with the same sizes). */
  load(values: SacValues): void {
    assign(this.actorVars, this.actor.shapes, values.actor, 'actor');
    assign(this.criticVars, this.critic.shapes, values.critic, 'critic');
    assign(this.targetVars, this.critic.shapes, values.target, 'target critic');
    this.#actorOpt.loadState(values.actorOptimizer);
    this.#criticOpt.loadState(values.criticOptimizer);
  }

  dispose(): void {
    tf.dispose([...this.actorVars, ...this.criticVars, ...this.targetVars]);
    this.#actorOpt.dispose();
    this.#criticOpt.dispose();
  }

  #tensors(batch: TaskBatch): BatchTensors {
    const [n, d, k] = [batch.size, this.observationSize, this.actionSpace.size];
    return {
      obs: tf.tensor2d(batch.obs, [n, d]),
      action: tf.tensor2d(batch.action, [n, k]),
      reward: tf.tensor2d(batch.reward, [n, 1]),
      nextObs: tf.tensor2d(batch.nextObs, [n, d]),
      mask: tf.tensor2d(batch.mask, [n, 1]),
    };
  }
}

function assign(variables: readonly tf.Variable[], shapes: readonly (readonly number[])[], values: readonly Float32Array[], what: string): void {
  if (values.length !== variables.length) throw new Error(`SAC ${what}: expected ${variables.length} tensors, got ${values.length}`);
  values.forEach((v, i) => {
    const size = shapes[i].reduce((a, b) => a * b, 1);
    if (v.length !== size) throw new Error(`SAC ${what} tensor ${i}: ${v.length} values for shape [${shapes[i]}]`);
  });
  tf.tidy(() => variables.forEach((variable, i) => variable.assign(tf.tensor(values[i], [...shapes[i]]))));
}
