/**
 * What the node says about itself: the shield state topic (JSON in a std_msgs/String, so that
 * `ros2 topic echo` reads it without a custom message package) and `/diagnostics`, built by hand
 * because rclnodejs has no diagnostic_updater.
 */
import type { DecisionReason, StatsSnapshot } from '../runtime/index.js';
import type { TransitionLogStats } from '../runtime/log/index.js';
import type { ShieldStatus, TransportStats } from '../runtime/transport/index.js';
import { DiagnosticLevel, type DiagnosticArray, type DiagnosticStatus, type StringMessage, type Time } from './messages.js';

export interface NodeStatus {
  readonly status: ShieldStatus;
  readonly transport: TransportStats;
  readonly stats: StatsSnapshot;
  /** The transition log's counts, null when there is none. */
  readonly transitionLog: TransitionLogStats | null;
  /** Seconds left of an operator's bypass, null when the shield gates. */
  readonly bypassRemainingS: number | null;
  /** The node published a stop long enough and is quiet. */
  readonly quiet: boolean;
  /** Decisions that failed since the last report: no command was applied for them. */
  readonly newGateErrors: number;
  readonly bundle: string;
}

const MODEL_FAILURES: readonly DecisionReason[] = ['model-not-loaded', 'inference-error', 'risk-invalid'];

const fixed = (x: number | null, digits = 3) => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));

export function shieldStateMessage(n: NodeStatus): StringMessage {
  const s = n.status;
  return {
    data: JSON.stringify({
      active: s.online,
      source: s.source,
      risk: s.risk !== null && Number.isFinite(s.risk) ? s.risk : null,
      threshold: s.threshold,
      reason: s.reason,
      bypass_remaining_s: n.bypassRemainingS,
      quiet: n.quiet,
      ticks: s.ticks,
      interventions: s.interventions,
      fallbacks: s.fallbacks,
      invalid_inputs: s.invalidInputs,
      gate_errors: s.gateErrors,
    }),
  };
}

/** The level and one-line message of the shield's diagnostic status. */
export function diagnosticSummary(n: NodeStatus): { level: DiagnosticLevel; message: string } {
  const s = n.status;
  const quiet = n.quiet ? '; stopped, now quiet' : '';
  if (!s.online) return { level: DiagnosticLevel.STALE, message: 'not active: nothing is gated' };
  if (n.newGateErrors > 0) return { level: DiagnosticLevel.ERROR, message: `${n.newGateErrors} decision(s) failed: no command was applied for them` };
  if (n.bypassRemainingS !== null) return { level: DiagnosticLevel.WARN, message: `bypassed: commands pass unchecked for another ${Math.ceil(n.bypassRemainingS)} s` };
  if (s.reason === null) return { level: DiagnosticLevel.OK, message: 'active, waiting for the first command' };
  const risk = `risk ${fixed(s.risk)}, threshold ${fixed(s.threshold)}`;
  if (s.source === 'task') return { level: DiagnosticLevel.OK, message: `commands pass (${risk})${quiet}` };
  if (s.source === 'recovery') return { level: DiagnosticLevel.OK, message: `recovery policy acting (${risk}, ${s.reason})${quiet}` };
  if (MODEL_FAILURES.includes(s.reason)) return { level: DiagnosticLevel.ERROR, message: `cannot evaluate the risk (${s.reason}): the fallback acts${quiet}` };
  if (s.reason.startsWith('state-')) return { level: DiagnosticLevel.ERROR, message: `no usable robot state (${s.reason}): the fallback acts${quiet}` };
  return { level: DiagnosticLevel.WARN, message: `no usable command (${s.reason}): the fallback acts${quiet}` };
}

export function diagnosticsMessage(n: NodeStatus, nodeName: string, stamp: Time): DiagnosticArray {
  const { level, message } = diagnosticSummary(n);
  const s = n.status;
  const t = n.transport;
  const l = n.stats.latency_us;
  const values: [string, string][] = [
    ['bundle', n.bundle],
    ['source', s.source ?? 'none'],
    ['reason', s.reason ?? 'none'],
    ['risk', fixed(s.risk)],
    ['threshold', fixed(s.threshold)],
    ['bypass_remaining_s', n.bypassRemainingS === null ? 'none' : fixed(n.bypassRemainingS, 1)],
    ['quiet', String(n.quiet)],
    ['ticks', String(t.ticks)],
    ['intervention_rate', fixed(n.stats.intervention_rate)],
    ['fallback_rate', fixed(n.stats.fallback_rate)],
    ['failure_rate', fixed(n.stats.failure_rate)],
    ['invalid_state', String(t.invalidState)],
    ['invalid_command', String(t.invalidProposed)],
    ['gate_errors', String(t.gateErrors)],
    ['superseded', String(t.superseded)],
    ['latency_p50_us', fixed(l.p50, 1)],
    ['latency_p99_us', fixed(l.p99, 1)],
    ['latency_max_us', fixed(l.max, 1)],
    ...(n.transitionLog
      ? ([
          ['transition_log_records', String(n.transitionLog.written)],
          ['transition_log_dropped', String(n.transitionLog.dropped)],
        ] as [string, string][])
      : []),
  ];
  const status: DiagnosticStatus = { level, name: `${nodeName}: shield`, message, hardware_id: '', values: values.map(([key, value]) => ({ key, value })) };
  return { header: { stamp, frame_id: '' }, status: [status] };
}
