/**
 * Options of the MQTT transport and of the robot-side link, validated with zod: a wrong value is
 * reported with its key path and what was expected. The same schemas can validate a YAML config.
 */
import { z } from 'zod';

export class TransportConfigError extends Error {
  override readonly name = 'TransportConfigError';
}

/** Topics are `<prefix>/state` etc. unless named one by one. */
export const DEFAULT_TOPIC_PREFIX = 'mesa_shield';

export const topicName = z
  .string()
  .min(1)
  .max(1024)
  .refine((t) => !/[+#\u0000]/.test(t), 'a topic here is a single topic: no wildcards (+, #) and no NUL');

const qos = z.union([z.literal(0), z.literal(1), z.literal(2)]);

export const brokerUrl = z.string().refine((s) => {
  try {
    return ['mqtt:', 'mqtts:', 'tcp:', 'ssl:'].includes(new URL(s).protocol);
  } catch {
    return false;
  }
}, 'expected a broker URL such as mqtt://127.0.0.1:1883 or mqtts://host:8883');

const connectionShape = {
  url: brokerUrl,
  /** Defaults to a random id with the prefix `mesa-shield-`. */
  clientId: z.string().min(1).max(128).optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  /** Paths of PEM files; `rejectUnauthorized: false` accepts any server certificate (testing only). */
  tls: z
    .object({
      ca: z.string().min(1).optional(),
      cert: z.string().min(1).optional(),
      key: z.string().min(1).optional(),
      rejectUnauthorized: z.boolean().default(true),
    })
    .strict()
    .optional(),
  /** Seconds between keep-alive pings; the broker drops the client (and publishes its will) after 1.5 times this. */
  keepaliveS: z.number().int().min(1).max(65535).default(10),
  /** How long to wait for the broker's CONNACK before the attempt counts as failed. */
  connectTimeoutMs: z.number().int().positive().default(5000),
  reconnect: z
    .object({
      initialMs: z.number().positive().default(100),
      maxMs: z.number().positive().default(5000),
      factor: z.number().min(1).default(2),
      jitter: z.number().min(0).max(1).default(0.25),
    })
    .strict()
    .refine((r) => r.initialMs <= r.maxMs, { message: 'initialMs must not exceed maxMs', path: ['initialMs'] })
    .prefault({}),
};

const topicsShape = z
  .object({
    /** Topics not named below are `<prefix>/state`, `<prefix>/proposed`, `<prefix>/applied`, `<prefix>/status`. */
    prefix: topicName.default(DEFAULT_TOPIC_PREFIX),
    state: topicName.optional(),
    proposed: topicName.optional(),
    applied: topicName.optional(),
    status: topicName.optional(),
  })
  .strict()
  .prefault({});

const qosShape = z
  .object({
    state: qos.default(0),
    proposed: qos.default(0),
    applied: qos.default(0),
    status: qos.default(1),
  })
  .strict()
  .prefault({});

type ConnectionFields = { url: string; tls?: { cert?: string; key?: string } | undefined };

function checkConnection(o: ConnectionFields, ctx: z.RefinementCtx): void {
  const secure = /^(mqtts|ssl):/i.test(o.url);
  if (o.tls !== undefined && !secure) {
    ctx.addIssue({ code: 'custom', path: ['tls'], message: `TLS options need an mqtts:// URL; ${o.url} would connect in plain text` });
  }
  if (o.tls !== undefined && (o.tls.cert === undefined) !== (o.tls.key === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['tls'], message: 'a client certificate needs both cert and key' });
  }
}

function checkTopics(o: { topics: { prefix: string; state?: string; proposed?: string; applied?: string; status?: string } }, ctx: z.RefinementCtx): void {
  const t = resolveTopics(o.topics);
  const names = [t.state, t.proposed, t.applied, t.status];
  if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', path: ['topics'], message: `the four topics must differ, got ${names.join(', ')}` });
}

export const mqttTransportOptionsSchema = z
  .object({
    ...connectionShape,
    topics: topicsShape,
    qos: qosShape,
    /** `on-command`: one decision per proposed command; `rate`: decisions at `hz` with the latest inputs. */
    tick: z
      .discriminatedUnion('mode', [
        z.object({ mode: z.literal('on-command') }).strict(),
        z.object({ mode: z.literal('rate'), hz: z.number().positive().max(1000) }).strict(),
      ])
      .default({ mode: 'on-command' }),
    payload: z
      .object({
        /** Encoding of state and proposed payloads; `auto` accepts both. */
        input: z.enum(['auto', 'json', 'binary']).default('auto'),
        /** Encoding of applied commands. */
        output: z.enum(['json', 'binary']).default('json'),
        /** Element type of binary applied commands. */
        element: z.enum(['float64', 'float32']).default('float64'),
        /** Larger payloads are refused unread. */
        maxBytes: z.number().int().min(16).max(16 * 1024 * 1024).default(65536),
      })
      .strict()
      .prefault({}),
    /** The retained status is republished this often (and on every change of source or reason). */
    statusIntervalMs: z.number().int().min(10).default(1000),
    /** At most one log line per kind of refused input in this interval. */
    invalidLogIntervalMs: z.number().min(0).default(1000),
  })
  .strict()
  .superRefine((o, ctx) => {
    checkConnection(o, ctx);
    checkTopics(o, ctx);
  });

export const mqttRobotLinkOptionsSchema = z
  .object({
    ...connectionShape,
    topics: topicsShape,
    qos: qosShape,
    /** Encoding of the state and proposed payloads this link sends. */
    encoding: z.enum(['json', 'binary']).default('binary'),
    element: z.enum(['float64', 'float32']).default('float64'),
  })
  .strict()
  .superRefine((o, ctx) => {
    checkConnection(o, ctx);
    checkTopics(o, ctx);
  });

export type MqttTransportOptionsInput = z.input<typeof mqttTransportOptionsSchema>;
export type MqttTransportOptions = z.output<typeof mqttTransportOptionsSchema>;
export type MqttRobotLinkOptionsInput = z.input<typeof mqttRobotLinkOptionsSchema>;
export type MqttRobotLinkOptions = z.output<typeof mqttRobotLinkOptionsSchema>;
export type ConnectionOptions = Pick<MqttTransportOptions, 'url' | 'clientId' | 'username' | 'password' | 'tls' | 'keepaliveS' | 'connectTimeoutMs' | 'reconnect'>;
export type QosOptions = MqttTransportOptions['qos'];

export interface Topics {
  readonly state: string;
  readonly proposed: string;
  readonly applied: string;
  readonly status: string;
}

export function resolveTopics(t: { prefix: string; state?: string; proposed?: string; applied?: string; status?: string }): Topics {
  return {
    state: t.state ?? `${t.prefix}/state`,
    proposed: t.proposed ?? `${t.prefix}/proposed`,
    applied: t.applied ?? `${t.prefix}/applied`,
    status: t.status ?? `${t.prefix}/status`,
  };
}

/** Parses options, or throws a `TransportConfigError` that names every wrong key. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${i.path.length > 0 ? i.path.join('.') : '(options)'}: ${i.message}`);
  throw new TransportConfigError(`invalid ${what} options:\n${lines.join('\n')}`);
}
