export type {
  AppliedMessage,
  Clock,
  Gate,
  RobotLink,
  ShieldStatus,
  ShieldTransport,
  StateReport,
  TickMode,
  TransportDeps,
  TransportLog,
  TransportStats,
} from './ports.js';
export { FakeClock, epochClock } from './clock.js';
export { BINARY_HEADER_BYTES, MAX_VALUES, decodeVector, encodeVector, validateVector } from './payload.js';
export type { DecodeResult, ElementType, EncodeFields, InputEncoding, OutputEncoding, VectorMessage } from './payload.js';
export { decodeStatus, encodeStatus } from './status.js';
export { backoffDelayMs } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { RateLimitedLog, silentLog } from './rate-limited-log.js';
export { GateRunner } from './gate-runner.js';
export type { GateRunnerOptions, InputKind } from './gate-runner.js';
export {
  DEFAULT_TOPIC_PREFIX,
  TransportConfigError,
  brokerUrl,
  mqttRobotLinkOptionsSchema,
  mqttTransportOptionsSchema,
  resolveTopics,
  topicName,
} from './options.js';
export type { MqttRobotLinkOptions, MqttRobotLinkOptionsInput, MqttTransportOptions, MqttTransportOptionsInput, Topics } from './options.js';
export { MqttShieldTransport } from './mqtt-transport.js';
export { MqttRobotLink } from './mqtt-robot-link.js';
export { InprocTransport } from './inproc.js';
export { LinkGate } from './link-gate.js';
export type { LinkAnswer } from './link-gate.js';
export type { InprocOptions } from './inproc.js';
export { startEmbeddedBroker } from './embedded-broker.js';
export type { EmbeddedBroker, EmbeddedBrokerOptions } from './embedded-broker.js';
export { summarizeLatency } from './latency.js';
export type { LatencySummary } from './latency.js';
