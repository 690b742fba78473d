import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MSG, MappingError, commandMapping, stateMapping, type Float64MultiArray, type JointState, type Odometry, type Twist, type TwistStamped } from '../../ros/index.js';
import type { DecodeResult } from '../../runtime/transport/index.js';

const STAMP = { sec: 1_700_000_000, nanosec: 250_000_000 };
const STAMP_NS = 1_700_000_000_250_000_000;
const header = (stamp = STAMP) => ({ stamp, frame_id: 'base_link' });

function odometry(x: number, y: number, yawRad: number, stamp = STAMP): Odometry {
  return {
    header: header(stamp),
    child_frame_id: 'base_link',
    pose: { pose: { position: { x, y, z: 0 }, orientation: { x: 0, y: 0, z: Math.sin(yawRad / 2), w: Math.cos(yawRad / 2) } }, covariance: new Float64Array(36) },
    twist: { twist: { linear: { x: 0.4, y: 0, z: 0 }, angular: { x: 0, y: 0, z: -0.2 } }, covariance: new Float64Array(36) },
  };
}

function jointState(names: string[], position: number[], velocity: number[] = []): JointState {
  return { header: header(), name: names, position: Float64Array.from(position), velocity: Float64Array.from(velocity), effort: [] };
}

const twist = (lx: number, az: number, ly = 0): Twist => ({ linear: { x: lx, y: ly, z: 0.7 }, angular: { x: 0, y: 0, z: az } });

function values(r: DecodeResult): { values: number[]; stampNs: number | null } {
  assert.ok(r.ok, r.ok ? '' : r.error);
  return { values: [...r.message.values], stampNs: r.message.stampNs };
}

function refused(r: DecodeResult): string {
  assert.ok(!r.ok, 'expected the message to be refused');
  return r.error;
}

describe('state mapping', () => {
  it('reads Odometry fields by path, the heading of the pose as yaw, and the header stamp', () => {
    const m = stateMapping(MSG.odometry, ['pose.pose.position.x', 'pose.pose.position.y', 'pose.pose.orientation.yaw', 'twist.twist.linear.x', 'twist.twist.angular.z']);
    const r = values(m.read(odometry(1.5, -2, 0.75)));
    assert.equal(r.stampNs, STAMP_NS);
    assert.deepEqual(r.values.map((v) => Math.round(v * 1e9) / 1e9), [1.5, -2, 0.75, 0.4, -0.2]);
  });

  it('reads JointState elements by joint name whatever the order of the names, or by index', () => {
    const m = stateMapping(MSG.jointState, ['position[elbow]', 'velocity[elbow]', 'position[0]']);
    assert.deepEqual(values(m.read(jointState(['shoulder', 'elbow'], [0.1, 0.2], [1, 2]))).values, [0.2, 2, 0.1]);
    assert.deepEqual(values(m.read(jointState(['elbow', 'shoulder'], [0.2, 0.1], [2, 1]))).values, [0.2, 2, 0.2]);
  });

  it('refuses a JointState that lacks a named joint or an element, saying which', () => {
    const m = stateMapping(MSG.jointState, ['position[elbow]', 'velocity[1]']);
    assert.match(refused(m.read(jointState(['shoulder'], [0.1], [1]))), /no joint named "elbow"/);
    assert.match(refused(m.read(jointState(['shoulder', 'elbow'], [0.1, 0.2]))), /velocity\[1\]: the message has 0 values/);
  });

  it('reads a Float64MultiArray by index and leaves it unstamped (the transport stamps it on arrival)', () => {
    const m = stateMapping(MSG.float64MultiArray, ['data[2]', 'data[0]']);
    const msg: Float64MultiArray = { layout: { dim: [], data_offset: 0 }, data: Float64Array.from([1, 2, 3]) };
    assert.deepEqual(values(m.read(msg)), { values: [3, 1], stampNs: null });
  });

  it('treats a zero header stamp as no stamp and refuses a stamp before the epoch', () => {
    const m = stateMapping(MSG.odometry, ['pose.pose.position.x']);
    assert.equal(values(m.read(odometry(1, 0, 0, { sec: 0, nanosec: 0 }))).stampNs, null);
    assert.match(refused(m.read(odometry(1, 0, 0, { sec: -5, nanosec: 0 }))), /before the epoch/);
  });

  it('refuses NaN and infinite values, naming the field', () => {
    const m = stateMapping(MSG.odometry, ['pose.pose.position.x', 'pose.pose.position.y']);
    assert.equal(refused(m.read(odometry(0, Number.NaN, 0))), 'pose.pose.position.y is NaN');
    assert.equal(refused(m.read(odometry(-Infinity, 0, 0))), 'pose.pose.position.x is -Infinity');
  });

  it('refuses a message of another shape instead of throwing', () => {
    const m = stateMapping(MSG.odometry, ['pose.pose.position.x']);
    assert.match(refused(m.read({ data: [1] })), /not a message of the configured type/);
  });

  it('rejects a field path the type does not have, naming the parameter element and the fields there are', () => {
    assert.throws(() => stateMapping(MSG.odometry, ['pose.pose.position.x', 'pose.position.y']), (e: Error) => {
      assert.ok(e instanceof MappingError);
      assert.match(e.message, /^state_fields\[1\]: nav_msgs\/msg\/Odometry has no number field "pose.position.y"; fields are pose\.pose\.position\.\{x,y,z\}/);
      return true;
    });
    assert.throws(() => stateMapping(MSG.jointState, ['name[0]']), /state_fields\[0\].*position\[i\], velocity\[i\] or effort\[i\]/);
    assert.throws(() => stateMapping(MSG.float64MultiArray, []), /state_fields: name at least one field/);
  });
});

describe('command mapping', () => {
  it('reads and writes a TwistStamped by its full field paths, passes the header through and zeroes the unmapped components', () => {
    const m = commandMapping(MSG.twistStamped, ['twist.linear.x', 'twist.angular.z']);
    const proposed: TwistStamped = { header: header(), twist: twist(0.5, -0.3, 0.2) };
    assert.deepEqual(values(m.read(proposed)), { values: [0.5, -0.3], stampNs: STAMP_NS });
    assert.deepEqual(m.headerOf(proposed), header());
    assert.deepEqual(m.write([0.25, 0.1], header()), { header: header(), twist: { linear: { x: 0.25, y: 0, z: 0 }, angular: { x: 0, y: 0, z: 0.1 } } });
  });

  it('reads and writes a Twist, which has no header (the transport stamps it on arrival)', () => {
    const m = commandMapping(MSG.twist, ['linear.y', 'linear.x']);
    assert.deepEqual(values(m.read(twist(0.5, 0, 0.2))), { values: [0.2, 0.5], stampNs: null });
    assert.equal(m.headerOf(twist(0, 0)), null);
    assert.deepEqual(m.write([1, 2], header()), { linear: { x: 2, y: 1, z: 0 }, angular: { x: 0, y: 0, z: 0 } });
  });

  it('refuses a NaN or infinite proposal, naming the field', () => {
    const m = commandMapping(MSG.twist, ['linear.x', 'angular.z']);
    assert.equal(refused(m.read(twist(Number.NaN, 0))), 'linear.x is NaN');
    assert.equal(refused(m.read(twist(0, Infinity))), 'angular.z is Infinity');
  });

  it('gates a Float64MultiArray command whole: every element mapped once, and a proposal of another length is refused', () => {
    const m = commandMapping(MSG.float64MultiArray, ['data[1]', 'data[0]']);
    const proposal = (data: number[]): Float64MultiArray => ({ layout: { dim: [], data_offset: 0 }, data });
    assert.deepEqual(values(m.read(proposal([3, 4]))).values, [4, 3]);
    assert.equal(refused(m.read(proposal([3, 4, 5]))), 'data has 3 values, the command mapping gates 2');
    assert.deepEqual(m.write([4, 3], header()), proposal([3, 4]));
    assert.throws(() => commandMapping(MSG.float64MultiArray, ['data[0]', 'data[2]']), /command_fields\[1\]: data\[2\] leaves an element unmapped/);
    assert.throws(() => commandMapping(MSG.float64MultiArray, ['data[0]', 'data[0]']), /command_fields\[1\]: "data\[0\]" is already command_fields\[0\]/);
  });

  it('rejects Twist paths on a TwistStamped (fields are named as ros2 topic echo shows them) and duplicate fields', () => {
    assert.throws(() => commandMapping(MSG.twistStamped, ['linear.x']), /command_fields\[0\]: geometry_msgs\/msg\/TwistStamped has no number field "linear.x"; fields are twist\.\{linear,angular\}\.\{x,y,z\}/);
    assert.throws(() => commandMapping(MSG.twist, ['angular.z', 'angular.z']), /already command_fields\[0\]/);
  });
});
