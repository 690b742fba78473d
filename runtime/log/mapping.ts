import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { LogError } from './errors.js';
import { describeIssue } from './issues.js';
import { DEFAULT_MAX_GAP_MS } from './pair-ticks.js';

/**
 * How recorded logs become transitions (see the README, "Transition logs"). Two formats:
 *
 * - `shield`: the shield's own transition logs. Step k is tick k; its action is the applied action
 *   (or the proposed one); next_obs is tick k+1's observation, and constraint is the flag the robot
 *   reported with that observation.
 * - `rosbag2`: MCAP bags of ROS 2 topics. Each action message is a step; its observation is the
 *   latest message of each observation topic at or before it (`sync.mode: latest-before`);
 *   next_obs is the next step's observation; constraint is 1 when a message on the constraint topic
 *   between the two steps says so.
 *
 * In both, done = constraint, reward = 0 (the critic does not use it), and two steps further apart
 * than `sync.max_gap_ms` (or with an episode reset between them) make no transition.
 */

const topic = z.string().regex(/^\/\S*$/, 'expected a topic name starting with "/"');
const rosType = z.string().regex(/^[A-Za-z]\w*\/(msg\/)?[A-Za-z]\w*$/, 'expected a message type such as sensor_msgs/msg/JointState');
const fieldPath = z.string().regex(/^[a-z]\w*(\[\d+\])?(\.[a-z]\w*(\[\d+\])?)*$/, 'expected a field path such as position[0] or twist.linear.x');

const topicFields = z.strictObject({
  topic,
  type: rosType,
  /** Each path is one element of the vector, in order. */
  fields: z.array(fieldPath).min(1),
});

const constraint = z
  .strictObject({
    topic,
    type: rosType,
    field: fieldPath,
    /** Violation when the field is greater than this... */
    above: z.number().optional(),
    /** ...or less than this... */
    below: z.number().optional(),
    /** ...or equal to this (a bool field reads as true/false). */
    equals: z.union([z.number(), z.boolean()]).optional(),
  })
  .refine((c) => [c.above, c.below, c.equals].filter((x) => x !== undefined).length === 1, 'give exactly one of above, below or equals');

const maxGapMs = z.number().positive().default(DEFAULT_MAX_GAP_MS);

const shieldMapping = z.strictObject({
  format: z.literal('shield'),
  /** Which action of each tick is the transition's action. */
  action: z.enum(['applied', 'proposed']).default('applied'),
  sync: z.strictObject({ max_gap_ms: maxGapMs }).prefault({}),
});

const rosbagMapping = z.strictObject({
  format: z.literal('rosbag2'),
  /** One topic, or several whose fields are concatenated in order. */
  observation: z.union([z.array(topicFields).min(1), topicFields]),
  action: topicFields,
  constraint: constraint.nullable().default(null),
  sync: z
    .strictObject({
      mode: z.literal('latest-before').default('latest-before'),
      max_gap_ms: maxGapMs,
      /** Message times: `log` (when rosbag2 received them) or `header` (their header.stamp). */
      time: z.enum(['log', 'header']).default('log'),
    })
    .prefault({}),
  episode: z
    .strictObject({
      /** Any message on this topic starts a new episode: no transition spans it. */
      reset_topic: topic.optional(),
    })
    .prefault({}),
});

export const mappingSchema = z.discriminatedUnion('format', [shieldMapping, rosbagMapping]);

export type LogMapping = z.output<typeof mappingSchema>;
export type ShieldMapping = z.output<typeof shieldMapping>;
export type RosbagMapping = z.output<typeof rosbagMapping>;
export type TopicFields = z.output<typeof topicFields>;
export type ConstraintMapping = z.output<typeof constraint>;

/** The mapping used when none is given: the shield's own logs, applied actions. */
export const SHIELD_MAPPING: ShieldMapping = shieldMapping.parse({ format: 'shield' });

/** A rosbag2 mapping's observation topics, always as a list. */
export function observationTopics(m: RosbagMapping): readonly TopicFields[] {
  return Array.isArray(m.observation) ? m.observation : [m.observation];
}

type Issue = z.core.$ZodIssue;

/** A union's issues are those of the branch that got furthest: the one whose shape the input had. */
function flatten(issue: Issue): Issue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const depth = (issues: Issue[]) => Math.max(...issues.map((i) => i.path.length));
  const branch = issue.errors.reduce((best, e) => (depth(e) > depth(best) ? e : best));
  return branch.flatMap((i) => flatten({ ...i, path: [...issue.path, ...i.path] } as Issue));
}

/** Validates a parsed mapping; `source` names it in errors (a file name). */
export function parseMapping(value: unknown, source: string): LogMapping {
  const result = mappingSchema.safeParse(value);
  if (result.success) return result.data;
  throw new LogError(`mapping ${source}: ${result.error.issues.flatMap(flatten).map(describeIssue).join('; ')}`);
}

/** Reads and validates a YAML mapping file. */
export function loadMapping(path: string): LogMapping {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new LogError(`mapping ${path}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    throw new LogError(`mapping ${path}: not valid YAML: ${(e as Error).message}`);
  }
  return parseMapping(value, path);
}
