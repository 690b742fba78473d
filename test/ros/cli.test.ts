import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../sim/index.js';

const rclnodejsInstalled = await import('rclnodejs' as string).then(
  () => true,
  () => false,
);

/** Runs a built script with an environment of our choosing (ROS variables removed unless given). */
function run(script: string[], args: string[], rosEnv: Record<string, string> = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ROS_')));
  const r = spawnSync(process.execPath, [join(packageRoot(), 'dist', ...script), ...args], { encoding: 'utf8', env: { ...env, ...rosEnv }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mesa-shield ros without ROS 2', () => {
  it('exits 2 with one message saying that a sourced ROS 2 and rclnodejs are needed and how to get them', () => {
    const r = run(['cli', 'main.js'], ['ros', '--ros-args', '-p', 'bundle:=models/navigation1-mesa']);
    assert.equal(r.status, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^mesa-shield: the ROS 2 node needs a sourced ROS 2 \(Humble or newer\) and an installed rclnodejs: no ROS 2 is sourced \(ROS_DISTRO is not set\)\. Install ROS 2 .*npm install rclnodejs/);
  });

  it('says rclnodejs is missing when ROS 2 is sourced but rclnodejs is not installed', { skip: rclnodejsInstalled ? 'rclnodejs is installed here' : false }, () => {
    const r = run(['ros', 'main.js'], ['--ros-args'], { ROS_DISTRO: 'jazzy', ROS_VERSION: '2' });
    assert.equal(r.status, 2);
    assert.match(r.stderr.trim(), /^mesa_shield: the ROS 2 node needs .*: rclnodejs is not installed\./);
  });

  it('describes itself and its ROS arguments under --help', () => {
    const r = run(['cli', 'main.js'], ['ros', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /ROS 2 lifecycle node mesa_shield/);
    assert.match(r.stdout, /--params-file launch\/params\.yaml/);
  });
});
