import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
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
import { DatasetError, METADATA_KEY, readDatasetFile, writeDatasetFile, type Dataset, type Transitions } from '../../../training/data/index.js';
import { randomDataset, tempDir } from '../../support/datasets.js';

const tmp = tempDir();
after(tmp.remove);
let fileCount = 0;
const newPath = () => join(tmp.dir, `d${fileCount++}.arrow`);

function vector(width: number, values: Float32Array, rows: number): Data {
  return makeData({
    type: new FixedSizeList(width, new Field('item', new Float32(), false)),
    length: rows,
    nullCount: 0,
    child: makeData({ type: new Float32(), length: values.length, data: values }),
  });
}

function columnsOf(t: Transitions): Record<string, Data> {
  return {
    obs: vector(t.observationSize, t.obs, t.size),
    action: vector(t.actionSize, t.action, t.size),
    reward: makeData({ type: new Float32(), length: t.size, data: t.reward }),
    next_obs: vector(t.observationSize, t.nextObs, t.size),
    constraint: makeData({ type: new Uint8(), length: t.size, data: t.constraint }),
    done: makeData({ type: new Uint8(), length: t.size, data: t.done }),
    env_id: makeData({ type: new Int32(), length: t.size, data: t.envId }),
  };
}

/** Writes an Arrow IPC file as another tool might: any columns, any metadata, one or more record batches. */
function writeRaw(path: string, batches: Record<string, Data>[], meta: unknown): void {
  const fields = Object.entries(batches[0]).map(([name, d]) => new Field(name, d.type, false));
  const metadata = new Map(meta === undefined ? [] : [[METADATA_KEY, typeof meta === 'string' ? meta : JSON.stringify(meta)]]);
  const schema = new Schema(fields, metadata);
  const records = batches.map((columns) => {
    const children = Object.values(columns);
    return new RecordBatch(schema, makeData({ type: new Struct(fields), length: children[0].length, nullCount: 0, children }));
  });
  writeFileSync(path, tableToIPC(new Table(schema, records), 'file'));
}

function assertSameDataset(actual: Dataset, expected: Dataset): void {
  assert.deepEqual(actual.meta, expected.meta);
  const a = actual.transitions;
  const e = expected.transitions;
  assert.deepEqual([a.size, a.observationSize, a.actionSize], [e.size, e.observationSize, e.actionSize]);
  for (const key of ['obs', 'action', 'reward', 'nextObs', 'constraint', 'done', 'envId'] as const) {
    assert.equal(a[key].constructor, e[key].constructor, key);
    assert.deepEqual(Array.from(a[key]), Array.from(e[key]), key);
  }
}

function assertRejected(path: string, pattern: RegExp): void {
  assert.throws(
    () => readDatasetFile(path),
    (e: unknown) => {
      assert.ok(e instanceof DatasetError, `expected a DatasetError, got ${String(e)}`);
      assert.ok(e.message.startsWith(`${path}: `), `the message names the file: ${e.message}`);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe('arrow dataset files', () => {
  it('read back exactly what was written, metadata included', () => {
    const d = randomDataset(1, 257, { obs: 5, act: 3, envCount: 3 });
    const path = newPath();
    writeDatasetFile(path, d);
    assertSameDataset(readDatasetFile(path), d);
  });

  it('round-trip an empty dataset', () => {
    const d = randomDataset(2, 0);
    const path = newPath();
    writeDatasetFile(path, d);
    assertSameDataset(readDatasetFile(path), d);
  });

  it('use plain Arrow types and schema metadata that any Arrow reader understands', () => {
    const d = randomDataset(3, 10, { obs: 4, act: 2 });
    const path = newPath();
    writeDatasetFile(path, d);
    const t = tableFromIPC(readFileSync(path));
    const types = Object.fromEntries(t.schema.fields.map((f) => [f.name, String(f.type)]));
    assert.deepEqual(types, {
      obs: 'FixedSizeList[4]<Float32>',
      action: 'FixedSizeList[2]<Float32>',
      reward: 'Float32',
      next_obs: 'FixedSizeList[4]<Float32>',
      constraint: 'Uint8',
      done: 'Uint8',
      env_id: 'Int32',
    });
    assert.deepEqual(JSON.parse(t.schema.metadata.get(METADATA_KEY) as string), d.meta);
    assert.equal(readFileSync(path).subarray(0, 6).toString('latin1'), 'ARROW1');
  });

  it('concatenate several record batches', () => {
    const d = randomDataset(4, 30, { obs: 3, act: 2 });
    const t = d.transitions;
    const part = (from: number, to: number): Transitions => ({
      size: to - from,
      observationSize: 3,
      actionSize: 2,
      obs: t.obs.slice(from * 3, to * 3),
      action: t.action.slice(from * 2, to * 2),
      reward: t.reward.slice(from, to),
      nextObs: t.nextObs.slice(from * 3, to * 3),
      constraint: t.constraint.slice(from, to),
      done: t.done.slice(from, to),
      envId: t.envId.slice(from, to),
    });
    const path = newPath();
    writeRaw(path, [columnsOf(part(0, 10)), columnsOf(part(10, 25)), columnsOf(part(25, 30))], d.meta);
    assertSameDataset(readDatasetFile(path), d);
  });

  it('write atomically: no temporary file is left, and a refused write keeps the old file', () => {
    const path = newPath();
    const d = randomDataset(5, 20);
    writeDatasetFile(path, d);
    const before = readFileSync(path);
    const bad: Dataset = { meta: { ...d.meta, violations: d.meta.violations + 1 }, transitions: d.transitions };
    assert.throws(() => writeDatasetFile(path, bad), /cannot write .*metadata says \d+ violations/);
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(readdirSync(tmp.dir).filter((f) => f.endsWith('.tmp')), []);
  });

  it('refuse to write NaN or a folder that does not exist', () => {
    const d = randomDataset(6, 5);
    d.transitions.obs[4] = Number.NaN;
    assert.throws(() => writeDatasetFile(newPath(), d), /column obs holds NaN in row 1/);
    assert.throws(() => writeDatasetFile(join(tmp.dir, 'nowhere', 'x.arrow'), randomDataset(6, 5)), /cannot write .*no such file or folder/);
  });

  describe('refuse a bad file with one clear message naming it', () => {
    const good = randomDataset(7, 90, { obs: 3, act: 2 });
    const goodPath = newPath();
    writeDatasetFile(goodPath, good);
    const bytes = readFileSync(goodPath);

    it('a missing file', () => assertRejected(join(tmp.dir, 'missing.arrow'), /no such file/));

    it('a truncated file', () => {
      for (const keep of [bytes.length - 10, Math.floor(bytes.length / 2), 100, 3, 0]) {
        const path = newPath();
        writeFileSync(path, bytes.subarray(0, keep));
        assertRejected(path, /truncated|too short/);
      }
    });

    it('random bytes', () => {
      const path = newPath();
      writeFileSync(path, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)));
      assertRejected(path, /not an Arrow IPC file/);
    });

    it('a damaged footer', () => {
      const path = newPath();
      const damaged = Buffer.from(bytes);
      damaged.fill(0xff, damaged.length - 200, damaged.length - 10);
      writeFileSync(path, damaged);
      assertRejected(path, /damaged Arrow IPC file/);
    });

    it('metadata that says 100 transitions over 90 rows', () => {
      const path = newPath();
      writeRaw(path, [columnsOf(good.transitions)], { ...good.meta, size: 100 });
      assertRejected(path, /metadata says 100 transitions but the file holds 90 rows/);
    });

    it('a missing column', () => {
      const path = newPath();
      const { done: _, ...columns } = columnsOf(good.transitions);
      writeRaw(path, [columns], good.meta);
      assertRejected(path, /missing column "done"/);
    });

    it('a list width that differs from the metadata', () => {
      const path = newPath();
      writeRaw(path, [columnsOf(good.transitions)], { ...good.meta, observationSize: 4 });
      assertRejected(path, /column "obs" holds 3 values per row but the metadata says 4/);
    });

    it('a column of the wrong type', () => {
      const path = newPath();
      const columns = columnsOf(good.transitions);
      columns.reward = makeData({ type: new Float64(), length: 90, data: Float64Array.from(good.transitions.reward) });
      writeRaw(path, [columns], good.meta);
      assertRejected(path, /column "reward" has type Float64; expected Float32/);
    });

    it('constraint values other than 0 and 1', () => {
      const path = newPath();
      const t = { ...good.transitions, constraint: good.transitions.constraint.slice() };
      t.constraint[17] = 2;
      writeRaw(path, [columnsOf(t)], good.meta);
      assertRejected(path, /column constraint holds 2 in row 17; it must be 0 or 1/);
    });

    it('NaN or infinity in a float column', () => {
      for (const [key, value, pattern] of [
        ['obs', Number.NaN, /column obs holds NaN in row 5/],
        ['nextObs', Number.POSITIVE_INFINITY, /column next_obs holds Infinity in row 5/],
      ] as const) {
        const path = newPath();
        const column = good.transitions[key].slice();
        column[16] = value;
        writeRaw(path, [columnsOf({ ...good.transitions, [key]: column })], good.meta);
        assertRejected(path, pattern);
      }
    });

    it('a violation count that disagrees with the constraint column', () => {
      const path = newPath();
      writeRaw(path, [columnsOf(good.transitions)], { ...good.meta, violations: good.meta.violations + 1 });
      assertRejected(path, /metadata says \d+ violations but the constraint column has \d+/);
    });

    it('an environment id outside the environment list', () => {
      const path = newPath();
      const t = { ...good.transitions, envId: good.transitions.envId.slice() };
      t.envId[3] = 1;
      writeRaw(path, [columnsOf(t)], good.meta);
      assertRejected(path, /env_id holds 1 in row 3, but the metadata lists 1 environment/);
    });

    it('missing, unparsable or invalid metadata', () => {
      const cases: [unknown, RegExp][] = [
        [undefined, /no "mesa-shield" entry in the Arrow schema metadata/],
        ['{not json', /not valid JSON/],
        [{ ...good.meta, formatVersion: 2, policy: '' }, /invalid metadata: formatVersion: .*; policy: /],
        [{ ...good.meta, domain: 'navigation1' }, /domain navigation1 with obs 3\/act 2, but navigation1 has obs 2\/act 2/],
      ];
      for (const [meta, pattern] of cases) {
        const path = newPath();
        writeRaw(path, [columnsOf(good.transitions)], meta);
        assertRejected(path, pattern);
      }
    });
  });
});
