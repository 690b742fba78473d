/**
 * Transition logs: the shield records every tick to rotating MCAP files (`TransitionLogWriter`),
 * any MCAP file can be read back even when its writer was killed (`scanMcap`, `readTransitionLog`),
 * summarized (`inspectLog`), and turned into a training dataset, from the shield's own logs or
 * from rosbag2 bags through a mapping (`loadMapping`, `importLogs`). Everything else in
 * `runtime/log/` is internal.
 */
export { LogError } from './errors.js';
export { TransitionLogWriter, transitionLogConfigSchema } from './transition-log-writer.js';
export type { TransitionLogConfig, TransitionLogOptions, TransitionLogStats } from './transition-log-writer.js';
export { TRANSITION_DEFINITION, TRANSITION_SCHEMA_NAME, TRANSITION_TOPIC } from './transition-message.js';
export { scanMcap } from './mcap-scan.js';
export type { McapChannelInfo, McapScanResult, McapScanVisitor } from './mcap-scan.js';
export { forEachTick, readTransitionLog } from './read-transitions.js';
export { inspectLog } from './inspect.js';
export type { ChannelSummary, LogSummary, ShieldSummary } from './inspect.js';
export type { TransitionLog } from './read-transitions.js';
export { SHIELD_MAPPING, loadMapping, mappingSchema, parseMapping } from './mapping.js';
export type { LogMapping, RosbagMapping, ShieldMapping } from './mapping.js';
export { describeImport, importLogs } from './import.js';
export { DEFAULT_MAX_GAP_MS, TickPairer } from './pair-ticks.js';
export type { LogFileReport, LogImportOptions, LogImportReport } from './import.js';
