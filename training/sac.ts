/**
 * Soft Actor-Critic, the task policy (spec section 6.1, following the reference's PyTorch SAC):
 *   y        = r + mask * gamma * (min(Q1', Q2')(s', a') - alpha * log pi(a' | s')),  a' ~ pi(. | s')
 *   L_Q      = mean (Q1(s, a) - y)^2 + mean (Q2(s, a) - y)^2
 *   L_pi     = mean (alpha * log pi(a | s) - min(Q1, Q2)(s, a)),   a ~ pi(. | s) (reparameterised)
 *   Q'      <- (1 - tau) Q' + tau Q       after every update
 * Critic step first, then the actor step against the updated critic.
 */
import * as tf from '@tensorflow/tfjs';
import type { Box, Env, Rng } from '../sim/index.js';
import { randomPolicy } from '../sim/index.js';
import { ReplayBuffer, type Transitions } from './data/index.js';
import { adam, type ParamOptimizer } from './nn/adam.js';
import { Mlp } from './nn/mlp.js';
import { createVariablesFrom, readValues } from './nn/module.js';
import { stopGradient } from './nn/ops.js';
import { SquashedGaussianActor } from './policies.js';
import { polyakUpdate } from './risk-learner.js';

export interface SacConfig {
  /** Reward discount. */
  readonly gamma: number;
  /** Polyak rate of the target critics. */
  readonly tau: number;
  /** Fixed entropy temperature (no automatic tuning). */
  readonly alpha: number;
  /** Adam learning rate of actor and critics. */
  readonly lr: number;
  readonly batchSize: number;
  /** Hidden layer widths of actor and critics. */
  readonly hidden: readonly number[];
  readonly replayCapacity: number;
  /** Uniformly random actions for this many environment steps before the actor acts. */
  readonly startSteps: number;
}

export const SAC_DEFAULTS: SacConfig = { gamma: 0.99, tau: 0.005, alpha: 0.2, lr: 3e-4, batchSize: 256, hidden: [256, 256], replayCapacity: 1_000_000, startSteps: 10_000 };

export class Sac {
  readonly actor: SquashedGaussianActor;
  readonly #q: Mlp;
  readonly #actorVars: tf.Variable[];
  readonly #qVars: [tf.Variable[], tf.Variable[]];
  readonly #targetVars: [tf.Variable[], tf.Variable[]];
  readonly #actorOpt: ParamOptimizer;
  readonly #qOpt: ParamOptimizer;

  constructor(
    readonly observationSize: number,
    readonly actionSpace: Box,
    readonly config: SacConfig,
    rng: Rng,
  ) {
    this.actor = new SquashedGaussianActor(observationSize, actionSpace, config.hidden);
    this.#q = new Mlp([observationSize + actionSpace.size, ...config.hidden, 1], 'linear', 'xavier');
    this.#actorVars = createVariablesFrom(this.actor.shapes, this.actor.init(rng.fork('actor')));
    const q1 = this.#q.init(rng.fork('q1'));
    const q2 = this.#q.init(rng.fork('q2'));
    this.#qVars = [createVariablesFrom(this.#q.shapes, q1), createVariablesFrom(this.#q.shapes, q2)];
    this.#targetVars = [createVariablesFrom(this.#q.shapes, q1, false), createVariablesFrom(this.#q.shapes, q2, false)];
    this.#actorOpt = adam(config.lr);
    this.#qOpt = adam(config.lr);
  }

  #minQ(params: readonly [readonly tf.Tensor[], readonly tf.Tensor[]], obs: tf.Tensor2D, action: tf.Tensor2D): tf.Tensor2D {
    const x = tf.concat([obs, action], 1);
    return tf.minimum(this.#q.forward(params[0], x), this.#q.forward(params[1], x));
  }

  /** An action for one observation: a sample of the policy, or its mean when `deterministic`. */
  act(observation: ArrayLike<number>, rng: Rng, deterministic = false): Float64Array {
    const a = tf.tidy(() => {
      const obs = tf.tensor2d(Float32Array.from(observation), [1, this.observationSize]);
      return deterministic ? this.actor.deterministic(this.#actorVars, obs) : this.actor.sample(this.#actorVars, obs, rng).action;
    });
    const values = Float64Array.from(a.dataSync());
    a.dispose();
    return values;
  }

  update(batch: Pick<Transitions, 'size' | 'obs' | 'action' | 'reward' | 'nextObs' | 'done'>, rng: Rng): { qLoss: number; actorLoss: number } {
    const losses = tf.tidy(() => {
      const n = batch.size;
      const obs = tf.tensor2d(batch.obs, [n, this.observationSize]);
      const action = tf.tensor2d(batch.action, [n, this.actionSpace.size]);
      const nextObs = tf.tensor2d(batch.nextObs, [n, this.observationSize]);
      const reward = tf.tensor2d(batch.reward, [n, 1]);
      const mask = tf.tensor2d(Float32Array.from(batch.done, (d) => 1 - d), [n, 1]);
      const next = this.actor.sample(this.#actorVars, nextObs, rng);
      const softNext = tf.sub(this.#minQ(this.#targetVars, nextObs, next.action), tf.mul(this.config.alpha, next.logProb));
      const y = stopGradient(tf.add(reward, tf.mul(tf.mul(mask, this.config.gamma), softNext)));
      const qAll = [...this.#qVars[0], ...this.#qVars[1]];
      const q = tf.variableGrads(() => {
        const x = tf.concat([obs, action], 1);
        const e1 = tf.mean(tf.square(tf.sub(this.#q.forward(this.#qVars[0], x), y)));
        const e2 = tf.mean(tf.square(tf.sub(this.#q.forward(this.#qVars[1], x), y)));
        return tf.add(e1, e2) as tf.Scalar;
      }, qAll);
      this.#qOpt.apply(qAll, qAll.map((v) => q.grads[v.name]));
      const pi = tf.variableGrads(() => {
        const s = this.actor.sample(this.#actorVars, obs, rng);
        return tf.mean(tf.sub(tf.mul(this.config.alpha, s.logProb), this.#minQ(this.#qVars, obs, s.action))) as tf.Scalar;
      }, this.#actorVars);
      this.#actorOpt.apply(this.#actorVars, this.#actorVars.map((v) => pi.grads[v.name]));
      return tf.stack([q.value, pi.value]);
    });
    const [qLoss, actorLoss] = losses.dataSync();
    losses.dispose();
    for (const k of [0, 1] as const) polyakUpdate(this.#targetVars[k], this.#qVars[k], this.config.tau);
    return { qLoss, actorLoss };
  }

  /** The actor's parameter values (what a task-policy checkpoint needs). */
  actorValues(): Float32Array[] {
    return readValues(this.#actorVars);
  }

  dispose(): void {
    tf.dispose([...this.#actorVars, ...this.#qVars.flat(), ...this.#targetVars.flat()]);
  }
}

export interface SacStep {
  readonly obs: Float64Array;
  /** The action the environment applied (clipped, masked). */
  readonly action: Float64Array;
  readonly reward: number;
  readonly nextObs: Float64Array;
  readonly constraint: 0 | 1;
  readonly done: boolean;
}

export interface SacEpisode {
  readonly episode: number;
  readonly return: number;
  readonly length: number;
  readonly violations: number;
}

export interface SacRunOptions {
  readonly episodes: number;
  /** Called after every environment step (dataset collection records these). */
  readonly onStep?: (step: SacStep) => void;
  readonly onEpisode?: (e: SacEpisode) => void;
  /** Stop early, e.g. once a dataset is full. */
  readonly shouldStop?: () => boolean;
}

/**
 * The standard loop: `startSteps` uniformly random actions, then the policy's samples; one update
 * per environment step once the replay buffer holds more than a batch. The replay stores the
 * environment's own termination (mask = 1 - done): a truncated episode keeps mask 1.
 */
export function runSac(env: Env, agent: Sac, rng: Rng, options: SacRunOptions): SacEpisode[] {
  const replay = new ReplayBuffer(env.observationSpace.size, env.actionSpace.size, agent.config.replayCapacity);
  const explore = randomPolicy(env.actionSpace, rng.fork('start-steps'));
  const episodes: SacEpisode[] = [];
  let steps = 0;
  for (let e = 0; e < options.episodes && !options.shouldStop?.(); e++) {
    let obs = env.reset(rng.nextUint32() & 0x7fffffff);
    let ret = 0;
    let violations = 0;
    let length = 0;
    for (;;) {
      const proposal = steps < agent.config.startSteps ? explore(obs) : agent.act(obs, rng);
      const r = env.step(proposal);
      replay.push({ obs, action: proposal, reward: r.reward, nextObs: r.observation, constraint: r.constraint, done: r.done });
      options.onStep?.({ obs, action: r.info.appliedAction, reward: r.reward, nextObs: r.observation, constraint: r.constraint, done: r.done });
      if (replay.size > agent.config.batchSize) agent.update(replay.sample(rng, agent.config.batchSize), rng);
      steps += 1;
      length += 1;
      ret += r.reward;
      violations += r.constraint;
      obs = r.observation;
      if (r.done || r.truncated || options.shouldStop?.()) break;
    }
    const summary = { episode: e + 1, return: ret, length, violations };
    episodes.push(summary);
    options.onEpisode?.(summary);
  }
  return episodes;
}
