/**
 * The ROS 2 node (rclnodejs): a lifecycle node `mesa_shield` between a controller and the robot.
 * Everything else in `ros/` is internal.
 */
export { DiagnosticLevel, MSG } from './messages.js';
export type * from './messages.js';
export { COMMAND_TYPES, MappingError, STATE_TYPES, commandMapping, stateMapping } from './field-mapping.js';
export type { CommandMapping, CommandType, StateMapping, StateType } from './field-mapping.js';
export { QOS_PROFILES, SHIELD_NODE_PARAMETERS, defaultParameterValues, parseNodeParameters, undeclaredParameters } from './parameters.js';
export type { ParameterKind, ParameterSpec, ParameterValue, QosProfile, ShieldNodeConfig, ShieldNodeSettings } from './parameters.js';
export type * from './rclnodejs-api.js';
export { RosUnavailableError, loadRclnodejs, rosEnvironmentProblem } from './load-rclnodejs.js';
export { diagnosticsMessage, shieldStateMessage } from './status-messages.js';
export type { NodeStatus } from './status-messages.js';
export { ShieldNode } from './shield-node.js';
export type { PreparedShieldNode } from './shield-node.js';
export { NODE_NAME, autostartShieldNode, composeRuntime, runShieldNode, startShieldNode } from './run-node.js';
export type { RuntimeBuilder } from './run-node.js';
