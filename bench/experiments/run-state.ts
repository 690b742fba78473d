/**
 * A phase-3 run's checkpoint, taken between episodes: everything that continues it exactly —
 * SAC's networks, targets and Adam moments, the task replay, the risk critic, recovery policy,
 * their optimizers and target network, the online part of the risk buffer (D_test is re-read),
 * every random stream and the counters. The environment needs nothing: each episode reseeds it.
 */
import { z } from 'zod';
import { Rng, type RngState } from '../../sim/index.js';
import { putList, readCheckpoint, takeList, writeCheckpoint } from '../../training/checkpoint.js';
import type { AdamState } from '../../training/nn/adam.js';
import { loadAdam, saveAdam } from '../../training/phases.js';
import type { RiskLearner, RiskLearnerState } from '../../training/risk-learner.js';
import { TaskReplay, type Sac, type SacValues } from '../../training/sac.js';
import type { ReplayBuffer, Transitions } from '../../training/data/index.js';
import { STREAM_NAMES, type Counters, type RunStreams } from './online-loop.js';

const adamMeta = z.object({ step: z.int().min(0), moments: z.int().min(0) });
const rngState = z.object({ words: z.array(z.number()), spareNormal: z.number().nullable() });

const runStateSchema = z.object({
  counters: z.object({ episodes: z.int().min(0), steps: z.int().min(0), sacUpdates: z.int().min(0), riskUpdates: z.int().min(0) }),
  streams: z.record(z.enum(STREAM_NAMES), rngState),
  sac: z.object({ actor: adamMeta, critic: adamMeta }),
  replay: z.object({ size: z.int().min(0), oldest: z.int().min(0), capacity: z.int().min(1) }),
  risk: z.object({ critic: adamMeta, recovery: adamMeta, target: z.boolean(), online: z.int().min(0) }).nullable(),
});

type RunStateMeta = z.infer<typeof runStateSchema>;

export interface RunParts {
  readonly sac: Sac;
  readonly replay: TaskReplay;
  /** The risk buffer holds D_test, then from `onlineFrom` on the online transitions, which the checkpoint stores. */
  readonly risk: { readonly learner: RiskLearner; readonly buffer: ReplayBuffer; readonly onlineFrom: number } | null;
  readonly streams: RunStreams;
  readonly counters: Counters;
}

export function saveRunState(dir: string, parts: RunParts): void {
  const tensors: Record<string, Float32Array> = {};
  const sac = parts.sac.values();
  putList(tensors, 'sac.actor', sac.actor);
  putList(tensors, 'sac.critic', sac.critic);
  putList(tensors, 'sac.target', sac.target);
  const replay = parts.replay.contents();
  Object.assign(tensors, { 'replay.obs': replay.obs, 'replay.action': replay.action, 'replay.reward': replay.reward, 'replay.nextObs': replay.nextObs, 'replay.mask': replay.mask });
  let risk: RunStateMeta['risk'] = null;
  if (parts.risk) {
    const { learner, buffer, onlineFrom } = parts.risk;
    const values = learner.values();
    const state = learner.state();
    const online = buffer.rowsFrom(onlineFrom);
    putList(tensors, 'risk.critic', values.critic);
    putList(tensors, 'risk.recovery', values.recovery);
    if (state.targetValues) putList(tensors, 'risk.target', state.targetValues);
    Object.assign(tensors, {
      'online.obs': online.obs,
      'online.action': online.action,
      'online.nextObs': online.nextObs,
      'online.constraint': Float32Array.from(online.constraint),
      'online.done': Float32Array.from(online.done),
    });
    risk = { critic: saveAdam(tensors, 'risk.opt.critic', state.criticOptimizer), recovery: saveAdam(tensors, 'risk.opt.recovery', state.recoveryOptimizer), target: state.targetValues !== null, online: online.size };
  }
  const meta: RunStateMeta = {
    counters: { ...parts.counters },
    streams: Object.fromEntries(STREAM_NAMES.map((n) => [n, parts.streams[n].state() as RunStateMeta['streams'][typeof n]])) as RunStateMeta['streams'],
    sac: { actor: saveAdam(tensors, 'sac.opt.actor', sac.actorOptimizer), critic: saveAdam(tensors, 'sac.opt.critic', sac.criticOptimizer) },
    replay: { size: replay.size, oldest: replay.oldest, capacity: parts.replay.capacity },
    risk,
  };
  writeCheckpoint(dir, { meta, tensors });
}

export interface LoadedRunState {
  readonly counters: Counters;
  readonly streams: RunStreams;
  readonly sac: SacValues;
  readonly replay: TaskReplay;
  readonly risk: { readonly critic: Float32Array[]; readonly recovery: Float32Array[]; readonly state: RiskLearnerState; readonly online: Transitions } | null;
}

/** Reads a checkpoint written by `saveRunState` for networks of the given shapes. */
export function loadRunState(
  dir: string,
  shapes: { sacActor: readonly (readonly number[])[]; sacCritic: readonly (readonly number[])[]; riskCritic: readonly (readonly number[])[] | null; recovery: readonly (readonly number[])[] | null },
  sizes: { observationSize: number; actionSize: number },
): LoadedRunState {
  const { meta, tensors } = readCheckpoint<RunStateMeta>(dir, (m) => runStateSchema.parse(m));
  const adam = (prefix: string, m: { step: number; moments: number }, s: readonly (readonly number[])[]): AdamState => loadAdam(tensors, prefix, m, s);
  const sac: SacValues = {
    actor: takeList(tensors, 'sac.actor', shapes.sacActor),
    critic: takeList(tensors, 'sac.critic', shapes.sacCritic),
    target: takeList(tensors, 'sac.target', shapes.sacCritic),
    actorOptimizer: adam('sac.opt.actor', meta.sac.actor, shapes.sacActor),
    criticOptimizer: adam('sac.opt.critic', meta.sac.critic, shapes.sacCritic),
  };
  const column = (name: string) => {
    const t = tensors[name];
    if (!t) throw new Error(`checkpoint ${dir} has no ${name}`);
    return t;
  };
  const replay = TaskReplay.fromContents(sizes.observationSize, sizes.actionSize, meta.replay.capacity, {
    size: meta.replay.size,
    oldest: meta.replay.oldest,
    obs: column('replay.obs'),
    action: column('replay.action'),
    reward: column('replay.reward'),
    nextObs: column('replay.nextObs'),
    mask: column('replay.mask'),
  });
  let risk: LoadedRunState['risk'] = null;
  if (meta.risk) {
    if (!shapes.riskCritic || !shapes.recovery) throw new Error(`checkpoint ${dir} holds a risk critic, but this run has none`);
    const n = meta.risk.online;
    const [d, k] = [sizes.observationSize, sizes.actionSize];
    const sized = (name: string, width: number) => {
      const t = column(name);
      if (t.length !== n * width) throw new Error(`checkpoint ${dir}: ${name} holds ${t.length} values, ${n} online transitions need ${n * width}`);
      return t;
    };
    const online: Transitions = {
      size: n,
      observationSize: d,
      actionSize: k,
      obs: sized('online.obs', d),
      action: sized('online.action', k),
      reward: new Float32Array(n),
      nextObs: sized('online.nextObs', d),
      constraint: Uint8Array.from(sized('online.constraint', 1)),
      done: Uint8Array.from(sized('online.done', 1)),
      envId: new Int32Array(n),
    };
    risk = {
      critic: takeList(tensors, 'risk.critic', shapes.riskCritic),
      recovery: takeList(tensors, 'risk.recovery', shapes.recovery),
      state: {
        criticOptimizer: adam('risk.opt.critic', meta.risk.critic, shapes.riskCritic),
        recoveryOptimizer: adam('risk.opt.recovery', meta.risk.recovery, shapes.recovery),
        targetValues: meta.risk.target ? takeList(tensors, 'risk.target', shapes.riskCritic) : null,
      },
      online,
    };
  } else if (shapes.riskCritic) {
    throw new Error(`checkpoint ${dir} holds no risk critic, but this run has one`);
  }
  const streams = Object.fromEntries(STREAM_NAMES.map((n) => [n, Rng.fromState(meta.streams[n] as RngState)])) as unknown as RunStreams;
  return { counters: { ...meta.counters }, streams, sac, replay, risk };
}
