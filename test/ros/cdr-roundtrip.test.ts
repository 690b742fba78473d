/**
 * The node's message types against ROS 2's own definitions (Humble and Jazzy, from
 * @foxglove/rosmsg-msgs-common), through real CDR bytes as a ROS 2 middleware carries them:
 * - every message the node publishes has exactly the fields of its ROS 2 type, and survives
 *   serialization and deserialization unchanged;
 * - messages serialized from ROS 2 definitions and deserialized as a subscriber gets them (typed
 *   arrays for number arrays) are read by the node's mappings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from '@foxglove/rosmsg';
import { ros2humble, ros2jazzy } from '@foxglove/rosmsg-msgs-common';
import { MessageReader, MessageWriter } from '@foxglove/rosmsg2-serialization';
import {
  DiagnosticLevel,
  MSG,
  commandMapping,
  diagnosticsMessage,
  shieldStateMessage,
  stateMapping,
  type NodeStatus,
} from '../../ros/index.js';
import { ShieldStats } from '../../runtime/index.js';

type Common = typeof ros2humble;
type MessageDefinition = ReturnType<typeof parse>[number];

/** `geometry_msgs/msg/Twist` -> the definition and its dependencies, root first. */
function definitions(set: Common, type: string): MessageDefinition[] {
  const key = (t: string) => t.replace('/msg/', '/') as keyof Common;
  const root = set[key(type)] as MessageDefinition;
  const found = new Map<string, MessageDefinition>();
  const visit = (d: MessageDefinition) => {
    for (const f of d.definitions) {
      if (!f.isComplex || found.has(f.type)) continue;
      const dep = set[key(f.type)] as MessageDefinition;
      found.set(f.type, dep);
      visit(dep);
    }
  };
  visit(root);
  return [root, ...found.values()];
}

/** Typed arrays as plain arrays, so that what was written and what was read compare equal. */
function plain(x: unknown): unknown {
  if (ArrayBuffer.isView(x)) return Array.from(x as Float64Array);
  if (Array.isArray(x)) return x.map(plain);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
}

/** Asserts that `value` has exactly the (non-constant) fields of `typeName`, recursively. */
function assertShape(defs: MessageDefinition[], typeName: string | undefined, value: unknown, where: string): void {
  const def = typeName === undefined ? defs[0] : defs.find((d) => d.name === typeName);
  assert.ok(def, `${where}: no definition of ${typeName}`);
  const fields = def.definitions.filter((f) => !f.isConstant);
  const object = value as Record<string, unknown>;
  assert.deepEqual(Object.keys(object).sort(), fields.map((f) => f.name).sort(), `${where}: the fields of ${def.name}`);
  for (const f of fields) {
    const v = object[f.name];
    if (f.type === 'time') assert.deepEqual(Object.keys(v as object).sort(), ['nanosec', 'sec'], `${where}.${f.name}`);
    else if (f.isComplex && f.isArray) (v as unknown[]).forEach((e, i) => assertShape(defs, f.type, e, `${where}.${f.name}[${i}]`));
    else if (f.isComplex) assertShape(defs, f.type, v, `${where}.${f.name}`);
    else if (f.isArray) assert.ok(Array.isArray(v) || ArrayBuffer.isView(v), `${where}.${f.name} is an array`);
    else assert.equal(typeof v, f.type === 'string' ? 'string' : f.type === 'bool' ? 'boolean' : 'number', `${where}.${f.name}`);
  }
}

function roundTrip(defs: MessageDefinition[], message: unknown): unknown {
  const bytes = new MessageWriter(defs).writeMessage(message);
  return new MessageReader(defs).readMessage(bytes);
}

const STAMP = { sec: 1_700_000_123, nanosec: 456_789_000 };
const header = { stamp: STAMP, frame_id: 'base_link' };

const status: NodeStatus = {
  status: { online: true, source: 'recovery', risk: 0.82, threshold: 0.3, reason: 'risk-too-high', ticks: 10, interventions: 3, fallbacks: 1, invalidInputs: 0, gateErrors: 0, stampNs: 0 },
  transport: { ticks: 10, interventions: 3, fallbacks: 1, invalidState: 0, invalidProposed: 0, gateErrors: 0, superseded: 0, droppedOffline: 0 },
  stats: new ShieldStats().snapshot(),
  transitionLog: { appended: 10, written: 10, dropped: 0, files: ['logs/transitions-20261125T101500.123Z-0.mcap'] },
  bypassRemainingS: null,
  quiet: false,
  newGateErrors: 0,
  bundle: 'models/navigation1-mesa',
};

/** What the node publishes, one of each, by ROS 2 type. */
const published: [string, unknown][] = [
  [MSG.twistStamped, commandMapping(MSG.twistStamped, ['twist.linear.x', 'twist.angular.z']).write([0.5, -0.25], header)],
  [MSG.twist, commandMapping(MSG.twist, ['linear.x', 'angular.z']).write([0.5, -0.25], header)],
  [MSG.float64MultiArray, commandMapping(MSG.float64MultiArray, ['data[1]', 'data[0]']).write([0.5, -0.25], header)],
  [MSG.string, shieldStateMessage(status)],
  [MSG.float64, { data: 0.82 }],
  [MSG.diagnosticArray, diagnosticsMessage(status, 'mesa_shield', STAMP)],
];

for (const [distro, set] of [
  ['Humble', ros2humble],
  ['Jazzy', ros2jazzy],
] as const) {
  describe(`messages as ROS 2 ${distro} serializes them (CDR)`, () => {
    for (const [type, message] of published) {
      it(`a ${type} the node publishes has the ROS 2 fields and round-trips unchanged`, () => {
        const defs = definitions(set, type);
        assertShape(defs, undefined, message, type);
        assert.deepEqual(plain(roundTrip(defs, message)), plain(message));
      });
    }

    it('the diagnostics carry the level as a DiagnosticStatus byte', () => {
      const read = roundTrip(definitions(set, MSG.diagnosticArray), published[5][1]) as { status: { level: number; name: string }[] };
      assert.equal(read.status[0].level, DiagnosticLevel.OK);
      assert.equal(read.status[0].name, 'mesa_shield: shield');
    });

    it('reads the state from Odometry and JointState messages decoded from CDR', () => {
      const odomDefs = definitions(set, MSG.odometry);
      const odom = roundTrip(odomDefs, {
        header,
        child_frame_id: 'base_link',
        pose: { pose: { position: { x: 1.25, y: -3, z: 0 }, orientation: { x: 0, y: 0, z: Math.sin(0.3), w: Math.cos(0.3) } }, covariance: new Float64Array(36) },
        twist: { twist: { linear: { x: 0.4, y: 0, z: 0 }, angular: { x: 0, y: 0, z: 0.1 } }, covariance: new Float64Array(36) },
      });
      const fromOdom = stateMapping(MSG.odometry, ['pose.pose.position.x', 'pose.pose.position.y', 'pose.pose.orientation.yaw', 'twist.twist.angular.z']).read(odom);
      assert.ok(fromOdom.ok);
      assert.deepEqual([...fromOdom.message.values].map((v) => Math.round(v * 1e9) / 1e9), [1.25, -3, 0.6, 0.1]);
      assert.equal(fromOdom.message.stampNs, 1_700_000_123_456_789_000);

      const joints = roundTrip(definitions(set, MSG.jointState), { header, name: ['wheel_left', 'wheel_right'], position: [1, 2], velocity: [0.5, -0.5], effort: [] });
      assert.ok(ArrayBuffer.isView((joints as { position: unknown }).position), 'float64[] arrives as a typed array');
      const fromJoints = stateMapping(MSG.jointState, ['velocity[wheel_right]', 'position[0]']).read(joints);
      assert.ok(fromJoints.ok);
      assert.deepEqual([...fromJoints.message.values], [-0.5, 1]);
    });

    it('reads proposed commands decoded from CDR', () => {
      const stamped = roundTrip(definitions(set, MSG.twistStamped), { header, twist: { linear: { x: 0.3, y: 0, z: 0 }, angular: { x: 0, y: 0, z: -0.2 } } });
      const fromStamped = commandMapping(MSG.twistStamped, ['twist.linear.x', 'twist.angular.z']).read(stamped);
      assert.ok(fromStamped.ok);
      assert.deepEqual([...fromStamped.message.values], [0.3, -0.2]);
      const array = roundTrip(definitions(set, MSG.float64MultiArray), { layout: { dim: [{ label: 'joints', size: 2, stride: 2 }], data_offset: 0 }, data: [0.1, 0.2] });
      const fromArray = commandMapping(MSG.float64MultiArray, ['data[0]', 'data[1]']).read(array);
      assert.ok(fromArray.ok);
      assert.deepEqual([...fromArray.message.values], [0.1, 0.2]);
    });
  });
}

describe('std_srvs/srv/SetBool (~/toggle) as ROS 2 serializes it', () => {
  // std_srvs is not among the common definitions; these are the request and response of SetBool.srv.
  const request = parse('bool data', { ros2: true });
  const response = parse('bool success\nstring message', { ros2: true });

  it('the request and response the toggle handler uses have the fields of SetBool and round-trip', () => {
    for (const [defs, message] of [
      [request, { data: false }],
      [response, { success: true, message: 'shield bypassed for 60 s' }],
    ] as const) {
      assertShape(defs, undefined, message, 'SetBool');
      assert.deepEqual(roundTrip(defs, message), message);
    }
  });
});
