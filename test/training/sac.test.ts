import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { box, getDomain, Rng, uniformBox, type StepResult } from '../../sim/index.js';
import { SquashedGaussianActor } from '../../training/policies.js';
import { SAC_DEFAULTS, Sac, sacConfig, TaskReplay, type SacConfig, type SacValues } from '../../training/sac.js';
import { collect, sacCollector } from '../../training/collect/index.js';
import { runSac, type SacEnv, type SacRunConfig } from '../../training/sac-loop.js';
import { useTrainingBackend, values } from '../support/tf.js';

const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

const TINY: SacConfig = { ...SAC_DEFAULTS, hidden: [4], batchSize: 2 };

/** Zero weights everywhere except the output biases: actor mean 0, log-std 0; every Q is its bias. */
function constantNetworks(agent: Sac, q: [number, number], target: [number, number]): SacValues {
  const zeros = (shapes: readonly (readonly number[])[]) => shapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)));
  const withBiases = (biases: [number, number]) => {
    const v = zeros(agent.critic.shapes);
    const perHead = agent.critic.heads[0].shapes.length;
    v[perHead - 1][0] = biases[0];
    v[2 * perHead - 1][0] = biases[1];
    return v;
  };
  const fresh = agent.values();
  return { ...fresh, actor: zeros(agent.actor.shapes), critic: withBiases(q), target: withBiases(target) };
}

/** log pi of a = tanh(eps) * scale + offset under N(0, 1) for u, with the reference's correction. */
function logProb(eps: number, scale: number): number {
  return -0.5 * eps * eps - 0.5 * Math.log(2 * Math.PI) - Math.log(scale * (1 - Math.tanh(eps) ** 2) + 1e-6);
}

/** A 1-D task: move s (start U[-1, 1]) by 0.2 a per step towards 1; reward -|s' - 1|. */
function lineEnv(horizon: number, doneAt?: number): SacEnv & { horizon: number } {
  let s = 0;
  let t = 0;
  return {
    observationSpace: box([-2], [2]),
    actionSpace: box([-1], [1]),
    horizon,
    reset(seed = 0) {
      s = new Rng(seed).uniformIn(-1, 1);
      t = 0;
      return Float64Array.of(s);
    },
    step(action): StepResult {
      s = Math.min(2, Math.max(-2, s + 0.2 * action[0]));
      t += 1;
      const done = t === doneAt;
      return {
        observation: Float64Array.of(s),
        reward: -Math.abs(s - 1),
        constraint: 0,
        done,
        truncated: !done && t >= horizon,
        info: { appliedAction: Float64Array.from(action), step: t },
      };
    },
  };
}

function meanReturn(env: SacEnv, policy: (obs: Float64Array) => ArrayLike<number>, episodes: number): number {
  let total = 0;
  for (let e = 0; e < episodes; e++) {
    let obs = env.reset(1000 + e);
    for (;;) {
      const r = env.step(policy(obs));
      total += r.reward;
      obs = r.observation;
      if (r.done || r.truncated) break;
    }
  }
  return total / episodes;
}

describe('SAC', () => {
  before(useTrainingBackend);

  it('computes the squashed Gaussian log-probability with the tanh and scale correction', () => {
    const actor = new SquashedGaussianActor(1, uniformBox(1, -3, 3), [4]);
    const zeros = actor.shapes.map((s) => tf.zeros([...s]));
    const { action, logProb: lp } = actor.sample(zeros, tf.tensor2d([[0.5]]), new Rng(7));
    const eps = new Rng(7).normal();
    // Zero weights: mean 0, log-std 0, so u = eps and a = 3 tanh(eps).
    close(action.dataSync()[0], 3 * Math.tanh(eps));
    close(lp.dataSync()[0], logProb(eps, 3), 1e-4);
  });

  it('computes the soft target, both critic losses and the actor loss against the updated critics (hand-checked)', () => {
    const lr = 0.1;
    const agent = new Sac(1, box([0], [4]), { ...TINY, lr, alpha: 0.2, gamma: 0.9, tau: 0.5 }, new Rng(0));
    agent.load(constantNetworks(agent, [1, 2], [3, 5]));
    const batch = { size: 2, obs: Float32Array.of(0.3, -0.7), action: Float32Array.of(1, 3), reward: Float32Array.of(1, -0.5), nextObs: Float32Array.of(0, 0), mask: Float32Array.of(1, 0) };
    const rng = new Rng(42);
    const draws = Rng.fromState(rng.state());
    // Noise order: a' for the two next states, then a~ for the two states.
    const [n0, n1, e0, e1] = [draws.normal(), draws.normal(), draws.normal(), draws.normal()].map((x) => Math.fround(x));
    const scale = 2;
    const y = [1 + 0.9 * (3 - 0.2 * logProb(n0, scale)), -0.5];
    const qLoss = ((1 - y[0]) ** 2 + (1 - y[1]) ** 2) / 2 + ((2 - y[0]) ** 2 + (2 - y[1]) ** 2) / 2;
    // Zero weights give zero hidden units, so Adam's first step moves only the output biases, by lr * sign(gradient).
    const q1 = 1 - lr * Math.sign(1 - (y[0] + y[1]) / 2);
    const q2 = 2 - lr * Math.sign(2 - (y[0] + y[1]) / 2);
    const actorLoss = (0.2 * (logProb(e0, scale) + logProb(e1, scale))) / 2 - Math.min(q1, q2);

    const losses = agent.update(batch, rng);
    close(losses.qLoss, qLoss);
    close(losses.actorLoss, actorLoss);
    const after = agent.values();
    const bias = (v: Float32Array[], head: number) => v[(head + 1) * agent.critic.heads[0].shapes.length - 1][0];
    close(bias(after.critic, 0), q1);
    close(bias(after.critic, 1), q2);
    // Polyak with tau = 0.5, from the critics just updated.
    close(bias(after.target, 0), 0.5 * 3 + 0.5 * q1);
    close(bias(after.target, 1), 0.5 * 5 + 0.5 * q2);
    assert.equal(after.criticOptimizer.step, 1);
    assert.equal(after.actorOptimizer.step, 1);
    agent.dispose();
  });

  it('starts the target critics as exact copies of the critics', () => {
    const agent = new Sac(3, box([-1, -1], [1, 1]), TINY, new Rng(1));
    const v = agent.values();
    assert.deepEqual(v.target, v.critic);
    assert.notDeepEqual(v.critic.slice(0, agent.critic.heads[0].shapes.length), v.critic.slice(agent.critic.heads[0].shapes.length));
    agent.dispose();
  });

  it('acts for one observation exactly as the batched sample and deterministic action would', () => {
    const agent = new Sac(3, box([-1, 0], [1, 4]), { ...TINY, hidden: [8, 8] }, new Rng(2));
    const obs = [0.5, -1, 2];
    const rng = new Rng(7);
    const graph = agent.actor.sample(agent.actorVars, tf.tensor2d([obs]), Rng.fromState(rng.state())).action;
    const sampled = agent.act(obs, rng);
    values(graph).forEach((a, i) => close(sampled[i], a));
    const mean = agent.actor.deterministic(agent.actorVars, tf.tensor2d([obs]));
    const deterministic = agent.act(obs, rng, true);
    values(mean).forEach((a, i) => close(deterministic[i], a));
    const before = rng.state();
    agent.act(obs, rng, true);
    assert.deepEqual(rng.state(), before, 'a deterministic action draws nothing');
    agent.dispose();
  });

  it('resumes from values() to exactly the numbers of an uninterrupted agent (optimizer state included)', () => {
    const space = box([-1], [1]);
    const replay = new TaskReplay(2, 1);
    const data = new Rng(3);
    for (let i = 0; i < 20; i++) replay.push([data.normal(), data.normal()], [data.uniformIn(-1, 1)], data.normal(), [data.normal(), data.normal()], 1);
    const a = new Sac(2, space, { ...TINY, batchSize: 8 }, new Rng(4));
    for (let i = 0; i < 3; i++) a.update(replay.sample(data, 8), data);
    const b = new Sac(2, space, { ...TINY, batchSize: 8 }, new Rng(5));
    b.load(a.values());
    const batch = replay.sample(data, 8);
    assert.deepEqual(a.update(batch, new Rng(6)), b.update(batch, new Rng(6)));
    assert.deepEqual(a.values(), b.values());
    a.dispose();
    b.dispose();
  });

  it('has the reference defaults, with the per-domain start_steps', () => {
    assert.deepEqual(
      { ...SAC_DEFAULTS, hidden: [...SAC_DEFAULTS.hidden] },
      { gamma: 0.99, tau: 0.005, alpha: 0.2, lr: 3e-4, batchSize: 256, hidden: [256, 256], replayCapacity: 1e6, startSteps: 10_000 },
    );
    assert.equal(sacConfig('cartpole-length').startSteps, 100);
    assert.equal(sacConfig('navigation1', { batchSize: 32 }).batchSize, 32);
    assert.equal(sacConfig('halfcheetah-disabled').startSteps, 10_000);
  });
});

describe('SAC task replay', () => {
  const fill = (replay: TaskReplay, from: number, to: number) => {
    for (let i = from; i < to; i++) replay.push([i, -i], [i / 10], i, [i + 1, -i - 1], i % 2);
  };

  it('samples whole transitions without replacement, the same ones for the same seed', () => {
    const replay = new TaskReplay(2, 1);
    fill(replay, 0, 10);
    const all = replay.sample(new Rng(0), 10);
    assert.deepEqual([...all.reward].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (let i = 0; i < all.size; i++) {
      const r = all.reward[i];
      assert.deepEqual([...all.obs.subarray(2 * i, 2 * i + 2), all.action[i], ...all.nextObs.subarray(2 * i, 2 * i + 2), all.mask[i]], [r, -r, Math.fround(r / 10), r + 1, -r - 1, r % 2]);
    }
    const [x, y] = [replay.sample(new Rng(9), 4), replay.sample(new Rng(9), 4)];
    assert.deepEqual(x, y);
    assert.equal(new Set(x.reward).size, 4);
    assert.equal(replay.sample(new Rng(1), 50).size, 10, 'a batch larger than the replay is all of it');
  });

  it('overwrites the oldest transitions once full, growing its storage on the way', () => {
    const replay = new TaskReplay(2, 1, 1500);
    fill(replay, 0, 1700);
    assert.equal(replay.size, 1500);
    const all = replay.sample(new Rng(2), 1500);
    assert.deepEqual([...all.reward].sort((a, b) => a - b), Array.from({ length: 1500 }, (_, i) => 200 + i));
  });

  it('rejects transitions of the wrong size', () => {
    assert.throws(() => new TaskReplay(2, 1).push([1], [0], 0, [1, 2], 1), /expected 2, 1, 2/);
  });

  it('rebuilds from its contents to sample and overwrite exactly as the original', () => {
    for (const [count, capacity] of [[30, 100], [130, 100]]) {
      const original = new TaskReplay(2, 1, capacity);
      fill(original, 0, count);
      const copy = TaskReplay.fromContents(2, 1, capacity, original.contents());
      fill(original, count, count + 40);
      fill(copy, count, count + 40);
      assert.deepEqual(copy.sample(new Rng(3), 64), original.sample(new Rng(3), 64));
      assert.deepEqual(copy.contents(), original.contents());
    }
    assert.throws(() => TaskReplay.fromContents(2, 1, 10, { ...new TaskReplay(2, 1).contents(), size: 1 }), /do not fit/);
  });
});

describe('SAC loop', () => {
  before(useTrainingBackend);

  it('runs on navigation1 through violations (collection): updates once per step past a batch, deterministic for a seed', async () => {
    const domain = getDomain('navigation1');
    const env = await domain.make(domain.sampleEnvironments(new Rng(0)).test, { endOnViolation: false });
    const config: SacRunConfig = { ...sacConfig('navigation1'), hidden: [16, 16], batchSize: 32, startSteps: 50, episodes: 2 };
    const run = (seed: number) => {
      const losses: number[] = [];
      let violations = 0;
      const r = runSac(env, config, new Rng(seed), {
        onTransition: (t) => void (violations += t.result.constraint),
        onUpdate: (l) => losses.push(l.qLoss, l.actorLoss),
      });
      const out = { episodes: r.episodes, steps: r.steps, updates: r.updates, violations, losses, actor: r.agent.values().actor };
      r.agent.dispose();
      return out;
    };
    const a = run(11);
    assert.deepEqual(a.episodes.map((e) => e.length), [100, 100]);
    assert.equal(a.steps, 200);
    assert.equal(a.updates, a.steps - config.batchSize - 1);
    assert.equal(a.episodes.reduce((n, e) => n + e.violations, 0), a.violations);
    assert.ok(a.violations > 1, 'episodes run on through violations');
    assert.ok(a.losses.every(Number.isFinite));
    assert.deepEqual(run(11), a);
    assert.notDeepEqual(run(12).actor, a.actor);
    env.close();
  });

  it('ends episodes at the first violation when the environment does (online)', async () => {
    const domain = getDomain('navigation1');
    const env = await domain.make(domain.sampleEnvironments(new Rng(0)).test, { endOnViolation: true });
    const r = runSac(env, { ...sacConfig('navigation1'), hidden: [16, 16], batchSize: 32, episodes: 4 }, new Rng(11));
    for (const e of r.episodes) assert.equal(e.endedByViolation ? e.violations : 0, e.violations);
    assert.ok(r.episodes.some((e) => e.endedByViolation));
    r.agent.dispose();
    env.close();
  });

  it('stores the proposal (action relabeling) with mask = 1 - done, keeps mask 1 at truncation, and stops on request', () => {
    const executed: number[] = [];
    const proposals: number[] = [];
    const run = runSac(lineEnv(5, 3), { ...TINY, startSteps: 0, episodes: 100 }, new Rng(0), {
      execute: () => [0.5],
      onTransition: (t) => {
        executed.push(t.action[0]);
        proposals.push(t.proposal[0]);
        return t.step === 13 ? 'stop' : undefined;
      },
    });
    // doneAt 3 < horizon 5: every episode ends done at its third step; the stop cuts episode 5 after one step.
    assert.deepEqual(run.episodes.map((e) => e.length), [3, 3, 3, 3, 1]);
    assert.equal(run.steps, 13);
    assert.ok(executed.every((a) => a === 0.5));
    const all = run.replay.sample(new Rng(1), run.replay.size);
    assert.deepEqual([...all.action].sort(), proposals.map(Math.fround).sort());
    assert.equal([...all.mask].filter((m) => m === 0).length, 4);
    const truncating = runSac(lineEnv(4), { ...TINY, episodes: 2 }, new Rng(0));
    assert.ok(truncating.replay.sample(new Rng(1), 8).mask.every((m) => m === 1));
    run.agent.dispose();
    truncating.agent.dispose();
  });

  it('learns the 1-D reach task clearly better than random actions within 1,000 steps', () => {
    const env = lineEnv(25);
    const run = runSac(env, { ...SAC_DEFAULTS, hidden: [32, 32], batchSize: 64, lr: 1e-3, startSteps: 200, episodes: 40 }, new Rng(1));
    const rng = new Rng(2);
    const sac = meanReturn(env, (obs) => run.agent.act(obs, rng, true), 10);
    const random = meanReturn(env, () => [rng.uniformIn(-1, 1)], 10);
    // Random actions score about -17; heading straight for the goal about -2.
    assert.ok(sac > -6 && sac > random + 8, `SAC ${sac.toFixed(2)}, random ${random.toFixed(2)}`);
    run.agent.dispose();
  });

  it('collects a training dataset: exactly the requested transitions, running on through violations with done = c', async () => {
    const progress: number[] = [];
    const { train } = await collect({
      domain: 'navigation1',
      seed: 3,
      envs: 1,
      trainSize: 150,
      testSize: 10,
      trainPolicy: 'sac',
      sac: sacCollector({ hidden: [8], batchSize: 32 }),
      onProgress: (role, _i, done) => role === 'train' && progress.push(done),
    });
    const t = train[0].transitions;
    assert.equal(t.size, 150);
    assert.equal(train[0].meta.policy, 'sac');
    assert.deepEqual(t.done, t.constraint);
    assert.ok(t.constraint.some((c) => c === 1), 'some violations');
    assert.equal(progress.at(-1), 150);
  });
});
