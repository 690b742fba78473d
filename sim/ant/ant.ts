import type { MainModule } from 'mujoco';
import type { DomainSpec } from '../core/domain.js';
import type { EnvOptions, EnvParams } from '../core/env.js';
import { EpisodicEnv, type Transition } from '../core/episodic-env.js';
import { SimInputError } from '../core/errors.js';
import { clipInto, uniformBox } from '../core/space.js';
import { MujocoSim, compileModel, loadMujoco, readAsset } from '../mujoco/runtime.js';

export type AntParams = Extract<EnvParams, { domain: 'ant-disabled' }>;

/**
 * The legs as the reference numbers them (its `crippled_leg`): the actuators that go dead and the
 * thigh/shin capsules that shrink. Leg 3 is the test leg (action indices 0 and 1).
 */
export const ANT_LEGS = [
  { hip: 'hip_1', ankle: 'ankle_1', thigh: 'left_leg', shin: 'left_ankle' },
  { hip: 'hip_2', ankle: 'ankle_2', thigh: 'right_leg', shin: 'right_ankle' },
  { hip: 'hip_3', ankle: 'ankle_3', thigh: 'back_leg', shin: 'third_ankle' },
  { hip: 'hip_4', ankle: 'ankle_4', thigh: 'rightback_leg', shin: 'fourth_ankle' },
] as const;

export const ANT_OBSERVATION_SIZE = 43;
export const ANT_ACTION_SIZE = 8;
const NQ = 15;
const NV = 14;
const HORIZON = 1000;
const CTRL_COST = 0.005;
const SURVIVE_BONUS = 0.05;
const QPOS_NOISE = 0.01;
const QVEL_NOISE = 0.1;

/** Checks the parameters and returns the physics step they ask for. */
export function checkAntParams(params: EnvParams): 0.01 | 0.02 {
  if (params.domain !== 'ant-disabled') {
    throw new SimInputError(`ant-disabled: cannot build an environment from ${params.domain} parameters`);
  }
  const leg: unknown = params.disabledLeg;
  if (leg !== null && !(typeof leg === 'number' && Number.isInteger(leg) && leg >= 0 && leg < ANT_LEGS.length)) {
    throw new SimInputError(`ant-disabled: disabledLeg must be an integer 0..3 or null, got ${String(leg)}`);
  }
  const timestep: unknown = params.timestep ?? 0.01;
  if (timestep !== 0.01 && timestep !== 0.02) {
    throw new SimInputError(`ant-disabled: timestep must be 0.01 or 0.02, got ${String(timestep)}`);
  }
  return timestep;
}

let xmlText: string | undefined;

function antXml(timestep: 0.01 | 0.02): string {
  xmlText ??= readAsset('ant.xml');
  if (timestep === 0.01) return xmlText;
  const out = xmlText.replace('timestep="0.01"', `timestep="${timestep}"`);
  if (out === xmlText) throw new Error('ant.xml has no timestep="0.01" option to replace');
  return out;
}

/**
 * MuJoCo ant with one leg disabled (MESA's Ant-Disabled). One env step is one RK4 physics step.
 * Reward: forward velocity of the whole-robot centre of mass − 0.005·|a|² + 0.05. Constraint:
 * the torso sphere is in the floor's contact list (margin 0.01, so torso height below ≈ 0.26).
 */
export class AntEnv extends EpisodicEnv {
  readonly #sim: MujocoSim;
  /** 0 for the disabled leg's actuators, in action order. */
  readonly #mask = new Float64Array(ANT_ACTION_SIZE).fill(1);
  readonly #applied = new Float64Array(ANT_ACTION_SIZE);
  readonly #initQpos: Float64Array;
  readonly #torso: number;
  readonly #floorGeom: number;
  readonly #torsoGeom: number;
  #closed = false;

  /** Loads MuJoCo (once per process) and builds the environment. */
  static async create(params: AntParams, options: EnvOptions = {}): Promise<AntEnv> {
    checkAntParams(params);
    return new AntEnv(await loadMujoco(), params, options);
  }

  constructor(mj: MainModule, params: AntParams, options: EnvOptions = {}) {
    const timestep = checkAntParams(params);
    super(
      'ant-disabled',
      params,
      uniformBox(ANT_OBSERVATION_SIZE, -Infinity, Infinity),
      uniformBox(ANT_ACTION_SIZE, -1, 1),
      HORIZON,
      options,
    );
    // Each environment compiles its own model because disabling a leg edits the model's geoms.
    this.#sim = new MujocoSim(mj, compileModel(mj, antXml(timestep), 'ant'));
    this.#initQpos = Float64Array.from(this.#sim.model.key_qpos as Float64Array);
    this.#torso = this.#sim.bodyId('torso');
    this.#floorGeom = this.#sim.geomId('floor');
    this.#torsoGeom = this.#sim.geomId('torso_geom');
    if (params.disabledLeg !== null) this.#disableLeg(params.disabledLeg);
  }

  /** The underlying MuJoCo model and data, for inspection; writing to them changes the physics. */
  get sim(): MujocoSim {
    return this.#sim;
  }

  /** 1 for live actuators, 0 for the disabled leg's, in action order. */
  get actuatorMask(): readonly number[] {
    return Array.from(this.#mask);
  }

  /**
   * Places the ant in an arbitrary state (qpos: 15 = torso xyz, quaternion wxyz, 8 joint angles
   * in body order; qvel: 14) and returns its observation.
   */
  setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): Float64Array {
    this.#checkOpen();
    checkVector(qpos, NQ, 'qpos');
    checkVector(qvel, NV, 'qvel');
    this.#sim.setState(qpos, qvel);
    this.#sim.mj.mj_subtreeVel(this.#sim.model, this.#sim.data);
    return this.#observe(this.#torsoOnFloor());
  }

  protected startEpisode(): Float64Array {
    // The reference perturbs the quaternion too and does not renormalise it; MuJoCo normalises
    // it internally when it uses it.
    const qpos = this.#initQpos.map((q) => q + QPOS_NOISE * this.rng.normal());
    const qvel = new Float64Array(NV).map(() => QVEL_NOISE * this.rng.normal());
    return this.setState(qpos, qvel);
  }

  protected transition(action: ArrayLike<number>): Transition {
    this.#checkOpen();
    const a = clipInto(this.actionSpace, action, this.#applied);
    for (let i = 0; i < a.length; i++) if (this.#mask[i] === 0) a[i] = 0;
    const { mj, model, data } = this.#sim;
    this.#sim.step(a, 1);
    // mj_step leaves positions-derived quantities (contacts, xmat, COM) at the pre-step state;
    // the reference recomputed them after stepping, and subtree velocities are not computed by
    // mj_forward at all.
    mj.mj_forward(model, data);
    mj.mj_subtreeVel(model, data);
    let cost = 0;
    for (let i = 0; i < a.length; i++) cost += a[i] * a[i];
    const constraint = this.#torsoOnFloor();
    return {
      observation: this.#observe(constraint),
      reward: this.#comVelocityX() - CTRL_COST * cost + SURVIVE_BONUS,
      constraint,
      goalReached: false,
      appliedAction: Float64Array.from(a),
    };
  }

  override close(): void {
    super.close();
    if (!this.#closed) this.#sim.close();
    this.#closed = true;
  }

  /**
   * Zeroes the leg's actuators and shrinks its collision capsules the way the reference does:
   * thigh and shin radius and half-length halved, shin moved onto the thigh's local position.
   * Masses and inertias stay those of the intact leg (MuJoCo computed them at compile time).
   * The bounding radii are left as compiled; they only need to be conservative.
   */
  #disableLeg(leg: number): void {
    const { hip, ankle, thigh, shin } = ANT_LEGS[leg];
    this.#mask[this.#sim.actuatorId(hip)] = 0;
    this.#mask[this.#sim.actuatorId(ankle)] = 0;
    const size = this.#sim.model.geom_size as Float64Array;
    const pos = this.#sim.model.geom_pos as Float64Array;
    const t = this.#sim.geomId(thigh);
    const s = this.#sim.geomId(shin);
    for (const g of [t, s]) {
      size[3 * g] /= 2;
      size[3 * g + 1] /= 2;
    }
    pos.copyWithin(3 * s, 3 * t, 3 * t + 3);
  }

  #comVelocityX(): number {
    return (this.#sim.data.subtree_linvel as Float64Array)[3 * this.#torso];
  }

  #torsoOnFloor(): 0 | 1 {
    return this.#sim.hasContact(this.#floorGeom, this.#torsoGeom) ? 1 : 0;
  }

  /** qpos, qvel, torso rotation (row-major), whole-robot COM, v_x^COM + 0.05, violation flag. */
  #observe(constraint: 0 | 1): Float64Array {
    const d = this.#sim.data;
    const b = this.#torso;
    const obs = new Float64Array(ANT_OBSERVATION_SIZE);
    obs.set(d.qpos as Float64Array, 0);
    obs.set(d.qvel as Float64Array, NQ);
    obs.set((d.xmat as Float64Array).subarray(9 * b, 9 * b + 9), NQ + NV);
    obs.set((d.subtree_com as Float64Array).subarray(3 * b, 3 * b + 3), NQ + NV + 9);
    obs[41] = this.#comVelocityX() + SURVIVE_BONUS;
    obs[42] = constraint;
    return obs;
  }

  #checkOpen(): void {
    if (this.#closed) throw new SimInputError('ant-disabled: the environment was closed');
  }
}

function checkVector(v: ArrayLike<number>, n: number, what: string): void {
  if (v == null || v.length !== n) throw new SimInputError(`ant-disabled: ${what} must have ${n} entries, got ${v?.length}`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(v[i])) throw new SimInputError(`ant-disabled: ${what}[${i}] is ${String(v[i])}; must be finite`);
  }
}

export const antDisabled: DomainSpec = {
  id: 'ant-disabled',
  summary: 'MuJoCo ant with one leg disabled (actuators off, leg collision shrunk); violation = torso touches the floor',
  observationSize: ANT_OBSERVATION_SIZE,
  actionSize: ANT_ACTION_SIZE,
  horizon: HORIZON,
  trainEnvCount: 3,
  datasetSizes: { trainPerEnv: 400_000, test: 40_000 },
  // The distribution is fixed (train legs 0-2, test leg 3), so no random draw is needed.
  sampleEnvironments() {
    return {
      domain: 'ant-disabled',
      train: [0, 1, 2].map((disabledLeg) => ({ domain: 'ant-disabled', disabledLeg }) as const),
      test: { domain: 'ant-disabled', disabledLeg: 3 },
    };
  },
  async make(params, options) {
    checkAntParams(params);
    return AntEnv.create(params as AntParams, options);
  },
  describe(params) {
    if (params.domain !== 'ant-disabled') return `${params.domain} parameters`;
    const dt = params.timestep === 0.02 ? ', dt 0.02 s' : '';
    if (params.disabledLeg === null) return `no leg disabled${dt}`;
    const leg = ANT_LEGS[params.disabledLeg];
    if (!leg) return `invalid leg ${params.disabledLeg}`;
    return `leg ${params.disabledLeg} (${leg.hip}/${leg.ankle}) disabled${dt}`;
  },
};
