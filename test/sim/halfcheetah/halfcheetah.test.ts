import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng, SimInputError } from '../../../sim/index.js';
import {
  HALFCHEETAH_JOINTS,
  HalfCheetahEnv,
  PARTIAL_POWER_SCALE,
  disabledJointParams,
  halfcheetahDisabled,
  partialPowerTestParams,
  type HalfCheetahParams,
} from '../../../sim/halfcheetah/index.js';

const GEARS = [120, 90, 60, 120, 60, 30];
const FULL = [1, 1, 1, 1, 1, 1];

function make(params: HalfCheetahParams = disabledJointParams(5), endOnViolation = false): Promise<HalfCheetahEnv> {
  return HalfCheetahEnv.create(params, { seed: 0, endOnViolation });
}

function qpos(rootz: number, rooty: number): Float64Array {
  const q = new Float64Array(9);
  q[1] = rootz;
  q[2] = rooty;
  return q;
}

/** Lowest point of the head capsule above the floor, from the spec's geometry (reference-spec §1.3). */
function headClearance(rootz: number, rooty: number): number {
  const [c, s] = [Math.cos(rooty), Math.sin(rooty)];
  const axis = [Math.sin(0.87), Math.cos(0.87)];
  const ends = [1, -1].map((k) => [0.6 + k * 0.15 * axis[0], 0.1 + k * 0.15 * axis[1]]);
  // A hinge about +y by θ maps the torso frame's (x, z) to world z = -x sin θ + z cos θ.
  return Math.min(...ends.map(([x, z]) => 0.7 + rootz - x * s + z * c)) - 0.046;
}

describe('halfcheetah-disabled model', () => {
  it('derives the spec body masses from capsule volumes scaled to 14 kg', async () => {
    const env = await make();
    const expected: Record<string, number> = {
      torso: 6.25, bthigh: 1.54, bshin: 1.59, bfoot: 1.1, fthigh: 1.44, fshin: 1.2, ffoot: 0.88,
    };
    const mass = env.sim.modelArray('body_mass');
    let total = 0;
    for (const [body, kg] of Object.entries(expected)) {
      const m = mass[env.sim.bodyId(body)];
      assert.ok(Math.abs(m - kg) / kg < 0.02, `${body}: ${m} kg, spec ${kg}`);
      total += m;
    }
    assert.ok(Math.abs(total - 14) < 1e-9, `total ${total}`);
    assert.equal(env.sim.model.opt.timestep, 0.01);
    env.close();
  });

  it('puts the six motors on the leg joints with the spec gears', async () => {
    const env = await make(disabledJointParams(null));
    env.reset();
    env.step(FULL);
    const qfrc = env.sim.dataArray('qfrc_actuator');
    const dofOf = env.sim.modelArray<Int32Array>('jnt_dofadr');
    HALFCHEETAH_JOINTS.forEach((name, i) => {
      assert.equal(env.sim.actuatorId(name), i);
      assert.equal(qfrc[dofOf[env.sim.jointId(name)]], GEARS[i], `${name} torque under full action`);
    });
    assert.deepEqual(Array.from(qfrc.subarray(0, 3)), [0, 0, 0], 'the root is not actuated');
    env.close();
  });

  it('lands and stands without touching the floor with its head under zero torque', async () => {
    const env = await make();
    env.reset(3);
    let r = env.step([0, 0, 0, 0, 0, 0]);
    let violations = 0;
    for (let i = 1; i < 200; i++) {
      r = env.step([0, 0, 0, 0, 0, 0]);
      violations += r.constraint;
    }
    assert.equal(violations, 0);
    assert.ok(r.observation.every(Number.isFinite));
    const comZ = r.observation[18];
    assert.ok(comZ > 0.3 && comZ < 0.6, `standing COM height ${comZ}`);
    env.close();
  });
});

describe('halfcheetah-disabled environment', () => {
  it('observes qpos without rootx, qvel and the COM (y, z); resets with small noise', async () => {
    const env = await make();
    const o = env.reset(11);
    assert.equal(o.length, 19);
    const { data } = env.sim;
    assert.deepEqual(Array.from(o.subarray(0, 8)), Array.from((data.qpos as Float64Array).subarray(1)));
    assert.deepEqual(Array.from(o.subarray(8, 17)), Array.from(data.qvel as Float64Array));
    const com = env.sim.dataArray('subtree_com');
    const torso = env.sim.bodyId('torso');
    assert.deepEqual([o[17], o[18]], [com[3 * torso + 1], com[3 * torso + 2]]);
    const q = data.qpos as Float64Array;
    const v = data.qvel as Float64Array;
    assert.ok(q.every((x) => Math.abs(x) < 0.06), `qpos noise ${q}`);
    assert.ok(v.every((x) => Math.abs(x) < 0.6) && v.some((x) => Math.abs(x) > 0.02), `qvel noise ${v}`);
    // After a step, the COM (and the contact list) must describe the state reached, not the one before.
    const r = env.step([1, -1, 1, -1, 1, -1]);
    const { mj, model } = env.sim;
    mj.mj_forward(model, data);
    assert.deepEqual([r.observation[17], r.observation[18]], [com[3 * torso + 1], com[3 * torso + 2]]);
    env.close();
  });

  it('rewards the forward velocity of the centre of mass minus 0.05 |a|^2', async () => {
    const env = await make(disabledJointParams(null));
    env.reset(5);
    const torso = env.sim.bodyId('torso');
    const com = () => env.sim.dataArray('subtree_com')[3 * torso];
    const a = [0.5, -0.3, 0.8, -0.6, 0.2, 0.9];
    const cost = 0.05 * a.reduce((s, x) => s + x * x, 0);
    for (let i = 0; i < 20; i++) {
      const before = com();
      const r = env.step(a);
      const vx = (com() - before) / 0.01;
      assert.ok(Math.abs(r.reward + cost - vx) < 0.02 + 0.05 * Math.abs(vx), `step ${i}: reward ${r.reward}, finite-difference v_x ${vx}`);
    }
    env.close();
  });

  it('gives the same trajectory for the same seed', async () => {
    const run = async (seed: number) => {
      const env = await make();
      const rng = new Rng(99);
      const xs = [...env.reset(seed)];
      for (let i = 0; i < 50; i++) {
        const r = env.step(Array.from({ length: 6 }, () => rng.uniformIn(-1, 1)));
        xs.push(...r.observation, r.reward);
      }
      env.close();
      return xs;
    };
    assert.deepEqual(await run(7), await run(7));
    assert.notDeepEqual(await run(7), await run(8));
  });

  it('clips actions to [-1, 1]', async () => {
    const env = await make(disabledJointParams(null));
    env.reset();
    const r = env.step([5, -5, 0.5, 1.5, -1.01, 0]);
    assert.deepEqual(Array.from(r.info.appliedAction), [1, -1, 0.5, 1, -1, 0]);
    env.close();
  });

  it('gives the disabled joint no torque while the others get theirs', async () => {
    for (let joint = 0; joint < 6; joint++) {
      const env = await make(disabledJointParams(joint));
      env.reset(1);
      const r = env.step(FULL);
      // A motor's actuator_force is its scalar control; the gear maps it to the joint torque qfrc_actuator.
      const force = env.sim.dataArray('actuator_force');
      const qfrc = env.sim.dataArray('qfrc_actuator');
      const dofOf = env.sim.modelArray<Int32Array>('jnt_dofadr');
      for (let i = 0; i < 6; i++) {
        const dof = dofOf[env.sim.jointId(HALFCHEETAH_JOINTS[i])];
        if (i === joint) {
          assert.equal(r.info.appliedAction[i], 0);
          assert.equal(force[i], 0, `actuator ${i} force`);
          assert.equal(qfrc[dof], 0, `joint ${i} generalised force`);
        } else {
          assert.equal(force[i], 1, `actuator ${i} force with joint ${joint} disabled`);
          assert.equal(qfrc[dof], GEARS[i], `joint ${i} torque with joint ${joint} disabled`);
        }
      }
      env.close();
    }
  });

  it('scales every actuator force by its power fraction under partial power loss', async () => {
    const weak = await make(partialPowerTestParams());
    weak.reset(2);
    const a = [0.8, -0.8, 0.8, -0.8, 3, -3];
    const clipped = [0.8, -0.8, 0.8, -0.8, 1, -1];
    const r = weak.step(a);
    const full = await make(disabledJointParams(null));
    full.reset(2);
    full.step(a);
    const weakTorque = weak.sim.dataArray('qfrc_actuator').subarray(3);
    const fullTorque = full.sim.dataArray('qfrc_actuator').subarray(3);
    for (let i = 0; i < 6; i++) {
      assert.ok(Math.abs(r.info.appliedAction[i] - clipped[i] * PARTIAL_POWER_SCALE[i]) < 1e-15);
      assert.ok(Math.abs(fullTorque[i] - GEARS[i] * clipped[i]) < 1e-12, `full-power joint ${i}: ${fullTorque[i]}`);
      assert.ok(Math.abs(weakTorque[i] - PARTIAL_POWER_SCALE[i] * fullTorque[i]) < 1e-12, `joint ${i}: ${weakTorque[i]}`);
    }
    full.close();
    const cost = 0.05 * Array.from(r.info.appliedAction).reduce((s, x) => s + x * x, 0);
    weak.sim.mj.mj_subtreeVel(weak.sim.model, weak.sim.data);
    const vx = weak.sim.dataArray('subtree_linvel')[3 * weak.sim.bodyId('torso')];
    assert.ok(Math.abs(r.reward - (vx - cost)) < 1e-12, 'the control cost is charged on the torque actually applied');
    weak.close();
  });

  it('combines a disabled joint with partial power', async () => {
    const env = await make({ domain: 'halfcheetah-disabled', disabledJoint: 2, powerScale: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5] });
    env.reset();
    assert.deepEqual(Array.from(env.step(FULL).info.appliedAction), [0.5, 0.5, 0, 0.5, 0.5, 0.5]);
    env.close();
  });
});

describe('halfcheetah-disabled constraint', () => {
  it('is clear in the upright start state and fires with the robot on its back, head on the floor', async () => {
    const env = await make();
    env.reset(4);
    assert.equal(env.isUnsafe(), 0);
    assert.equal(env.step(FULL).constraint, 0);
    env.setState(qpos(-0.5, Math.PI), new Float64Array(9));
    assert.equal(env.isUnsafe(), 1);
    const r = env.step([0, 0, 0, 0, 0, 0]);
    assert.equal(r.constraint, 1);
    assert.equal(r.done, false, 'endOnViolation: false keeps the episode going');
    env.close();
  });

  it('fires nose-down and ends the episode by default', async () => {
    const env = await make(disabledJointParams(5), true);
    env.reset();
    env.setState(qpos(-0.25, 1.0), new Float64Array(9));
    const r = env.step([0, 0, 0, 0, 0, 0]);
    assert.equal(r.constraint, 1);
    assert.equal(r.done, true);
    assert.throws(() => env.step(FULL), /episode is over/);
    env.close();
  });

  it("matches the spec's head-capsule geometry over many poses", async () => {
    const env = await make();
    env.reset();
    let unsafe = 0;
    let checked = 0;
    for (let rooty = -Math.PI; rooty <= Math.PI; rooty += 0.13) {
      for (let rootz = -0.7; rootz <= 0.1; rootz += 0.037) {
        const clearance = headClearance(rootz, rooty);
        if (Math.abs(clearance) < 1e-6) continue;
        env.setState(qpos(rootz, rooty), new Float64Array(9));
        assert.equal(env.isUnsafe(), clearance < 0 ? 1 : 0, `rootz ${rootz}, rooty ${rooty}, clearance ${clearance}`);
        unsafe += clearance < 0 ? 1 : 0;
        checked += 1;
      }
    }
    assert.ok(unsafe > 50 && checked - unsafe > 50, `both outcomes exercised (${unsafe} of ${checked})`);
    env.close();
  });
});

describe('halfcheetah-disabled input errors', () => {
  it('rejects stepping outside an episode, bad actions and bad states', async () => {
    const env = await make();
    assert.throws(() => env.step(FULL), /before reset/);
    env.reset();
    assert.throws(() => env.step([0, 0, 0, 0, 0]), /5 entries, expected 6/);
    assert.throws(() => env.step([0, 0, NaN, 0, 0, 0]), /action\[2\] is NaN/);
    assert.throws(() => env.step([0, 0, 0, 0, 0, Infinity]), SimInputError);
    assert.throws(() => env.setState(new Float64Array(8), new Float64Array(9)), /qpos must have 9 entries, got 8/);
    assert.throws(() => env.setState(new Float64Array(9), [0, 0, 0, NaN, 0, 0, 0, 0, 0]), /qvel\[3\] is NaN/);
    env.close();
    assert.throws(() => env.reset(), /closed/);
    assert.throws(() => env.step(FULL), SimInputError);
  });

  it('rejects invalid parameters, naming the bad value', async () => {
    const bad: [unknown, RegExp][] = [
      [{ domain: 'halfcheetah-disabled', disabledJoint: 6, powerScale: null }, /disabledJoint .* got 6/],
      [{ domain: 'halfcheetah-disabled', disabledJoint: -1, powerScale: null }, /got -1/],
      [{ domain: 'halfcheetah-disabled', disabledJoint: 1.5, powerScale: null }, /got 1.5/],
      [{ domain: 'halfcheetah-disabled', disabledJoint: undefined, powerScale: null }, /got undefined/],
      [{ domain: 'halfcheetah-disabled', disabledJoint: null, powerScale: [1, 1, 1] }, /powerScale must be 6 numbers/],
      [{ domain: 'halfcheetah-disabled', disabledJoint: null, powerScale: [1, 1, 1.2, 1, 1, 1] }, /powerScale\[2\] .* got 1.2/],
      [{ domain: 'halfcheetah-disabled', disabledJoint: null, powerScale: [1, 1, 1, 1, NaN, 1] }, /powerScale\[4\] .* got NaN/],
      [{ domain: 'halfcheetah-disabled', disabledJoint: null, powerScale: [1, 1, 1, 1, 1, -0.1] }, /powerScale\[5\] .* got -0.1/],
      [{ domain: 'navigation1', bDiagonal: [1, 1] }, /from navigation1 parameters/],
    ];
    for (const [params, message] of bad) {
      await assert.rejects(halfcheetahDisabled.make(params as HalfCheetahParams), (e: unknown) => e instanceof SimInputError && message.test(e.message));
      await assert.rejects(HalfCheetahEnv.create(params as HalfCheetahParams), SimInputError);
    }
  });
});

describe('halfcheetah-disabled distribution', () => {
  it('trains on joints 1-4 disabled and tests on ffoot disabled', () => {
    const set = halfcheetahDisabled.sampleEnvironments(new Rng(0));
    assert.equal(set.domain, 'halfcheetah-disabled');
    assert.deepEqual(
      set.train.map((p) => (p.domain === 'halfcheetah-disabled' ? [p.disabledJoint, p.powerScale] : p)),
      [[1, null], [2, null], [3, null], [4, null]],
    );
    assert.deepEqual(set.test, { domain: 'halfcheetah-disabled', disabledJoint: 5, powerScale: null });
    assert.deepEqual(halfcheetahDisabled.sampleEnvironments(new Rng(1)), set, 'the distribution is fixed');
    assert.equal(halfcheetahDisabled.trainEnvCount, 4);
    assert.equal(halfcheetahDisabled.observationSize, 19);
    assert.equal(halfcheetahDisabled.actionSize, 6);
    assert.equal(halfcheetahDisabled.horizon, 1000);
    assert.deepEqual(halfcheetahDisabled.datasetSizes, { trainPerEnv: 400_000, test: 40_000 });
  });

  it('builds the partial-power test environment and describes environments by joint name', async () => {
    const p = partialPowerTestParams();
    assert.equal(p.disabledJoint, null);
    assert.deepEqual(p.powerScale, [0.69248867, 0.75095502, 0.54999795, 0.82621723, 0.9406307, 0.88019476]);
    assert.equal(halfcheetahDisabled.describe(disabledJointParams(5)), 'ffoot (action 5) disabled');
    assert.equal(halfcheetahDisabled.describe(disabledJointParams(1)), 'bshin (action 1) disabled');
    assert.match(halfcheetahDisabled.describe(p), /^partial power \(0\.692, 0\.751, 0\.550, 0\.826, 0\.941, 0\.880\)$/);
    const env = await halfcheetahDisabled.make(p, { seed: 1 });
    assert.equal(env.horizon, 1000);
    assert.deepEqual(env.params, p);
    assert.equal(env.reset().length, 19);
    env.close();
  });
});
