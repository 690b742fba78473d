import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ANT_LEGS, AntEnv, antDisabled, type AntParams } from '../../../sim/ant/index.js';
import { Rng, SimInputError } from '../../../sim/index.js';

const INIT_QPOS = [0, 0, 0.55, 1, 0, 0, 0, 0, 1, 0, -1, 0, -1, 0, 1];
/** Upside down (180° about x) with the torso sphere resting on the floor; the legs point up. */
const ON_BACK_QPOS = [0, 0, 0.25, 0, 1, 0, 0, 0, 1, 0, -1, 0, -1, 0, 1];
const ZERO_QVEL = new Array<number>(14).fill(0);
const ZERO_ACTION = new Array<number>(8).fill(0);
const FULL_ACTION = new Array<number>(8).fill(1);

const params = (disabledLeg: number | null, timestep?: 0.01 | 0.02): AntParams =>
  timestep === undefined ? { domain: 'ant-disabled', disabledLeg } : { domain: 'ant-disabled', disabledLeg, timestep };

const opened: AntEnv[] = [];
async function make(p: AntParams, options: { seed?: number; endOnViolation?: boolean } = {}): Promise<AntEnv> {
  const env = await AntEnv.create(p, options);
  opened.push(env);
  return env;
}
after(() => opened.forEach((e) => e.close()));

function names(env: AntEnv, kind: 'geom' | 'actuator', n: number): string[] {
  const { mj, model } = env.sim;
  const obj = kind === 'geom' ? mj.mjtObj.mjOBJ_GEOM.value : mj.mjtObj.mjOBJ_ACTUATOR.value;
  return Array.from({ length: n }, (_, i) => mj.mj_id2name(model, obj, i));
}

const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0);

describe('ant-disabled', () => {
  it('loads the model with the reference structure, masses and options', async () => {
    const env = await make(params(null));
    const { mj, model } = env.sim;
    assert.deepEqual([model.nq, model.nv, model.nu, model.ngeom], [15, 14, 8, 14]);
    assert.deepEqual(names(env, 'geom', 14), [
      'floor', 'torso_geom',
      'aux_1', 'left_leg', 'left_ankle',
      'aux_2', 'right_leg', 'right_ankle',
      'aux_3', 'back_leg', 'third_ankle',
      'aux_4', 'rightback_leg', 'fourth_ankle',
    ]);
    assert.deepEqual(names(env, 'actuator', 8), ['hip_4', 'ankle_4', 'hip_1', 'ankle_1', 'hip_2', 'ankle_2', 'hip_3', 'ankle_3']);
    const mass = model.body_mass as Float64Array;
    assert.ok(Math.abs(sum(mass) - 0.9109) < 1e-3, `total mass ${sum(mass)}`);
    assert.ok(Math.abs(mass[env.sim.bodyId('torso')] - 0.3272) < 1e-3, `torso mass ${mass[1]}`);
    assert.equal(model.opt.timestep, 0.01);
    assert.equal(model.opt.integrator, mj.mjtIntegrator.mjINT_RK4.value);
    assert.deepEqual(Array.from(model.actuator_gear as Float64Array).filter((_, i) => i % 6 === 0), new Array(8).fill(150));
    // Ranges are written in degrees: ankle_1 [30°, 70°].
    const r = model.jnt_range as Float64Array;
    const j = env.sim.jointId('ankle_1');
    assert.ok(Math.abs(r[2 * j] - Math.PI / 6) < 1e-12 && Math.abs(r[2 * j + 1] - (70 * Math.PI) / 180) < 1e-12);
    assert.deepEqual(Array.from(model.key_qpos as Float64Array), INIT_QPOS);
    const slow = await make(params(null, 0.02));
    assert.equal(slow.sim.model.opt.timestep, 0.02);
  });

  it('starts near init_qpos with N(0, 0.01²) / N(0, 0.1²) noise and returns a 43-D observation', async () => {
    const env = await make(params(3), { seed: 11 });
    const o = env.reset();
    assert.equal(o.length, 43);
    assert.ok(o.every(Number.isFinite));
    for (let i = 0; i < 15; i++) assert.ok(Math.abs(o[i] - INIT_QPOS[i]) < 0.05, `qpos[${i}] = ${o[i]}`);
    const qvel = Array.from(o.subarray(15, 29));
    assert.ok(qvel.every((v) => Math.abs(v) < 0.5) && qvel.some((v) => Math.abs(v) > 0.02), `qvel ${qvel}`);
    const qnorm = Math.hypot(o[3], o[4], o[5], o[6]);
    assert.notEqual(qnorm, 1, 'the perturbed quaternion is not renormalised');
    assert.equal(o[42], 0);
  });

  it('lays out the observation as qpos, qvel, torso xmat, COM, v_x + 0.05, violation flag', async () => {
    const env = await make(params(null));
    env.reset();
    const qvel = [...ZERO_QVEL];
    qvel[0] = 1;
    const o = env.setState(INIT_QPOS, qvel);
    assert.deepEqual(Array.from(o.subarray(0, 15)), INIT_QPOS);
    assert.deepEqual(Array.from(o.subarray(15, 29)), qvel);
    assert.deepEqual(Array.from(o.subarray(29, 38)), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    assert.ok(Math.abs(o[38]) < 1e-9 && Math.abs(o[39]) < 1e-9, 'symmetric ant: COM above the torso centre');
    assert.ok(o[40] > 0.4 && o[40] < 0.55, `COM height ${o[40]}`);
    assert.ok(Math.abs(o[41] - 1.05) < 1e-12, `v_x^COM + 0.05 = ${o[41]}`);
    assert.equal(o[42], 0);
  });

  it('rewards v_x^COM − 0.005·|a|² + 0.05 and reports the action after clipping and masking', async () => {
    const env = await make(params(1), { seed: 3 });
    env.reset();
    const r = env.step([2, -3, 0.5, -0.5, 1, 1, 0.25, -1]);
    assert.deepEqual(Array.from(r.info.appliedAction), [1, -1, 0.5, -0.5, 0, 0, 0.25, -1]);
    const cost = sum(Array.from(r.info.appliedAction, (a) => a * a));
    assert.ok(Math.abs(r.reward - (r.observation[41] - 0.005 * cost)) < 1e-12);
    assert.equal(r.observation[42], r.constraint);
  });

  it('computes the whole observation from the state reached, not the state before the step', async () => {
    const env = await make(params(2), { seed: 8 });
    env.reset();
    let r = env.step(FULL_ACTION);
    for (let i = 0; i < 20; i++) r = env.step(i % 2 ? FULL_ACTION : ZERO_ACTION.map(() => -1));
    const o = r.observation;
    const same = env.setState(o.subarray(0, 15), o.subarray(15, 29));
    assert.deepEqual(Array.from(o), Array.from(same));
  });

  it('gives the same trajectory for the same seed', async () => {
    const run = async (seed: number) => {
      const env = await make(params(3), { seed });
      const rng = new Rng(99);
      const xs = [...env.reset()];
      for (let i = 0; i < 30; i++) {
        const r = env.step(Array.from({ length: 8 }, () => rng.uniformIn(-1, 1)));
        xs.push(...r.observation, r.reward);
      }
      return xs;
    };
    assert.deepEqual(await run(5), await run(5));
    assert.notDeepEqual(await run(5), await run(6));
  });

  for (const leg of [0, 1, 2, 3]) {
    it(`disables leg ${leg}: no torque on ${ANT_LEGS[leg].hip}/${ANT_LEGS[leg].ankle}, collision capsules shrunk`, async () => {
      const intact = await make(params(null));
      const env = await make(params(leg), { seed: 1 });
      const { hip, ankle, thigh, shin } = ANT_LEGS[leg];
      const sim = env.sim;
      const dead = [sim.actuatorId(hip), sim.actuatorId(ankle)];
      const mask = env.actuatorMask;
      assert.deepEqual(mask, mask.map((_, i) => (dead.includes(i) ? 0 : 1)));

      env.reset();
      env.step(FULL_ACTION);
      const force = sim.data.actuator_force as Float64Array;
      const qfrc = sim.data.qfrc_actuator as Float64Array;
      for (let i = 0; i < 8; i++) {
        if (dead.includes(i)) assert.equal(force[i], 0, `actuator ${i} must be off`);
        else assert.ok(force[i] > 0.5, `actuator ${i} must push, got ${force[i]}`);
      }
      const deadDofs = [hip, ankle].map((j) => sim.model.jnt_dofadr[sim.jointId(j)] as number);
      for (let dof = 6; dof < 14; dof++) {
        if (deadDofs.includes(dof)) assert.equal(qfrc[dof], 0, `dof ${dof} must get no actuator force`);
        else assert.equal(qfrc[dof], 150, `dof ${dof} gets gear 150 × ctrl 1`);
      }

      const size = sim.model.geom_size as Float64Array;
      const pos = sim.model.geom_pos as Float64Array;
      const size0 = intact.sim.model.geom_size as Float64Array;
      const pos0 = intact.sim.model.geom_pos as Float64Array;
      const t = sim.geomId(thigh);
      const s = sim.geomId(shin);
      assert.deepEqual([t, s], [[3, 4], [6, 7], [9, 10], [12, 13]][leg], 'crippling refers to the reference geom indices');
      for (const g of [t, s]) {
        assert.equal(size[3 * g], size0[3 * g] / 2, 'radius halved');
        assert.equal(size[3 * g + 1], size0[3 * g + 1] / 2, 'half-length halved');
      }
      assert.deepEqual(Array.from(pos.subarray(3 * s, 3 * s + 3)), Array.from(pos0.subarray(3 * t, 3 * t + 3)));
      for (let g = 0; g < 14; g++) {
        if (g === t || g === s) continue;
        assert.deepEqual(Array.from(size.subarray(3 * g, 3 * g + 3)), Array.from(size0.subarray(3 * g, 3 * g + 3)), `geom ${g} untouched`);
        assert.deepEqual(Array.from(pos.subarray(3 * g, 3 * g + 3)), Array.from(pos0.subarray(3 * g, 3 * g + 3)), `geom ${g} untouched`);
      }
      assert.deepEqual(Array.from(sim.model.body_mass as Float64Array), Array.from(intact.sim.model.body_mass as Float64Array), 'mass not recomputed');
    });
  }

  it('flags the torso touching the floor (margin 0.01), not the initial stance', async () => {
    const env = await make(params(3), { seed: 2 });
    env.reset();
    assert.equal(env.step(ZERO_ACTION).constraint, 0, 'standing ant');
    assert.equal(env.setState(INIT_QPOS, ZERO_QVEL)[42], 0);
    assert.equal(env.setState(ON_BACK_QPOS, ZERO_QVEL)[42], 1);
    const r = env.step(ZERO_ACTION);
    assert.equal(r.constraint, 1, 'ant on its back');
    assert.equal(r.observation[42], 1);
    assert.equal(r.done, true, 'a violation ends the episode by default');
    // The contact starts at a sphere–floor distance of 0.01 (the reference's margin), not 0.02.
    const at = (z: number) => env.setState([0, 0, z, ...ON_BACK_QPOS.slice(3)], ZERO_QVEL)[42];
    assert.equal(at(0.265), 0);
    assert.equal(at(0.255), 1);
  });

  it('runs on through violations when told to, and truncates at 1000 steps', async () => {
    const env = await make(params(3), { seed: 4, endOnViolation: false });
    env.reset();
    env.setState(ON_BACK_QPOS, ZERO_QVEL);
    let r = env.step(ZERO_ACTION);
    assert.equal(r.constraint, 1);
    assert.equal(r.done, false);
    for (let i = 1; i < 1000; i++) r = env.step(ZERO_ACTION);
    assert.equal(r.truncated, true);
    assert.equal(r.info.step, 1000);
    assert.throws(() => env.step(ZERO_ACTION), SimInputError);
  });

  it('rejects bad actions, bad states and use after close with SimInputError', async () => {
    const env = await make(params(3));
    assert.throws(() => env.step(ZERO_ACTION), /before reset/);
    env.reset();
    assert.throws(() => env.step([0, 0, 0]), /3 entries, expected 8/);
    assert.throws(() => env.step([0, 0, 0, NaN, 0, 0, 0, 0]), /action\[3\] is NaN/);
    assert.throws(() => env.setState(INIT_QPOS.slice(1), ZERO_QVEL), /qpos must have 15 entries/);
    assert.throws(() => env.setState(INIT_QPOS, [...ZERO_QVEL.slice(1), Infinity]), /qvel\[13\] is Infinity/);
    env.close();
    opened.splice(opened.indexOf(env), 1);
    assert.throws(() => env.reset(), SimInputError);
  });

  it('rejects invalid parameters, naming the bad value', async () => {
    for (const bad of [4, -1, 1.5, NaN]) {
      await assert.rejects(AntEnv.create(params(bad)), (e: unknown) => e instanceof SimInputError && e.message.includes(String(bad)));
    }
    await assert.rejects(antDisabled.make({ domain: 'ant-disabled', disabledLeg: '2' as unknown as number }), /got 2/);
    await assert.rejects(antDisabled.make({ domain: 'ant-disabled', disabledLeg: 0, timestep: 0.05 as 0.01 }), /timestep .* got 0.05/);
    await assert.rejects(antDisabled.make({ domain: 'cartpole-length', poleLength: 1 }), SimInputError);
  });

  it('describes the distribution: train legs 0, 1, 2, test leg 3', async () => {
    assert.equal(antDisabled.id, 'ant-disabled');
    assert.deepEqual(
      [antDisabled.observationSize, antDisabled.actionSize, antDisabled.horizon, antDisabled.trainEnvCount],
      [43, 8, 1000, 3],
    );
    assert.deepEqual(antDisabled.datasetSizes, { trainPerEnv: 400_000, test: 40_000 });
    const set = antDisabled.sampleEnvironments(new Rng(0));
    assert.deepEqual(set.train.map((p) => (p.domain === 'ant-disabled' ? p.disabledLeg : -1)), [0, 1, 2]);
    assert.deepEqual(set.test, { domain: 'ant-disabled', disabledLeg: 3 });
    assert.equal(antDisabled.describe(set.test), 'leg 3 (hip_4/ankle_4) disabled');
    assert.equal(antDisabled.describe(params(null, 0.02)), 'no leg disabled, dt 0.02 s');
    const env = await antDisabled.make(set.test, { seed: 1 });
    try {
      assert.equal(env.domain, 'ant-disabled');
      assert.deepEqual(env.params, set.test);
      assert.equal(env.reset().length, 43);
    } finally {
      env.close();
    }
  });
});
