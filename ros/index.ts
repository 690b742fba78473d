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
export { nsToTime, timeToNs } from './time.js';
