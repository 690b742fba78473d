/**
 * The ROS 2 messages the node reads and writes, as plain objects with ROS 2's field names.
 * rclnodejs generates its message types only on a machine with ROS 2, so the node keeps its own;
 * a test pins them to ROS 2's definitions through CDR round trips.
 */

export const MSG = {
  twist: 'geometry_msgs/msg/Twist',
  twistStamped: 'geometry_msgs/msg/TwistStamped',
  float64MultiArray: 'std_msgs/msg/Float64MultiArray',
  jointState: 'sensor_msgs/msg/JointState',
  odometry: 'nav_msgs/msg/Odometry',
  string: 'std_msgs/msg/String',
  float64: 'std_msgs/msg/Float64',
  bool: 'std_msgs/msg/Bool',
  diagnosticArray: 'diagnostic_msgs/msg/DiagnosticArray',
  setBool: 'std_srvs/srv/SetBool',
} as const;

/** builtin_interfaces/msg/Time */
export interface Time {
  sec: number;
  nanosec: number;
}

export interface Header {
  stamp: Time;
  frame_id: string;
}

export interface Vector3 {
  x: number;
  y: number;
  z: number;
}

export interface Twist {
  linear: Vector3;
  angular: Vector3;
}

export interface TwistStamped {
  header: Header;
  twist: Twist;
}

export interface MultiArrayDimension {
  label: string;
  size: number;
  stride: number;
}

export interface Float64MultiArray {
  layout: { dim: MultiArrayDimension[]; data_offset: number };
  /** A Float64Array from rclnodejs (typed arrays are on by default), a plain array from other sources. */
  data: ArrayLike<number>;
}

export interface JointState {
  header: Header;
  name: string[];
  position: ArrayLike<number>;
  velocity: ArrayLike<number>;
  effort: ArrayLike<number>;
}

export interface Quaternion {
  x: number;
  y: number;
  z: number;
  w: number;
}

export interface Odometry {
  header: Header;
  child_frame_id: string;
  pose: { pose: { position: Vector3; orientation: Quaternion }; covariance: ArrayLike<number> };
  twist: { twist: Twist; covariance: ArrayLike<number> };
}

/** std_msgs/msg/String */
export interface StringMessage {
  data: string;
}

/** std_msgs/msg/Bool */
export interface BoolMessage {
  data: boolean;
}

/** std_msgs/msg/Float64 */
export interface Float64Message {
  data: number;
}

export interface KeyValue {
  key: string;
  value: string;
}

/** The levels of diagnostic_msgs/msg/DiagnosticStatus. */
export const DiagnosticLevel = { OK: 0, WARN: 1, ERROR: 2, STALE: 3 } as const;
export type DiagnosticLevel = (typeof DiagnosticLevel)[keyof typeof DiagnosticLevel];

export interface DiagnosticStatus {
  level: DiagnosticLevel;
  name: string;
  message: string;
  hardware_id: string;
  values: KeyValue[];
}

export interface DiagnosticArray {
  header: Header;
  status: DiagnosticStatus[];
}

/** std_srvs/srv/SetBool */
export interface SetBoolRequest {
  data: boolean;
}

export interface SetBoolResponse {
  success: boolean;
  message: string;
}
