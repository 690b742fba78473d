import * as z from 'zod';
import { CRITIC_FILE, CRITIC_IO, RECOVERY_FILE, RECOVERY_IO, TRAINING_STATE_FILE, TRAINING_TENSORS_FILE } from './layout.js';

/**
 * `manifest.json` of a model bundle, format version 1.
 *
 * JSON has no infinity, and observation bounds are often unbounded: in the file an infinite
 * observation bound is the string "-inf" (low) or "inf" (high); in memory it is -Infinity /
 * Infinity. Python reads both forms with `float(x)`. Action bounds are always finite.
 */
export const FORMAT_VERSION = 1;

const positiveInt = z.number().int().positive();
const nonEmpty = z.string().min(1);
const unitInterval = z.number().gt(0).lt(1);

const lowBound = z
  .union([z.number(), z.literal('-inf')], { error: 'expected a finite number or "-inf"' })
  .transform((v) => (v === '-inf' ? -Infinity : v));
const highBound = z
  .union([z.number(), z.literal('inf')], { error: 'expected a finite number or "inf"' })
  .transform((v) => (v === 'inf' ? Infinity : v));

const fileEntry = (path: string) => z.strictObject({ path: z.literal(path), sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits') });

const provenanceSchema = z.strictObject({
  method: z.enum(['mesa', 'multitask', 'rrl', 'external']),
  datasets: z.array(nonEmpty),
  iterations: z.record(nonEmpty, z.number().int().nonnegative()),
  seed: z.number().int().nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  command: z.string().nullable(),
  notes: z.string().optional(),
});

const manifestSchema = z
  .strictObject({
    formatVersion: z.literal(FORMAT_VERSION, {
      error: (issue) => `unsupported format version ${JSON.stringify(issue.input)}; this reader understands version ${FORMAT_VERSION}`,
    }),
    name: nonEmpty,
    domain: nonEmpty,
    observation: z.strictObject({ size: positiveInt, low: z.array(lowBound), high: z.array(highBound) }),
    action: z.strictObject({ size: positiveInt, low: z.array(z.number()), high: z.array(z.number()) }),
    normalization: z.strictObject({ mean: z.array(z.number()), std: z.array(z.number().positive()) }).nullable(),
    neutralAction: z.array(z.number()),
    risk: z.strictObject({ epsRisk: unitInterval, gammaRisk: unitInterval }),
    files: z.strictObject({
      critic: fileEntry(CRITIC_FILE),
      recovery: fileEntry(RECOVERY_FILE),
      trainingState: fileEntry(TRAINING_STATE_FILE).optional(),
      trainingTensors: fileEntry(TRAINING_TENSORS_FILE).optional(),
    }),
    models: z.strictObject({
      critic: z.strictObject({
        inputs: z.tuple([z.literal(CRITIC_IO.inputs[0]), z.literal(CRITIC_IO.inputs[1])]),
        output: z.literal(CRITIC_IO.output),
        architecture: nonEmpty,
      }),
      recovery: z.strictObject({ input: z.literal(RECOVERY_IO.input), output: z.literal(RECOVERY_IO.output), kind: nonEmpty }),
    }),
    provenance: provenanceSchema,
  })
  .superRefine((m, ctx) => {
    const problem = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const sized = (key: string, values: readonly number[], size: number, sizeKey: string) => {
      if (values.length !== size) problem(key.split('.'), `has ${values.length} entries, expected ${size} (${sizeKey})`);
      return values.length === size;
    };
    for (const space of ['observation', 'action'] as const) {
      const { size, low, high } = m[space];
      const lowOk = sized(`${space}.low`, low, size, `${space}.size`);
      const highOk = sized(`${space}.high`, high, size, `${space}.size`);
      if (!lowOk || !highOk) continue;
      low.forEach((lo, i) => {
        if (!(lo <= high[i])) problem([space, 'low', i], `${lo} is above ${space}.high[${i}] = ${high[i]}`);
      });
    }
    if ((m.files.trainingState === undefined) !== (m.files.trainingTensors === undefined)) {
      problem(['files'], `${TRAINING_STATE_FILE} and ${TRAINING_TENSORS_FILE} come together: give both or neither`);
    }
    if (m.normalization) {
      sized('normalization.mean', m.normalization.mean, m.observation.size, 'observation.size');
      sized('normalization.std', m.normalization.std, m.observation.size, 'observation.size');
    }
    if (sized('neutralAction', m.neutralAction, m.action.size, 'action.size') && m.action.low.length === m.action.size && m.action.high.length === m.action.size) {
      m.neutralAction.forEach((v, i) => {
        const [lo, hi] = [m.action.low[i], m.action.high[i]];
        if (!(v >= lo && v <= hi)) problem(['neutralAction', i], `${v} is outside the action bounds [${lo}, ${hi}]`);
      });
    }
  });

/** A validated manifest as held in memory (infinite observation bounds as ±Infinity). */
export type Manifest = z.output<typeof manifestSchema>;
export type Provenance = Manifest['provenance'];
/** What a writer supplies: everything except the file hashes, which the writer computes. */
export type ManifestDraft = Omit<Manifest, 'files'>;

/** A manifest that failed validation; `problems` holds one line per issue, each starting with its key path. */
export class ManifestError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'ManifestError';
  }
}

/** Validates a parsed `manifest.json` value; throws `ManifestError` naming every offending key path. */
export function parseManifest(value: unknown): Manifest {
  const result = manifestSchema.safeParse(value);
  if (result.success) return result.data;
  throw new ManifestError(result.error.issues.map((issue) => `${keyPath(issue.path)}: ${issue.message}`));
}

/** The JSON form of a manifest: infinite observation bounds become "-inf" / "inf". */
export function encodeManifest(m: Manifest): unknown {
  const encodeBound = (v: number) => (v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v);
  return {
    formatVersion: m.formatVersion,
    name: m.name,
    domain: m.domain,
    observation: { size: m.observation.size, low: m.observation.low.map(encodeBound), high: m.observation.high.map(encodeBound) },
    action: m.action,
    normalization: m.normalization,
    neutralAction: m.neutralAction,
    risk: m.risk,
    files: m.files,
    models: m.models,
    provenance: m.provenance,
  };
}

function keyPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}
