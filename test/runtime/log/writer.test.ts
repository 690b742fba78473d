import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from '@foxglove/rosmsg';
import { MessageReader, MessageWriter } from '@foxglove/rosmsg2-serialization';
import { McapIndexedReader } from '@mcap/core';
import { FileHandleReadable } from '@mcap/nodejs';
import type { TickRecord } from '../../../runtime/core/decision.js';
import { LogError, TRANSITION_DEFINITION, TRANSITION_TOPIC, TransitionLogWriter, readTransitionLog } from '../../../runtime/log/index.js';
import { TransitionEncoder, transitionDecoder } from '../../../runtime/log/transition-message.js';
import { tempDir } from '../../support/datasets.js';
import { plain, tick } from '../../support/ticks.js';

const tmp = tempDir();
after(tmp.remove);
let folders = 0;
const folder = () => join(tmp.dir, `log-${folders++}`);

/** A clock that moves only when told to, from 2026-11-25T10:00:00Z. */
function manualClock() {
  let ns = 1_795_600_800_000_000_000n;
  return { now: () => ns, advance: (ms: number) => (ns += BigInt(ms) * 1_000_000n) };
}

async function indexed(path: string) {
  const handle = await open(path, 'r');
  try {
    const reader = await McapIndexedReader.Initialize({ readable: new FileHandleReadable(handle) });
    let messages = 0;
    for await (const m of reader.readMessages()) messages += m.data.byteLength > 0 ? 1 : 0;
    return { reader, messages };
  } finally {
    await handle.close();
  }
}

const unusual: TickRecord[] = [
  { tNs: -5e9, observation: new Float64Array(0), proposed: Float64Array.of(1), applied: Float64Array.of(1), risk: 0, source: 'task', reason: 'shield-bypassed' },
  { tNs: 2 ** 53 - 1, observation: Float64Array.of(Number.MAX_VALUE, -0, 1e-300), proposed: new Float64Array(0), applied: new Float64Array(0), risk: 1, source: 'fallback', reason: 'inference-error', constraint: 1 },
  { tNs: 1_795_600_800_123_456_789, observation: Float64Array.of(Infinity, -Infinity), proposed: Float64Array.of(0.5), applied: Float64Array.of(0), risk: null, source: 'recovery', reason: 'risk-too-high', constraint: 0 },
  { ...tick(9), stateStampNs: 1_795_600_800_000_000_001, episodeStart: true },
  { ...tick(10), stateStampNs: 0 },
];

describe('transition message encoding', () => {
  const definitions = parse(TRANSITION_DEFINITION, { ros2: true });

  it('writes the bytes @foxglove/rosmsg2-serialization writes, and the library reads them back', () => {
    const encoder = new TransitionEncoder();
    const library = new MessageWriter(definitions);
    const reader = new MessageReader(definitions);
    for (const r of [...unusual, tick(0), tick(3, 11, 7), tick(4, 1, 1)]) {
      const ours = encoder.encode(r).slice();
      const decoded = reader.readMessage<Record<string, unknown>>(ours);
      const theirs = library.writeMessage(decoded);
      assert.deepEqual(ours, theirs, `tick at ${r.tNs}`);
      assert.equal(decoded.t_ns, BigInt(Math.round(r.tNs)));
      assert.deepEqual(Array.from(decoded.observation as Float64Array), Array.from(r.observation));
    }
  });

  it('reads records of format 1, written before ticks carried the state stamp and episode start', () => {
    const format1 = TRANSITION_DEFINITION.replace(/# The stamp of the observation[\s\S]*$/, '');
    assert.ok(!format1.includes('state_stamp_ns') && format1.includes('int8 constraint'));
    const old = new MessageWriter(parse(format1, { ros2: true }));
    const bytes = old.writeMessage({ t_ns: 7_000_000n, observation: Float64Array.of(1, 2), proposed: Float64Array.of(3), applied: Float64Array.of(4), risk: 0.25, source: 1, reason: 1, constraint: 1 });
    const decoded = transitionDecoder(format1, 'old.mcap')(bytes);
    assert.deepEqual(plain(decoded), plain({ tNs: 7e6, observation: Float64Array.of(1, 2), proposed: Float64Array.of(3), applied: Float64Array.of(4), risk: 0.25, source: 'recovery', reason: 'risk-too-high', constraint: 1 }));
  });
});

describe('TransitionLogWriter', () => {
  it('round-trips tick records, including absent risks and constraint flags', async () => {
    const writer = new TransitionLogWriter({ dir: folder(), flush_records: 10 });
    const records = [...unusual, ...Array.from({ length: 57 }, (_, i) => tick(i))];
    for (const r of records) writer.append(r);
    const stats = await writer.close();
    assert.deepEqual({ appended: stats.appended, written: stats.written, dropped: stats.dropped, files: stats.files.length }, { appended: records.length, written: records.length, dropped: 0, files: 1 });
    const log = await readTransitionLog(stats.files[0]);
    assert.equal(log.scan.complete, true);
    assert.equal(log.scan.unreadBytes, 0);
    assert.deepEqual(log.records.map(plain), records.map(plain));
  });

  it('writes a complete, indexed MCAP file: one chunk per flush, summary and statistics', async () => {
    const writer = new TransitionLogWriter({ dir: folder(), flush_records: 10, library: 'mesa-shield test' });
    for (let i = 0; i < 35; i++) writer.append(tick(i));
    const { files } = await writer.close();
    const { reader, messages } = await indexed(files[0]);
    assert.equal(messages, 35);
    assert.equal(reader.header.profile, 'ros2');
    assert.equal(reader.header.library, 'mesa-shield test');
    assert.equal(reader.chunkIndexes.length, 4, '10 + 10 + 10 + 5 records');
    assert.equal(reader.statistics?.messageCount, 35n);
    const [channel] = reader.channelsById.values();
    assert.equal(channel.topic, TRANSITION_TOPIC);
    assert.equal(channel.messageEncoding, 'cdr');
    assert.equal(reader.schemasById.get(channel.schemaId)?.encoding, 'ros2msg');
    assert.deepEqual(reader.metadataIndexes.map((m) => m.name), ['mesa_shield']);
  });

  it('closes a chunk after flush_ms even when records stop coming', async () => {
    const writer = new TransitionLogWriter({ dir: folder(), flush_records: 1000, flush_ms: 20 });
    for (let i = 0; i < 3; i++) writer.append(tick(i));
    assert.equal(writer.stats.written, 0);
    for (let waited = 0; writer.stats.written < 3 && waited < 2000; waited += 10) await sleep(10);
    assert.equal(writer.stats.written, 3);
    await writer.close();
  });

  it('rotates by size into files that all read back, in order', async () => {
    const dir = folder();
    const writer = new TransitionLogWriter({ dir, flush_records: 20, rotate_mb: 4 / 1024 });
    const records = Array.from({ length: 500 }, (_, i) => tick(i));
    for (const r of records) writer.append(r);
    const { files } = await writer.close();
    assert.ok(files.length >= 10, `${files.length} files`);
    assert.deepEqual(files, [...files].sort(), 'names sort in writing order');
    for (const f of files) assert.match(f, /transitions-\d{8}T\d{6}\.\d{3}Z-\d{4}\.mcap$/);
    const back: TickRecord[] = [];
    for (const f of files) {
      const log = await readTransitionLog(f);
      assert.equal(log.scan.complete, true, f);
      back.push(...log.records);
      assert.equal((await indexed(f)).messages, log.records.length);
    }
    assert.deepEqual(back.map(plain), records.map(plain));
  });

  it('rotates by duration', async () => {
    const clock = manualClock();
    const writer = new TransitionLogWriter({ dir: folder(), flush_records: 5, rotate_s: 1, now: clock.now });
    for (let i = 0; i < 40; i++) {
      writer.append(tick(i));
      clock.advance(200);
    }
    const { files } = await writer.close();
    const sizes = await Promise.all(files.map(async (f) => (await readTransitionLog(f)).records.length));
    assert.deepEqual(sizes, [10, 10, 10, 10], 'a new file once a flush finds the file 1 s old');
  });

  it('reports a write error once, drops records instead of throwing, and rejects close()', async () => {
    const dir = folder();
    const clock = manualClock();
    const errors: Error[] = [];
    const writer = new TransitionLogWriter({ dir, now: clock.now, onError: (e) => errors.push(e), flush_records: 2 });
    // The first file's name is known from the clock: taking it makes the writer's exclusive open fail.
    writeFileSync(join(dir, 'transitions-20261125T100000.000Z-0001.mcap'), 'not mine');
    for (let i = 0; i < 4; i++) writer.append(tick(i));
    for (let waited = 0; errors.length === 0 && waited < 2000; waited += 10) await sleep(10);
    writer.append(tick(4));
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /EEXIST/);
    assert.ok(writer.stats.dropped >= 1);
    await assert.rejects(writer.close(), /EEXIST/);
  });

  it('rejects a bad config with the key path, and append after close', async () => {
    assert.throws(() => new TransitionLogWriter({ dir: folder(), flush_records: 0 }), (e: unknown) => e instanceof LogError && /flush_records/.test(e.message));
    assert.throws(() => new TransitionLogWriter({ dir: folder(), rotate_mb: -1 }), /rotate_mb/);
    const writer = new TransitionLogWriter({ dir: folder() });
    await writer.close();
    assert.throws(() => writer.append(tick(0)), /after close/);
  });
});
