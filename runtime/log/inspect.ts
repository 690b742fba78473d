import type { DecisionReason, DecisionSource, TickRecord } from '../core/decision.js';
import { scanMcap } from './mcap-scan.js';
import { isTransitionChannel } from './read-transitions.js';
import { transitionDecoder } from './transition-message.js';

export interface ChannelSummary {
  readonly topic: string;
  /** The schema name, e.g. sensor_msgs/msg/JointState. */
  readonly type: string | null;
  readonly encoding: string;
  readonly messages: number;
  /** Messages per second over the channel's own time span; null with fewer than two messages. */
  readonly rateHz: number | null;
}

export interface ShieldSummary {
  readonly ticks: number;
  readonly observationSize: number | null;
  readonly actionSize: number | null;
  /** Span of the ticks on the shield's clock, seconds. */
  readonly tickSpanS: number | null;
  readonly bySource: Readonly<Record<DecisionSource, number>>;
  readonly byReason: Readonly<Partial<Record<DecisionReason, number>>>;
  /** Ticks where the recovery policy replaced the proposal, and how many separate stretches they form. */
  readonly interventions: { readonly ticks: number; readonly episodes: number };
  readonly fallbacksByReason: Readonly<Partial<Record<DecisionReason, number>>>;
  readonly risk: { readonly evaluated: number; readonly min: number; readonly mean: number; readonly max: number } | null;
  /** Ticks whose constraint flag was reported, and how many of those were violations. */
  readonly constraint: { readonly reported: number; readonly violations: number };
}

export interface LogSummary {
  readonly file: string;
  readonly bytes: number;
  /** `shield` for a mesa-shield transition log, `mcap` for any other MCAP file (a rosbag2 bag). */
  readonly kind: 'shield' | 'mcap';
  readonly profile: string | null;
  readonly library: string | null;
  /** The footer was read: the writer closed the file. */
  readonly closedCleanly: boolean;
  /** For a file that was not closed: bytes after its last complete record, which could not be read. */
  readonly unreadBytes: number;
  readonly damage: string | null;
  readonly messages: number;
  /** MCAP log times of the first and last message (ISO 8601), null for an empty file. */
  readonly start: string | null;
  readonly end: string | null;
  readonly durationS: number | null;
  readonly channels: readonly ChannelSummary[];
  readonly metadata: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly shield: ShieldSummary | null;
}

const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();

class ShieldTally {
  ticks = 0;
  observationSize: number | null = null;
  actionSize: number | null = null;
  firstT = 0;
  lastT = 0;
  bySource: Record<DecisionSource, number> = { task: 0, recovery: 0, fallback: 0 };
  byReason: Partial<Record<DecisionReason, number>> = {};
  fallbacks: Partial<Record<DecisionReason, number>> = {};
  interventionTicks = 0;
  interventionEpisodes = 0;
  previousSource: DecisionSource | null = null;
  riskCount = 0;
  riskSum = 0;
  riskMin = Infinity;
  riskMax = -Infinity;
  reported = 0;
  violations = 0;

  add(t: TickRecord): void {
    if (this.ticks === 0) {
      this.firstT = t.tNs;
      this.observationSize = t.observation.length;
      this.actionSize = t.applied.length;
    }
    this.ticks++;
    this.lastT = t.tNs;
    this.bySource[t.source]++;
    this.byReason[t.reason] = (this.byReason[t.reason] ?? 0) + 1;
    if (t.source === 'fallback') this.fallbacks[t.reason] = (this.fallbacks[t.reason] ?? 0) + 1;
    if (t.source === 'recovery') {
      this.interventionTicks++;
      if (this.previousSource !== 'recovery') this.interventionEpisodes++;
    }
    this.previousSource = t.source;
    if (t.risk !== null) {
      this.riskCount++;
      this.riskSum += t.risk;
      this.riskMin = Math.min(this.riskMin, t.risk);
      this.riskMax = Math.max(this.riskMax, t.risk);
    }
    if (t.constraint !== undefined) {
      this.reported++;
      this.violations += t.constraint;
    }
  }

  summary(): ShieldSummary {
    return {
      ticks: this.ticks,
      observationSize: this.observationSize,
      actionSize: this.actionSize,
      tickSpanS: this.ticks ? (this.lastT - this.firstT) / 1e9 : null,
      bySource: this.bySource,
      byReason: this.byReason,
      interventions: { ticks: this.interventionTicks, episodes: this.interventionEpisodes },
      fallbacksByReason: this.fallbacks,
      risk: this.riskCount ? { evaluated: this.riskCount, min: this.riskMin, mean: this.riskSum / this.riskCount, max: this.riskMax } : null,
      constraint: { reported: this.reported, violations: this.violations },
    };
  }
}

/**
 * Summarizes one MCAP file in a single pass: time range, topics with message counts and rates, and
 * for a transition log the ticks by source and reason, interventions, fallbacks and violations. A
 * file cut off by a crash is summarized from its complete records, and says so.
 */
export async function inspectLog(path: string): Promise<LogSummary> {
  const counts = new Map<number, { n: number; first: bigint; last: bigint }>();
  const decoders = new Map<number, (data: Uint8Array) => TickRecord>();
  const tally = new ShieldTally();
  let first: bigint | null = null;
  let last: bigint | null = null;
  let messages = 0;
  const scan = await scanMcap(path, {
    channel(info) {
      if (isTransitionChannel(info) && info.schema) decoders.set(info.channel.id, transitionDecoder(new TextDecoder().decode(info.schema.data), path));
    },
    message(m) {
      messages++;
      if (first === null || m.logTime < first) first = m.logTime;
      if (last === null || m.logTime > last) last = m.logTime;
      const c = counts.get(m.channelId);
      if (c) {
        c.n++;
        if (m.logTime < c.first) c.first = m.logTime;
        if (m.logTime > c.last) c.last = m.logTime;
      } else counts.set(m.channelId, { n: 1, first: m.logTime, last: m.logTime });
      const decode = decoders.get(m.channelId);
      if (decode) tally.add(decode(m.data));
    },
  });
  const channels = [...scan.channels.values()].map(({ channel, schema }) => {
    const c = counts.get(channel.id);
    const spanS = c ? Number(c.last - c.first) / 1e9 : 0;
    return { topic: channel.topic, type: schema?.name ?? null, encoding: channel.messageEncoding, messages: c?.n ?? 0, rateHz: c && c.n > 1 && spanS > 0 ? (c.n - 1) / spanS : null };
  });
  const start = first as bigint | null;
  const end = last as bigint | null;
  return {
    file: path,
    bytes: scan.size,
    kind: decoders.size > 0 ? 'shield' : 'mcap',
    profile: scan.header?.profile ?? null,
    library: scan.header?.library ?? null,
    closedCleanly: scan.complete,
    unreadBytes: scan.unreadBytes,
    damage: scan.damage,
    messages,
    start: start === null ? null : iso(start),
    end: end === null ? null : iso(end),
    durationS: start === null || end === null ? null : Number(end - start) / 1e9,
    channels,
    metadata: Object.fromEntries(scan.metadata.map((m) => [m.name, Object.fromEntries(m.metadata)])),
    shield: decoders.size > 0 ? tally.summary() : null,
  };
}
