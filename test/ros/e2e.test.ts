/**
 * End to end over a real ROS 2: a publisher node sends odometry and TwistStamped commands, the
 * shield runs as its own process (`node dist/ros/main.js --ros-args --params-file …`, as a
 * launch file starts it) and a subscriber reads what it applies. It runs when a ROS 2 is sourced
 * and rclnodejs loads, and reports itself skipped with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MSG, loadRclnodejs, type RclNode, type Rclnodejs, type TwistStamped } from '../../ros/index.js';
import { packageRoot } from '../../sim/index.js';
import { gateBundle } from '../support/gate-bundle.js';

const availability = await loadRclnodejs().then(
  (rcl) => ({ rcl, skip: false as const }),
  (e: Error) => ({ rcl: null, skip: e.message }),
);

/** The one export beyond the node's surface that the test's peer uses: a plain node. */
type WithPlainNode = Rclnodejs & { readonly Node: new (name: string) => RclNode & { destroy(): void } };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ROS 2 end to end: publisher -> mesa_shield process -> subscriber', () => {
  it('gates TwistStamped commands between ROS 2 nodes and publishes the neutral command when stopped', { skip: availability.skip }, async (ctx) => {
    const rcl = availability.rcl as WithPlainNode;
    const id = `${process.pid}_${Date.now() % 100000}`;
    const topics = { odom: `/e2e_${id}/odom`, cmdIn: `/e2e_${id}/cmd_in`, cmdOut: `/e2e_${id}/cmd_out` };
    const paramsFile = join(mkdtempSync(join(tmpdir(), 'mesa-e2e-')), 'params.yaml');
    writeFileSync(
      paramsFile,
      [
        '/**:',
        '  ros__parameters:',
        `    bundle: ${await gateBundle()}`,
        '    engine: typescript',
        `    state_topic: ${topics.odom}`,
        '    state_fields: [pose.pose.position.x, pose.pose.position.y]',
        `    command_in_topic: ${topics.cmdIn}`,
        `    command_out_topic: ${topics.cmdOut}`,
        '    command_fields: [twist.linear.x, twist.linear.y]',
        '    max_state_age_ms: 500.0',
        '    max_command_age_ms: 500.0',
        '',
      ].join('\n'),
    );
    const shield = spawn(process.execPath, [join(packageRoot(), 'dist', 'ros', 'main.js'), '--ros-args', '--params-file', paramsFile, '-r', `__node:=mesa_shield_${id}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    shield.stdout.on('data', (d) => (output += d));
    shield.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => shield.on('exit', resolve));
    ctx.after(() => shield.kill('SIGKILL'));

    await rcl.init();
    const peer = new rcl.Node(`e2e_peer_${id}`);
    ctx.after(() => {
      peer.destroy();
      rcl.shutdown();
    });
    const qos = { qos: rcl.QoS.profileDefault };
    const odom = peer.createPublisher(MSG.odometry, topics.odom, qos);
    const cmd = peer.createPublisher(MSG.twistStamped, topics.cmdIn, qos);
    const applied: TwistStamped[] = [];
    peer.createSubscription(MSG.twistStamped, topics.cmdOut, qos, (m) => applied.push(m as TwistStamped));
    peer.spin();

    const stamp = () => {
      const ns = peer.now().nanoseconds;
      return { sec: Number(ns / 1_000_000_000n), nanosec: Number(ns % 1_000_000_000n) };
    };
    const propose = (vx: number) => {
      odom.publish({
        header: { stamp: stamp(), frame_id: 'odom' },
        child_frame_id: 'base_link',
        pose: { pose: { position: { x: 0, y: 0, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } }, covariance: new Array(36).fill(0) },
        twist: { twist: { linear: { x: 0, y: 0, z: 0 }, angular: { x: 0, y: 0, z: 0 } }, covariance: new Array(36).fill(0) },
      });
      cmd.publish({ header: { stamp: stamp(), frame_id: 'base_link' }, twist: { linear: { x: vx, y: 0.2, z: 0 }, angular: { x: 0, y: 0, z: 0 } } });
    };
    const near = (m: TwistStamped, x: number, y: number) => Math.abs(m.twist.linear.x - x) < 1e-6 && Math.abs(m.twist.linear.y - y) < 1e-6;
    const until = async (what: string, done: () => boolean, vx: number | null) => {
      for (let waited = 0; !done(); waited += 50) {
        assert.ok(waited < 30_000, `${what}: nothing after 30 s; the shield process said:\n${output}`);
        if (vx !== null) propose(vx);
        await sleep(50);
      }
    };

    await until('a low-risk command passes', () => applied.some((m) => near(m, 0.1, 0.2)), 0.1);
    await until('a high-risk command is replaced by the recovery action', () => applied.some((m) => near(m, 0.5, 0.5)), 0.9);
    const before = applied.length;
    shield.kill('SIGINT');
    await until('the neutral command on shutdown', () => applied.slice(before).some((m) => near(m, 0, -0.25)), null);
    assert.equal(await exited, 0, output);
  });
});
