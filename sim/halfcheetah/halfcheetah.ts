import type { MainModule } from 'mujoco';
import type { DomainSpec } from '../core/domain.js';
import type { EnvOptions, EnvParams } from '../core/env.js';
import { EpisodicEnv, type Transition } from '../core/episodic-env.js';
import { SimInputError } from '../core/errors.js';
import { uniformBox } from '../core/space.js';
import { MujocoSim, compileModel, loadMujoco, readAsset } from '../mujoco/runtime.js';

export type HalfCheetahParams = Extract<EnvParams, { domain: 'halfcheetah-disabled' }>;

const DOMAIN = 'halfcheetah-disabled';
/** Actuated joints in action-index order (the model's actuator order). */
export const HALFCHEETAH_JOINTS = ['bthigh', 'bshin', 'bfoot', 'fthigh', 'fshin', 'ffoot'] as const;
/** Each training environment disables one of these action indices [P]; bthigh (0) never fails. */
export const TRAIN_DISABLED_JOINTS: readonly number[] = [1, 2, 3, 4];
/** The held-out test environment disables ffoot [C]. */
export const TEST_DISABLED_JOINT = 5;
/**
 * Per-actuator torque fractions of the partial-power-loss ablation: the only such vector in the
 * reference code (commented out there), reference-spec §1.3 and D22.
 */
export const PARTIAL_POWER_SCALE: readonly number[] = Object.freeze([
  0.69248867, 0.75095502, 0.54999795, 0.82621723, 0.9406307, 0.88019476,
]);

const NQ = 9;
const NV = 9;
const NU = HALFCHEETAH_JOINTS.length;
const OBS_SIZE = NQ - 1 + NV + 2;
const HORIZON = 1000;
// The model declares no frame skip, so the reference's base class stepped once per action (0.01 s).
const FRAME_SKIP = 1;
const CTRL_COST = 0.05;
const QPOS_NOISE = 0.01;
const QVEL_NOISE = 0.1;
const XML_FILE = 'half_cheetah_disabled.xml';

let xmlText: string | undefined;

/** Throws a `SimInputError` naming the first thing wrong with these parameters. */
export function validateHalfCheetahParams(params: EnvParams): asserts params is HalfCheetahParams {
  if (params?.domain !== DOMAIN) {
    throw new SimInputError(`${DOMAIN}: cannot build an environment from ${String(params?.domain)} parameters`);
  }
  const { disabledJoint, powerScale } = params;
  if (disabledJoint !== null && !(Number.isInteger(disabledJoint) && disabledJoint >= 0 && disabledJoint < NU)) {
    throw new SimInputError(`${DOMAIN}: disabledJoint must be an integer 0..${NU - 1} or null, got ${String(disabledJoint)}`);
  }
  if (powerScale !== null) {
    if (!Array.isArray(powerScale) || powerScale.length !== NU) {
      throw new SimInputError(`${DOMAIN}: powerScale must be ${NU} numbers or null, got ${JSON.stringify(powerScale)}`);
    }
    powerScale.forEach((f, i) => {
      if (typeof f !== 'number' || !(f >= 0 && f <= 1)) {
        throw new SimInputError(`${DOMAIN}: powerScale[${i}] must be a number in [0, 1], got ${String(f)}`);
      }
    });
  }
}

/**
 * Planar cheetah with one actuator disabled and/or every actuator weakened (reference-spec §1.3).
 * Reward: forward velocity of the whole-robot centre of mass minus 0.05·|a|², a being the torque
 * command actually applied. Constraint: the head capsule touches the floor.
 */
export class HalfCheetahEnv extends EpisodicEnv {
  /** The MuJoCo model and data, for diagnostics and tests; stepping it directly bypasses the episode. */
  readonly sim: MujocoSim;
  readonly #torsoBody: number;
  readonly #floorGeom: number;
  readonly #headGeom: number;
  /** Torque fraction per actuator: 0 for the disabled joint, the power scale elsewhere. */
  readonly #gain = new Float64Array(NU);
  readonly #applied = new Float64Array(NU);
  #closed = false;

  /** Builds the environment on an already loaded MuJoCo module (see `create` for the async route). */
  constructor(mj: MainModule, params: HalfCheetahParams, options: EnvOptions = {}) {
    validateHalfCheetahParams(params);
    const own: HalfCheetahParams = {
      domain: DOMAIN,
      disabledJoint: params.disabledJoint,
      powerScale: params.powerScale === null ? null : Object.freeze([...params.powerScale]),
    };
    super(DOMAIN, Object.freeze(own), uniformBox(OBS_SIZE, -Infinity, Infinity), uniformBox(NU, -1, 1), HORIZON, options);
    xmlText ??= readAsset(XML_FILE);
    this.sim = new MujocoSim(mj, compileModel(mj, xmlText, 'half_cheetah_disabled'));
    this.#torsoBody = this.sim.bodyId('torso');
    this.#floorGeom = this.sim.geomId('floor');
    this.#headGeom = this.sim.geomId('head');
    for (let i = 0; i < NU; i++) this.#gain[i] = i === own.disabledJoint ? 0 : (own.powerScale?.[i] ?? 1);
  }

  static async create(params: HalfCheetahParams, options: EnvOptions = {}): Promise<HalfCheetahEnv> {
    validateHalfCheetahParams(params);
    return new HalfCheetahEnv(await loadMujoco(), params, options);
  }

  /** Puts the robot in an arbitrary state (9 qpos, 9 qvel) and returns its observation. */
  setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): Float64Array {
    this.#assertOpen();
    for (const [name, v, n] of [['qpos', qpos, NQ], ['qvel', qvel, NV]] as const) {
      if (v?.length !== n) throw new SimInputError(`${DOMAIN}: ${name} must have ${n} entries, got ${v?.length}`);
      for (let i = 0; i < n; i++) {
        if (!Number.isFinite(v[i])) throw new SimInputError(`${DOMAIN}: ${name}[${i}] is ${String(v[i])}; it must be finite`);
      }
    }
    this.sim.setState(qpos, qvel);
    return this.#observe();
  }

  /** 1 when MuJoCo's current contact list has a head–floor contact. */
  isUnsafe(): 0 | 1 {
    return this.sim.hasContact(this.#floorGeom, this.#headGeom) ? 1 : 0;
  }

  override reset(seed?: number): Float64Array {
    this.#assertOpen();
    return super.reset(seed);
  }

  protected startEpisode(): Float64Array {
    const qpos0 = this.sim.modelArray('qpos0');
    const qpos = Float64Array.from(qpos0, (q) => q + QPOS_NOISE * this.rng.normal());
    const qvel = Float64Array.from({ length: NV }, () => QVEL_NOISE * this.rng.normal());
    this.sim.setState(qpos, qvel);
    return this.#observe();
  }

  protected transition(action: ArrayLike<number>): Transition {
    const a = this.#applied;
    let sq = 0;
    for (let i = 0; i < NU; i++) {
      // Clip first, as the reference did, so a disabled or weakened actuator never sees more than its share.
      a[i] = this.#gain[i] === 0 ? 0 : Math.min(1, Math.max(-1, action[i])) * this.#gain[i];
      sq += a[i] * a[i];
    }
    // The reference called forward() after stepping, so COM velocity and contacts are those of the state reached.
    this.sim.stepAndForward(a, FRAME_SKIP);
    this.sim.mj.mj_subtreeVel(this.sim.model, this.sim.data);
    const vx = this.sim.dataArray('subtree_linvel')[3 * this.#torsoBody];
    return {
      observation: this.#observe(),
      reward: vx - CTRL_COST * sq,
      constraint: this.isUnsafe(),
      goalReached: false,
      appliedAction: Float64Array.from(a),
    };
  }

  override close(): void {
    super.close();
    if (!this.#closed) this.sim.close();
    this.#closed = true;
  }

  #assertOpen(): void {
    if (this.#closed) throw new SimInputError(`${DOMAIN}: the environment is closed`);
  }

  /** qpos without rootx (the task is invariant to it), qvel, and the robot COM's (y, z). */
  #observe(): Float64Array {
    const obs = new Float64Array(OBS_SIZE);
    obs.set(this.sim.dataArray('qpos').subarray(1, NQ), 0);
    obs.set(this.sim.dataArray('qvel'), NQ - 1);
    const com = this.sim.dataArray('subtree_com');
    obs[NQ - 1 + NV] = com[3 * this.#torsoBody + 1];
    obs[NQ + NV] = com[3 * this.#torsoBody + 2];
    return obs;
  }
}

/** A cheetah environment with `joint` disabled (or none) at full power elsewhere. */
export function disabledJointParams(joint: number | null): HalfCheetahParams {
  return { domain: DOMAIN, disabledJoint: joint, powerScale: null };
}

/** Test environment of the partial-power-loss ablation: no joint disabled, every actuator weakened. */
export function partialPowerTestParams(): HalfCheetahParams {
  return { domain: DOMAIN, disabledJoint: null, powerScale: PARTIAL_POWER_SCALE };
}

function describeParams(params: HalfCheetahParams): string {
  const parts: string[] = [];
  if (params.disabledJoint !== null) parts.push(`${HALFCHEETAH_JOINTS[params.disabledJoint]} (action ${params.disabledJoint}) disabled`);
  if (params.powerScale !== null) parts.push(`partial power (${params.powerScale.map((f) => f.toFixed(3)).join(', ')})`);
  return parts.length > 0 ? parts.join(', ') : 'all joints at full power';
}

export const halfcheetahDisabled: DomainSpec = {
  id: DOMAIN,
  summary: 'Planar cheetah running forward with one actuator failed; unsafe when the head touches the floor',
  observationSize: OBS_SIZE,
  actionSize: NU,
  horizon: HORIZON,
  trainEnvCount: TRAIN_DISABLED_JOINTS.length,
  datasetSizes: { trainPerEnv: 400_000, test: 40_000 },
  // The distribution is fixed (one environment per failed joint), so nothing is drawn.
  sampleEnvironments() {
    return { domain: DOMAIN, train: TRAIN_DISABLED_JOINTS.map(disabledJointParams), test: disabledJointParams(TEST_DISABLED_JOINT) };
  },
  async make(params, options) {
    validateHalfCheetahParams(params);
    return HalfCheetahEnv.create(params, options);
  },
  describe(params) {
    return params.domain === DOMAIN ? describeParams(params) : `${params.domain} parameters`;
  },
};
