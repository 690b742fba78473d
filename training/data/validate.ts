import { getDomain } from '../../sim/index.js';
import { describeIssues } from './errors.js';
import { countViolations, datasetMetaSchema, type DatasetMeta, type Transitions } from './schema.js';

/** Parses metadata; returns it, or a message naming every problem. */
export function parseMeta(raw: unknown): { meta: DatasetMeta } | { problem: string } {
  const r = datasetMetaSchema.safeParse(raw);
  if (!r.success) return { problem: `invalid metadata: ${describeIssues(r.error.issues)}` };
  const meta = r.data;
  if (meta.domain !== 'external') {
    const spec = getDomain(meta.domain);
    if (spec.observationSize !== meta.observationSize || spec.actionSize !== meta.actionSize) {
      return {
        problem:
          `metadata says domain ${meta.domain} with obs ${meta.observationSize}/act ${meta.actionSize}, ` +
          `but ${meta.domain} has obs ${spec.observationSize}/act ${spec.actionSize}`,
      };
    }
  }
  return { meta };
}

/**
 * The first way in which the columns disagree with the metadata or break the schema (lengths,
 * non-finite numbers, flags other than 0/1, environment ids outside the environment list), or null.
 */
export function findProblem(t: Transitions, meta: DatasetMeta): string | null {
  if (t.observationSize !== meta.observationSize || t.actionSize !== meta.actionSize) {
    return `columns have obs ${t.observationSize}/act ${t.actionSize} values per row but the metadata says obs ${meta.observationSize}/act ${meta.actionSize}`;
  }
  if (t.size !== meta.size) return `metadata says ${meta.size} transitions but the columns hold ${t.size}`;
  const expected: [string, ArrayLike<number>, number][] = [
    ['obs', t.obs, t.size * t.observationSize],
    ['action', t.action, t.size * t.actionSize],
    ['reward', t.reward, t.size],
    ['next_obs', t.nextObs, t.size * t.observationSize],
    ['constraint', t.constraint, t.size],
    ['done', t.done, t.size],
    ['env_id', t.envId, t.size],
  ];
  for (const [name, values, n] of expected) {
    if (values.length !== n) return `column ${name} has ${values.length} values; expected ${n}`;
  }
  const width: Record<string, number> = { obs: t.observationSize, action: t.actionSize, next_obs: t.observationSize, reward: 1 };
  for (const [name, values] of [['obs', t.obs], ['action', t.action], ['reward', t.reward], ['next_obs', t.nextObs]] as const) {
    const at = firstNonFinite(values);
    if (at >= 0) return `column ${name} holds ${values[at]} in row ${Math.floor(at / width[name])}; every value must be finite`;
  }
  for (const [name, values] of [['constraint', t.constraint], ['done', t.done]] as const) {
    const at = values.findIndex((v) => v > 1);
    if (at >= 0) return `column ${name} holds ${values[at]} in row ${at}; it must be 0 or 1`;
  }
  const envCount = meta.environments.length;
  const badEnv = t.envId.findIndex((e) => e < 0 || e >= envCount);
  if (badEnv >= 0) {
    return `column env_id holds ${t.envId[badEnv]} in row ${badEnv}, but the metadata lists ${envCount} environment(s) (0..${envCount - 1})`;
  }
  const violations = countViolations(t);
  if (violations !== meta.violations) return `metadata says ${meta.violations} violations but the constraint column has ${violations}`;
  return null;
}

function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    // x - x is NaN exactly for NaN and ±Infinity, and is cheaper than Number.isFinite in this loop.
    if (x - x !== 0) return i;
  }
  return -1;
}
