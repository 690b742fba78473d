/**
 * One dataset per Arrow IPC file (`.arrow`, the random-access "file" format, uncompressed):
 *
 * | column | Arrow type |
 * |---|---|
 * | `obs`, `next_obs` | FixedSizeList<Float32>[observationSize] |
 * | `action` | FixedSizeList<Float32>[actionSize] |
 * | `reward` | Float32 |
 * | `constraint`, `done` | Uint8 (0/1) |
 * | `env_id` | Int32 |
 *
 * The dataset's metadata (`DatasetMeta`) is JSON under the schema metadata key `mesa-shield`.
 * Python reads it with pyarrow alone:
 *
 * ```python
 * import json, pyarrow as pa
 * t = pa.ipc.open_file('train-00.arrow').read_all(); meta = json.loads(t.schema.metadata[b'mesa-shield'])
 * obs = t['obs'].combine_chunks().flatten().to_numpy().reshape(-1, meta['observationSize'])  # reward: t['reward'].to_numpy()
 * ```
 *
 * Reading takes each column's Float32/Uint8/Int32 buffer as it lies in the file (no per-value
 * decoding), then checks everything against the metadata: a file that is not whole and consistent is
 * refused with one `DatasetError`, never loaded in part.
 */
import { readFileSync } from 'node:fs';
import {
  DataType,
  Field,
  FixedSizeList,
  Float32,
  Int32,
  Precision,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Uint8,
  makeData,
  tableFromIPC,
  tableToIPC,
  type Data,
} from 'apache-arrow';
import { writeFileAtomic } from './atomic-write.js';
import { DatasetError, fsReason } from './errors.js';
import type { Dataset, Transitions } from './schema.js';
import { findProblem, parseMeta } from './validate.js';

/** Schema metadata key holding the dataset's metadata as JSON. */
export const METADATA_KEY = 'mesa-shield';

const MAGIC = Buffer.from('ARROW1', 'latin1');

type ColumnKind = 'vector' | 'float32' | 'uint8' | 'int32';

/** Writes the dataset atomically after checking it against its own metadata. */
export function writeDatasetFile(path: string, dataset: Dataset): void {
  const parsed = parseMeta(dataset.meta);
  const problem = 'problem' in parsed ? parsed.problem : findProblem(dataset.transitions, parsed.meta);
  if (problem !== null) throw new DatasetError(`cannot write ${path}: ${problem}`);
  const bytes = tableToIPC(toTable(dataset), 'file');
  try {
    writeFileAtomic(path, bytes);
  } catch (e) {
    throw new DatasetError(`cannot write ${path}: ${fsReason(e)}`);
  }
}

/** Reads and checks one dataset file; any problem is a `DatasetError` naming the file. */
export function readDatasetFile(path: string): Dataset {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DatasetError(`${path}: ${fsReason(e)}`);
  }
  const fail = (what: string): never => {
    throw new DatasetError(`${path}: ${what}`);
  };
  if (!hasFileMagic(bytes)) {
    fail(
      bytes.length < 2 * MAGIC.length
        ? `not a dataset file (${bytes.length} bytes, too short for an Arrow IPC file)`
        : 'not an Arrow IPC file, or truncated: the ARROW1 marker is missing at its start or end',
    );
  }
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    return fail(`damaged Arrow IPC file: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (table.schema.fields.some((f) => typeof f.name !== 'string' || f.name === '')) fail('damaged Arrow IPC file: its schema has unnamed columns');
  const json = table.schema.metadata.get(METADATA_KEY);
  if (json === undefined) fail(`no "${METADATA_KEY}" entry in the Arrow schema metadata: not a mesa-shield dataset (use \`mesa-shield import\`)`);
  let raw: unknown;
  try {
    raw = JSON.parse(json as string);
  } catch {
    fail(`the "${METADATA_KEY}" schema metadata is not valid JSON`);
  }
  const parsed = parseMeta(raw);
  if ('problem' in parsed) return fail(parsed.problem);
  const { meta } = parsed;
  if (table.numRows !== meta.size) fail(`metadata says ${meta.size} transitions but the file holds ${table.numRows} rows`);

  const column = <T extends Float32Array | Uint8Array | Int32Array>(name: string, kind: ColumnKind, width = 1): T => {
    const r = readColumn(table, name, kind, width);
    return typeof r === 'string' ? fail(r) : (r as T);
  };
  const transitions: Transitions = {
    size: table.numRows,
    observationSize: meta.observationSize,
    actionSize: meta.actionSize,
    obs: column('obs', 'vector', meta.observationSize),
    action: column('action', 'vector', meta.actionSize),
    reward: column('reward', 'float32'),
    nextObs: column('next_obs', 'vector', meta.observationSize),
    constraint: column('constraint', 'uint8'),
    done: column('done', 'uint8'),
    envId: column('env_id', 'int32'),
  };
  const problem = findProblem(transitions, meta);
  if (problem !== null) fail(problem);
  return { meta, transitions };
}

function hasFileMagic(bytes: Uint8Array): boolean {
  if (bytes.length < 2 * MAGIC.length) return false;
  return MAGIC.equals(bytes.subarray(0, MAGIC.length)) && MAGIC.equals(bytes.subarray(bytes.length - MAGIC.length));
}

/** The column's values as one typed array, or a message saying why it cannot be used. */
function readColumn(table: Table, name: string, kind: ColumnKind, width: number): Float32Array | Uint8Array | Int32Array | string {
  const field = table.schema.fields.find((f) => f.name === name);
  if (!field) return `missing column "${name}" (the file has: ${table.schema.fields.map((f) => f.name).join(', ') || 'no columns'})`;
  const typeProblem = checkType(field.type, kind, width);
  if (typeProblem) return `column "${name}" ${typeProblem}`;
  const chunks = table.getChild(name)?.data ?? [];
  const parts: (Float32Array | Uint8Array | Int32Array)[] = [];
  for (const chunk of chunks) {
    if (chunk.nullCount > 0) return `column "${name}" has ${chunk.nullCount} null value(s)`;
    const values = (kind === 'vector' ? (chunk.children[0] as Data) : chunk).values as Float32Array | Uint8Array | Int32Array;
    if (kind === 'vector' && chunk.children[0].nullCount > 0) return `column "${name}" has null list entries`;
    const n = chunk.length * width;
    if (values.length < n) return `column "${name}" is damaged: a record batch holds ${values.length} values, expected ${n}`;
    parts.push(values.subarray(0, n));
  }
  return concat(parts, kind);
}

function checkType(type: DataType, kind: ColumnKind, width: number): string | null {
  const isFloat32 = (t: DataType) => DataType.isFloat(t) && t.precision === Precision.SINGLE;
  switch (kind) {
    case 'vector':
      if (!DataType.isFixedSizeList(type) || !isFloat32(type.children[0].type)) return `has type ${type}; expected FixedSizeList<Float32>`;
      return type.listSize === width ? null : `holds ${type.listSize} values per row but the metadata says ${width}`;
    case 'float32':
      return isFloat32(type) ? null : `has type ${type}; expected Float32`;
    case 'uint8':
      return DataType.isInt(type) && type.bitWidth === 8 && !type.isSigned ? null : `has type ${type}; expected Uint8`;
    case 'int32':
      return DataType.isInt(type) && type.bitWidth === 32 && type.isSigned ? null : `has type ${type}; expected Int32`;
  }
}

function concat(parts: (Float32Array | Uint8Array | Int32Array)[], kind: ColumnKind): Float32Array | Uint8Array | Int32Array {
  if (parts.length === 1) return parts[0];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = kind === 'uint8' ? new Uint8Array(total) : kind === 'int32' ? new Int32Array(total) : new Float32Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function toTable({ meta, transitions: t }: Dataset): Table {
  const n = t.size;
  const listOf = (width: number) => new FixedSizeList(width, new Field('item', new Float32(), false));
  const vector = (width: number, values: Float32Array) =>
    makeData({ type: listOf(width), length: n, nullCount: 0, child: makeData({ type: new Float32(), length: n * width, nullCount: 0, data: values }) });
  const columns = [
    { field: new Field('obs', listOf(t.observationSize), false), data: vector(t.observationSize, t.obs) },
    { field: new Field('action', listOf(t.actionSize), false), data: vector(t.actionSize, t.action) },
    { field: new Field('reward', new Float32(), false), data: makeData({ type: new Float32(), length: n, nullCount: 0, data: t.reward }) },
    { field: new Field('next_obs', listOf(t.observationSize), false), data: vector(t.observationSize, t.nextObs) },
    { field: new Field('constraint', new Uint8(), false), data: makeData({ type: new Uint8(), length: n, nullCount: 0, data: t.constraint }) },
    { field: new Field('done', new Uint8(), false), data: makeData({ type: new Uint8(), length: n, nullCount: 0, data: t.done }) },
    { field: new Field('env_id', new Int32(), false), data: makeData({ type: new Int32(), length: n, nullCount: 0, data: t.envId }) },
  ];
  const fields = columns.map((c) => c.field);
  const schema = new Schema(fields, new Map([[METADATA_KEY, JSON.stringify(meta)]]));
  const struct = makeData({ type: new Struct(fields), length: n, nullCount: 0, children: columns.map((c) => c.data) });
  return new Table(schema, [new RecordBatch(schema, struct)]);
}
