/**
 * Contract test: the node against the fake of the rclnodejs surface it uses
 * (test/support/fake-rclnodejs.ts), with a real shield on a bundle of known risk: risk =
 * sigmoid(10 relu(a0) - 5), eps 0.3, recovery action (0.5, 0.5), neutral action (0, -0.25).
 * What it shows is the node's behaviour on the ROS side; that rclnodejs behaves like the fake is
 * checked only by the end-to-end test, on a machine with ROS 2.
 */
import assert from 'node:assert/strict';
import { before, describe, it, type TestContext } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autostartShieldNode, composeRuntime, startShieldNode, type RuntimeBuilder, type TwistStamped } from '../../ros/index.js';
import { RecordingGate, ShieldStats, type OnlineTransition, type ShieldModels } from '../../runtime/index.js';
import { readTransitionLog } from '../../runtime/log/index.js';
import { FakeRclnodejs, type FakeLifecycleNode } from '../support/fake-rclnodejs.js';
import { gateBundle } from '../support/gate-bundle.js';

const T0 = 1_700_000_000_000_000_000n;
const MS = 1_000_000n;
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const time = (ns: bigint) => ({ sec: Number(ns / 1_000_000_000n), nanosec: Number(ns % 1_000_000_000n) });

function odom(node: FakeLifecycleNode, x: number, y: number, stampNs = node.clockNs) {
  return {
    header: { stamp: time(stampNs), frame_id: 'odom' },
    child_frame_id: 'base_link',
    pose: { pose: { position: { x, y, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } }, covariance: new Array(36).fill(0) },
    twist: { twist: { linear: { x: 0, y: 0, z: 0 }, angular: { x: 0, y: 0, z: 0 } }, covariance: new Array(36).fill(0) },
  };
}

function command(node: FakeLifecycleNode, vx: number, vy: number, stampNs = node.clockNs): TwistStamped {
  return { header: { stamp: time(stampNs), frame_id: 'base_link' }, twist: { linear: { x: vx, y: vy, z: 0 }, angular: { x: 0, y: 0, z: 0 } } };
}

const planar = (m: unknown) => {
  const t = (m as TwistStamped).twist.linear;
  return [Math.round(t.x * 1e6) / 1e6, Math.round(t.y * 1e6) / 1e6];
};

describe('mesa_shield node (contract test against a fake rclnodejs)', () => {
  let bundle = '';
  before(async () => {
    bundle = await gateBundle();
  });

  async function started(ctx: TestContext, overrides: Record<string, unknown> = {}, buildRuntime: RuntimeBuilder = composeRuntime) {
    const rcl = new FakeRclnodejs({ bundle, engine: 'typescript', state_fields: ['pose.pose.position.x', 'pose.pose.position.y'], command_fields: ['twist.linear.x', 'twist.linear.y'], ...overrides }, T0);
    const node = new rcl.lifecycle.LifecycleNode('mesa_shield') as FakeLifecycleNode;
    const { shieldNode, autostart } = await startShieldNode(rcl, node, buildRuntime);
    let closed: ReturnType<NonNullable<typeof shieldNode.runtime>['close']> | undefined;
    const close = () => (closed ??= shieldNode.runtime?.close());
    ctx.after(close);
    if (autostart) autostartShieldNode(node, shieldNode);
    /** Proposes a command (the state first, when given) and lets the decision finish. */
    const propose = async (vx: number, vy: number, state: [number, number] | null = [0, 0]) => {
      if (state) node.deliver('odom', odom(node, ...state));
      node.deliver('cmd_vel_in', command(node, vx, vy));
      await settle();
    };
    const json = () => node.publisher('~/state').messages.map((m) => JSON.parse((m as { data: string }).data));
    return { rcl, node, shieldNode, propose, close, out: node.publisher('cmd_vel_out').messages, json };
  }

  it('passes a low-risk command with its own stamp and replaces a high-risk one with the recovery action, stamped now', async (ctx) => {
    const { node, propose, out, json } = await started(ctx);
    assert.equal(node.state, 'active');
    const proposedAt = node.clockNs - 3n * MS;
    node.deliver('odom', odom(node, 1, 2));
    node.deliver('cmd_vel_in', command(node, 0.1, -0.2, proposedAt));
    await settle();
    assert.deepEqual(planar(out[0]), [0.1, -0.2]);
    assert.deepEqual((out[0] as TwistStamped).header, { stamp: time(proposedAt), frame_id: 'base_link' }, 'the exact stamp and frame of the proposal');
    node.clockNs += 5n * MS;
    await propose(0.9, 0);
    assert.deepEqual(planar(out[1]), [0.5, 0.5]);
    const stamp = (out[1] as TwistStamped).header.stamp;
    const lag = node.clockNs - (BigInt(stamp.sec) * 1_000_000_000n + BigInt(stamp.nanosec));
    assert.ok(lag >= -256n && lag <= 256n, `stamped ${lag} ns from now (the node holds ROS time to 256 ns)`);
    const risks = node.publisher('~/risk').messages.map((m) => (m as { data: number }).data);
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    assert.ok(Math.abs(risks[0] - sigmoid(-4)) < 1e-6 && Math.abs(risks[1] - sigmoid(4)) < 1e-6, `risks ${risks}`);
    assert.deepEqual(
      json().map((s) => [s.source, s.reason]),
      [
        [null, null],
        ['task', 'risk-acceptable'],
        ['recovery', 'risk-too-high'],
      ],
      'the state topic on activation and on each change',
    );
    assert.equal(node.publisher('cmd_vel_out').qos, 'qos_profile_default');
    assert.equal(node.subscriptions.find((s) => s.topic === 'odom')?.qos, 'qos_profile_sensor_data');
  });

  it('falls back on a missing or stale state and on a NaN command, and says so in /diagnostics at 1 Hz', async (ctx) => {
    const { node, propose, out } = await started(ctx, { stop_pub_timeout_s: 10 });
    await propose(0.1, 0, null);
    assert.deepEqual(planar(out[0]), [0, -0.25], 'no state: the recovery policy cannot run, the neutral action holds');
    node.deliver('odom', odom(node, 0, 0, node.clockNs - 150n * MS));
    await propose(0.1, 0, null);
    assert.deepEqual(planar(out[1]), [0, -0.25], 'a state older than max_state_age_ms');
    await node.advance(1000n * MS, settle);
    let diag = node.publisher('/diagnostics').messages.at(-1) as { status: { level: number; name: string; message: string; values: { key: string; value: string }[] }[] };
    assert.equal(diag.status[0].name, 'mesa_shield: shield');
    assert.equal(diag.status[0].level, 2);
    assert.match(diag.status[0].message, /no usable robot state \(state-stale\)/);
    node.deliver('odom', odom(node, 0, 0));
    node.deliver('cmd_vel_in', command(node, Number.NaN, 0));
    await settle();
    assert.deepEqual(planar(out[2]), [0.5, 0.5], 'a NaN command with a usable state: the recovery policy acts');
    await node.advance(1000n * MS, settle);
    diag = node.publisher('/diagnostics').messages.at(-1) as typeof diag;
    assert.equal(diag.status[0].level, 1);
    assert.match(diag.status[0].message, /no usable command \(command-invalid\)/);
    assert.equal(diag.status[0].values.find((v) => v.key === 'invalid_command')?.value, '1');
    assert.ok(node.logs.some((l) => l.level === 'warn' && l.message.includes('linear.x is NaN')), 'the refused command is logged');
  });

  it('after a stop publishes the neutral command for stop_pub_timeout_s, then stays quiet until a command that moves', async (ctx) => {
    const { node, propose, out, json } = await started(ctx, { fallback: 'hold' });
    for (let i = 0; i < 20; i++) {
      await propose(0.1, 0, null);
      node.clockNs += 100n * MS;
    }
    assert.equal(out.length, 11, 'stops at 0, 0.1 … 1.0 s, then nothing');
    assert.ok(out.every((m) => planar(m).join() === '0,-0.25'));
    assert.equal(json().at(-1).quiet, true);
    assert.ok(node.logs.some((l) => l.message.includes('quiet until a command that moves')));
    await propose(0.1, 0);
    assert.equal(out.length, 12);
    assert.deepEqual(planar(out[11]), [0.1, 0]);
    assert.equal(json().at(-1).quiet, false);
  });

  it('~/toggle bypasses the shield for max_bypass_s, after which it gates by itself; enabling ends a bypass at once', async (ctx) => {
    const { node, propose, out, json } = await started(ctx, { max_bypass_s: 2.0 });
    const off = node.callSetBool('~/toggle', false);
    assert.equal(off.success, true);
    assert.match(off.message, /bypassed for 2 s/);
    assert.equal(json().at(-1).bypass_remaining_s, 2);
    await propose(0.9, 0);
    assert.deepEqual(planar(out[0]), [0.9, 0], 'a high-risk command passes while bypassed');
    assert.equal(json().at(-1).reason, 'shield-bypassed');
    await node.advance(1000n * MS, settle);
    const diag = node.publisher('/diagnostics').messages.at(-1) as { status: { level: number; message: string }[] };
    assert.equal(diag.status[0].level, 1);
    assert.match(diag.status[0].message, /bypassed: commands pass unchecked for another 1 s/);
    await node.advance(1500n * MS, settle);
    assert.ok(node.logs.some((l) => l.message.includes('the bypass expired')));
    await propose(0.9, 0);
    assert.deepEqual(planar(out[1]), [0.5, 0.5], 'gated again');
    node.callSetBool('~/toggle', false);
    assert.equal(node.callSetBool('~/toggle', true).success, true);
    await propose(0.9, 0);
    assert.deepEqual(planar(out[2]), [0.5, 0.5]);
  });

  it('deactivate publishes the neutral command once and stops gating; toggling needs an active node; activate gates again', async (ctx) => {
    const { node, propose, out } = await started(ctx);
    await propose(0.1, 0);
    node.deactivate();
    assert.equal(node.state, 'inactive');
    assert.equal(out.length, 2);
    assert.deepEqual(planar(out[1]), [0, -0.25]);
    await propose(0.1, 0);
    assert.equal(out.length, 2, 'nothing is gated while inactive');
    assert.deepEqual(node.callSetBool('~/toggle', false), { success: false, message: 'the shield node is not active' });
    await node.advance(3000n * MS, settle);
    assert.equal(node.publisher('/diagnostics').messages.length, 0, 'no status timers while inactive');
    node.activate();
    await propose(0.1, 0);
    assert.deepEqual(planar(out[2]), [0.1, 0]);
    node.shutdown();
    assert.equal(node.state, 'finalized');
    assert.deepEqual(planar(out[3]), [0, -0.25], 'shutting down an active node deactivates it first');
    assert.deepEqual([node.publishers.length, node.subscriptions.length, node.services.size, node.timers.length], [0, 0, 0, 0], 'everything configure made is released');
  });

  it('with tick rate decides on a timer with the latest inputs, not on each command', async (ctx) => {
    const { node, out } = await started(ctx, { tick: 'rate', rate_hz: 20.0 });
    node.deliver('odom', odom(node, 0, 0));
    node.deliver('cmd_vel_in', command(node, 0.1, 0.2));
    await settle();
    assert.equal(out.length, 0);
    await node.advance(50n * MS, settle);
    assert.equal(out.length, 1);
    assert.deepEqual(planar(out[0]), [0.1, 0.2]);
  });

  it('fails configure with the reason when the bundle does not load or does not fit the fields; autostart reports it', async (ctx) => {
    for (const [overrides, reason] of [
      [{ bundle: '/nonexistent/bundle' }, /nonexistent\/bundle/],
      [{ state_fields: ['pose.pose.position.x', 'pose.pose.position.y', 'pose.pose.orientation.yaw'] }, /state_fields names 3 field\(s\); the bundle .* takes an observation of 2/],
      [{ eps_safe: 1n }, /eps_safe: Invalid value/],
    ] as const) {
      const rcl = new FakeRclnodejs({ bundle, engine: 'typescript', state_fields: ['pose.pose.position.x', 'pose.pose.position.y'], command_fields: ['twist.linear.x', 'twist.linear.y'], ...overrides });
      const node = new rcl.lifecycle.LifecycleNode('mesa_shield') as FakeLifecycleNode;
      const { shieldNode } = await startShieldNode(rcl, node);
      ctx.after(() => shieldNode.runtime?.close());
      assert.throws(() => autostartShieldNode(node, shieldNode), reason);
      assert.equal(node.state, 'unconfigured');
      assert.ok(node.logs.some((l) => l.level === 'error' && reason.test(l.message)));
    }
  });

  it('declares every parameter read-only with its accepted values, and warns about overrides it does not declare', async (ctx) => {
    const { node } = await started(ctx, { eps_saf: 0.2 });
    assert.equal(node.descriptors.get('fallback')?.readOnly, true);
    assert.equal(node.descriptors.get('fallback')?.additionalConstraints, 'one of: recovery, hold, passthrough');
    assert.ok(node.logs.some((l) => l.level === 'warn' && l.message.includes('"eps_saf"')));
  });

  it('records every decision to the transition log, as the MQTT service does', async (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), 'mesa-ros-log-'));
    const { node, propose, close } = await started(ctx, { 'log.dir': dir });
    await propose(0.1, 0.2, [1, 2]);
    node.clockNs += 20n * MS;
    await propose(0.9, 0, [1.5, 2]);
    node.shutdown();
    const logged = await close();
    assert.equal(logged?.written, 2);
    const { records } = await readTransitionLog(logged!.files[0]);
    assert.deepEqual(
      records.map((r) => [[...r.observation], [...r.proposed], [...r.applied].map((a) => Math.round(a * 1e6) / 1e6), r.source, r.tNs]),
      [
        [[1, 2], [0.1, 0.2], [0.1, 0.2], 'task', Number(T0)],
        [[1.5, 2], [0.9, 0], [0.5, 0.5], 'recovery', Number(T0 + 20n * MS)],
      ],
    );
  });

  it('hands transitions, with the violations constraint_topic reports, to online adaptation and gates with the models it swaps in; an inference error gives the fallback', async (ctx) => {
    const transitions: OnlineTransition[] = [];
    const adaptation = { record: (t: OnlineTransition) => transitions.push({ ...t, obs: Array.from(t.obs), action: Array.from(t.action), nextObs: Array.from(t.nextObs) }), flush: () => {} };
    const withAdaptation: RuntimeBuilder = async (config, log) => {
      const runtime = await composeRuntime(config, log);
      return { ...runtime, gate: new RecordingGate(runtime.shield, new ShieldStats(), null, adaptation) };
    };
    const { node, shieldNode, propose, out } = await started(ctx, { constraint_topic: '/bumper' }, withAdaptation);
    node.deliver('/bumper', { data: false });
    await propose(0.1, 0.2, [0, 0]);
    node.clockNs += 20n * MS;
    await propose(0.1, 0.2, [0.1, 0.2]);
    node.clockNs += 20n * MS;
    node.deliver('/bumper', { data: true });
    await propose(0.9, 0, [0.2, 0.4]);
    assert.deepEqual(transitions, [
      { obs: [0, 0], action: [0.1, 0.2], nextObs: [0.1, 0.2], constraint: 0, done: false },
      { obs: [0.1, 0.2], action: [0.1, 0.2], nextObs: [0.2, 0.4], constraint: 1, done: true },
    ]);
    const shield = shieldNode.runtime!.shield;
    const adapted: ShieldModels = { ...shield.models!, risk: () => 0.99, recover: (_o, a) => void a.fill(-0.75), release: async () => {} };
    shield.swapModels(adapted);
    await propose(0.1, 0.2);
    assert.deepEqual(planar(out[3]), [-0.75, -0.75]);
    const failing: ShieldModels = { ...adapted, risk: () => { throw new Error('session lost'); }, recover: () => { throw new Error('session lost'); } };
    shield.swapModels(failing);
    await propose(0.1, 0.2);
    assert.deepEqual(planar(out[4]), [0, -0.25], 'an inference error: the runtime\'s fallback (neutral, as the recovery policy fails too)');
    await node.advance(1000n * MS, settle);
    const diag = node.publisher('/diagnostics').messages.at(-1) as { status: { level: number; message: string }[] };
    assert.equal(diag.status[0].level, 2);
    assert.match(diag.status[0].message, /cannot evaluate the risk \(inference-error\)/);
  });
});
