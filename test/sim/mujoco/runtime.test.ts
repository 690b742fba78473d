import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../../sim/index.js';
import { MujocoSim, compileModel, loadMujoco, readAsset } from '../../../sim/mujoco/index.js';

const FULL = [1, 1, 1, 1, 1, 1];

async function cheetah(): Promise<MujocoSim> {
  const mj = await loadMujoco();
  return new MujocoSim(mj, compileModel(mj, readAsset('half_cheetah_disabled.xml'), 'runtime-test'));
}

function randomCtrl(rng: Rng): number[] {
  return Array.from({ length: 6 }, () => rng.uniformIn(-1, 1));
}

/** The contact test done the slow way: scan MuJoCo's whole contact list. */
function scanContacts(sim: MujocoSim, a: number, b: number): boolean {
  const list = sim.data.contact;
  let found = false;
  for (let i = 0; i < sim.data.ncon; i++) {
    const c = list.get(i)!;
    if ((c.geom1 === a && c.geom2 === b) || (c.geom1 === b && c.geom2 === a)) found = true;
    c.delete();
  }
  list.delete();
  return found;
}

describe('MujocoSim', () => {
  it('stepAndForward follows the mj_step + mj_forward trajectory exactly', async () => {
    const [fast, slow] = [await cheetah(), await cheetah()];
    const q = Float64Array.from({ length: 9 }, (_, i) => 0.01 * i);
    const v = Float64Array.from({ length: 9 }, (_, i) => 0.1 * (4 - i));
    fast.setState(q, v);
    slow.setState(q, v);
    const rng = new Rng(3);
    let touching = 0;
    for (let t = 0; t < 200; t++) {
      const ctrl = randomCtrl(rng);
      fast.stepAndForward(ctrl, 1);
      slow.step(ctrl, 1);
      slow.mj.mj_forward(slow.model, slow.data);
      assert.equal(fast.data.ncon, slow.data.ncon, `contacts at step ${t}`);
      touching += fast.data.ncon > 0 ? 1 : 0;
    }
    for (const field of ['qpos', 'qvel', 'subtree_com', 'geom_xpos', 'cvel'] as const) {
      assert.deepEqual(Array.from(fast.dataArray(field)), Array.from(slow.dataArray(field)), field);
    }
    assert.ok(touching > 150, `the robot lands and stands (${touching} steps with contacts)`);
    // A plain step mixed in must not leave stale kinematics for the next stepAndForward.
    fast.step([0, 0, 0, 0, 0, 0], 1);
    slow.step([0, 0, 0, 0, 0, 0], 1);
    fast.stepAndForward(FULL, 2);
    slow.step(FULL, 2);
    slow.mj.mj_forward(slow.model, slow.data);
    assert.deepEqual(Array.from(fast.dataArray('qpos')), Array.from(slow.dataArray('qpos')));
    fast.close();
    slow.close();
  });

  it('hasContact agrees with a full scan of the contact list for every geom pair', async () => {
    const sim = await cheetah();
    const ngeom = sim.model.ngeom;
    const rng = new Rng(5);
    sim.setState(new Float64Array(9), new Float64Array(9));
    let positives = 0;
    for (let t = 0; t < 300; t++) {
      // Coarse random torques tumble the robot, so many different pairs touch.
      const ctrl = randomCtrl(rng);
      for (let k = 0; k < 5; k++) sim.stepAndForward(ctrl, 1);
      for (let a = 0; a < ngeom; a++) {
        for (let b = a + 1; b < ngeom; b++) {
          const expected = scanContacts(sim, a, b);
          assert.equal(sim.hasContact(a, b), expected, `step ${t}, geoms ${a}/${b}`);
          assert.equal(sim.hasContact(b, a), expected);
          positives += expected ? 1 : 0;
        }
      }
    }
    assert.ok(positives > 100, `contacts exercised: ${positives}`);
    sim.close();
  });

  it('keeps cached array views in step with the data', async () => {
    const sim = await cheetah();
    sim.setState(new Float64Array(9), new Float64Array(9));
    const view = sim.dataArray('qpos');
    sim.step([1, 1, 1, 1, 1, 1], 3);
    assert.deepEqual(Array.from(view), Array.from(sim.data.qpos as Float64Array));
    assert.throws(() => sim.dataArray('ncon'), /not an array/);
    sim.close();
  });
});
