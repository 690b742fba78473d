import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_MAX_GAP_MS, transitionLogConfigSchema } from './log/index.js';
import { DEFAULT_TOPIC_PREFIX, brokerUrl, topicName } from './transport/index.js';

/**
 * The shield's one YAML config. Keys are snake_case and reuse Recovery RL's names where they
 * exist (eps_safe, gamma_safe, tau_safe). Every error names the key path and what was expected.
 */
const unit = (what: string) => z.number({ error: `expected ${what}, a number in (0, 1)` }).gt(0, `expected ${what} in (0, 1)`).lt(1, `expected ${what} in (0, 1)`);
const positive = z.number().positive();

const shieldSchema = z.strictObject({
  /** Threshold of the Recovery RL rule; defaults to the bundle's eps_risk. */
  eps_safe: unit('a risk threshold').optional(),
  fallback: z.enum(['recovery', 'hold', 'passthrough']).default('recovery'),
  engine: z.enum(['onnxruntime', 'typescript']).default('onnxruntime'),
  hysteresis: z
    .strictObject({ enter: unit('a risk level').optional(), exit: unit('a risk level').optional(), ticks: z.int().min(1).optional() })
    .nullable()
    .default(null),
  max_state_age_ms: positive.default(100),
  max_command_age_ms: positive.default(100),
  max_bypass_s: positive.default(60),
});

const qos = z.union([z.literal(0), z.literal(1), z.literal(2)]);

const mqttSchema = z.strictObject({
  /** `embedded` starts an in-process broker (aedes) on 127.0.0.1; otherwise an mqtt:// or mqtts:// URL. */
  broker: z.union([z.literal('embedded'), brokerUrl]).default('embedded'),
  /** Port of the embedded broker; 0 picks a free one (it is logged). */
  embedded_port: z.int().min(0).max(65535).default(1883),
  prefix: topicName.default(DEFAULT_TOPIC_PREFIX),
  /** Single topics that replace `<prefix>/<name>`. */
  topics: z.strictObject({ state: topicName.optional(), proposed: topicName.optional(), applied: topicName.optional(), status: topicName.optional() }).prefault({}),
  /** One level for every topic, or per topic (status defaults to 1, the others to 0). */
  qos: z.union([qos, z.strictObject({ state: qos.optional(), proposed: qos.optional(), applied: qos.optional(), status: qos.optional() })]).default({}),
  /** Encoding of the applied commands; state and proposed payloads may be JSON or binary. */
  payload: z.enum(['json', 'binary']).default('json'),
  username: z.string().optional(),
  password: z.string().optional(),
  tls: z.strictObject({ ca: z.string().optional(), cert: z.string().optional(), key: z.string().optional(), reject_unauthorized: z.boolean().default(true) }).optional(),
});

const adaptationSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** Recovery RL's discount of the risk critic; defaults to the bundle's gamma_risk. */
  gamma_safe: unit('a discount').optional(),
  /** Polyak rate of the critic's target network; defaults to the training's. */
  tau_safe: unit('a Polyak rate').optional(),
  /** The offline test-environment dataset (.arrow) trained on alongside the recorded transitions. */
  offline_data: z.string().min(1).nullable().default(null),
  /** Where candidate bundles are written (default: a fresh temporary folder). */
  candidate_dir: z.string().min(1).optional(),
  iterations_per_candidate: z.int().min(1).default(500),
  /** Two states further apart than this (by their stamps) make no transition. */
  max_gap_ms: positive.default(DEFAULT_MAX_GAP_MS),
  /** Recorded transitions needed before the next round of updates: an idle robot adds none. */
  min_new_transitions: z.int().min(1).default(256),
  /** Candidate folders kept, the newest; older ones are deleted. */
  keep_candidates: z.int().min(2).default(3),
  batch_size: z.int().min(1).default(256),
  held_out_fraction: unit('a share of transitions').default(0.2),
  /** A candidate must still flag this share of held-out violating transitions. */
  min_recall: z.number().min(0).max(1).default(0.5),
  /** No candidate is swapped in before the held-out share holds this many violations to check recall on. */
  min_held_out_violations: z.int().min(1).default(10),
  parity_tolerance: positive.default(1e-4),
  seed: z.int().min(0).default(0),
  /** Linux: every other thread of the process at the lowest priority, below the control thread. */
  protect_control_thread: z.boolean().default(true),
  /** Linux, with protect_control_thread: the control thread alone on this CPU, every other thread on the rest. */
  control_cpu: z.int().min(0).nullable().default(null),
}).refine((a) => a.control_cpu === null || a.protect_control_thread, { path: ['control_cpu'], message: 'control_cpu needs protect_control_thread: true' });

export const configSchema = z.strictObject({
  bundle: z.string().min(1, 'expected the path of a model bundle'),
  shield: shieldSchema.prefault({}),
  logging: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), stats_interval_s: positive.default(10) }).prefault({}),
  transport: z
    .strictObject({
      kind: z.enum(['mqtt', 'inproc']).default('mqtt'),
      /** `command`: decide on each proposed command; `rate`: decide on a timer. */
      tick: z.enum(['command', 'rate']).default('command'),
      rate_hz: positive.max(1000).default(50),
      mqtt: mqttSchema.prefault({}),
    })
    .prefault({}),
  /** Transition log (rotating MCAP files); none when absent. */
  log: transitionLogConfigSchema.nullable().default(null),
  adaptation: adaptationSchema.prefault({}),
});

export type ShieldConfig = z.output<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function parseConfig(value: unknown, source = 'config'): ShieldConfig {
  const r = configSchema.safeParse(value ?? {});
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
  throw new ConfigError(`${source}: ${lines.join('; ')}`);
}

export function loadConfig(path: string): ShieldConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: cannot read the config (${e instanceof Error ? e.message : String(e)})`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`${path}: not valid YAML (${e instanceof Error ? e.message : String(e)})`);
  }
  return parseConfig(value, path);
}
