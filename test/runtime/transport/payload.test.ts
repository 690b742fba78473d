import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BINARY_HEADER_BYTES, MAX_VALUES, decodeStatus, decodeVector, encodeStatus, encodeVector, validateVector } from '../../../runtime/transport/index.js';

const text = (s: string) => new TextEncoder().encode(s);

function binaryHeader(n: number, width: number, overrides: Partial<Record<number, number>> = {}): Uint8Array {
  const b = new Uint8Array(BINARY_HEADER_BYTES + n * width);
  b.set([0x4d, 0x53, 1, width]);
  new DataView(b.buffer).setUint16(12, n, true);
  for (const [at, v] of Object.entries(overrides)) b[Number(at)] = v as number;
  return b;
}

describe('vector payloads', () => {
  it('round-trip through JSON and binary (float64 exactly, float32 as Math.fround), with or without a stamp', () => {
    const values = [0.1, -2.5e-30, 1e30, -0, 42];
    for (const stampNs of [1_234_567_890_123, 0, null]) {
      for (const [encoding, element] of [['json', 'float64'], ['binary', 'float64'], ['binary', 'float32']] as const) {
        const r = decodeVector(encodeVector(values, { stampNs }, encoding, element));
        assert.ok(r.ok, `${encoding}/${element}: ${r.ok ? '' : r.error}`);
        assert.equal(r.message.stampNs, stampNs);
        const expected = element === 'float32' ? values.map((v) => Math.fround(v)) : values;
        assert.deepEqual(Array.from(r.message.values), expected.map((v) => (Object.is(v, -0) && encoding === 'json' ? 0 : v)));
      }
    }
  });

  it('carry the fields of an applied command', () => {
    const fields = { stampNs: 7, source: 'recovery', risk: 0.75, reason: 'risk-too-high', threshold: 0.3 } as const;
    const json = decodeVector(encodeVector([1, 2], fields, 'json'));
    assert.ok(json.ok);
    assert.deepEqual({ ...json.message, values: Array.from(json.message.values) }, { values: [1, 2], ...fields });
    const binary = decodeVector(encodeVector([1, 2], fields, 'binary'));
    assert.ok(binary.ok);
    assert.equal(binary.message.source, 'recovery');
    assert.equal(binary.message.risk, undefined);
  });

  it("carry a state's constraint flag and episode start in both encodings, and refuse a violation that is not reported", () => {
    for (const encoding of ['json', 'binary'] as const) {
      for (const report of [{}, { constraint: 0 }, { constraint: 1 }, { constraint: 1, episodeStart: true }, { episodeStart: true }] as const) {
        const r = decodeVector(encodeVector([1, 2], { stampNs: 5, ...report }, encoding));
        assert.ok(r.ok);
        assert.deepEqual({ constraint: r.message.constraint, episodeStart: r.message.episodeStart }, { constraint: undefined, episodeStart: undefined, ...report }, `${encoding} ${JSON.stringify(report)}`);
      }
    }
    const violatedOnly = binaryHeader(0, 8, { 15: 0x04 });
    assert.match((decodeVector(violatedOnly) as { error: string }).error, /not reported/);
    assert.match((decodeVector(text('{"values": [1], "constraint": 2}')) as { error: string }).error, /constraint/);
  });

  it('decode the JSON layout users write by hand, ignoring unknown keys', () => {
    const r = decodeVector(text('{"values":[1,2.5,-3],"stamp_ns":99,"frame_id":"base_link"}'));
    assert.ok(r.ok);
    assert.deepEqual(Array.from(r.message.values), [1, 2.5, -3]);
    assert.equal(r.message.stampNs, 99);
  });

  it('refuse malformed payloads with a reason', () => {
    const tooMany = binaryHeader(0, 8);
    new DataView(tooMany.buffer).setUint16(12, 3, true);
    const nanBinary = binaryHeader(1, 8);
    new DataView(nanBinary.buffer).setFloat64(16, NaN, true);
    const cases: [string, Uint8Array, RegExp][] = [
      ['empty', new Uint8Array(0), /empty/],
      ['not JSON', text('{"values": [1, 2'), /not JSON/],
      ['invalid UTF-8', Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d), /UTF-8/],
      ['no values', text('{"stamp_ns": 1}'), /values/],
      ['a string among the values', text('{"values": [1, "2"]}'), /values\.1/],
      ['a negative stamp', text('{"values": [1], "stamp_ns": -5}'), /stamp_ns/],
      ['a stamp of 2^64', text(`{"values": [1], "stamp_ns": ${2 ** 64}}`), /stamp_ns/],
      ['an array document', text('[1, 2]'), /document/],
      ['null', text('null'), /document/],
      ['an unknown source', text('{"values": [1], "source": "operator"}'), /source/],
      ['a short binary header', Uint8Array.of(0x4d, 0x53, 1, 8), /shorter than its 16-byte header/],
      ['wrong magic', binaryHeader(0, 8, { 1: 0x54 }), /does not start with "MS"/],
      ['an unknown version', binaryHeader(0, 8, { 2: 2 }), /version 2/],
      ['an unknown element width', binaryHeader(0, 8, { 3: 2 }), /width 2/],
      ['a count beyond the payload', tooMany, /expected 40/],
      ['trailing bytes', Uint8Array.of(...binaryHeader(1, 4), 0), /expected 20/],
      ['an unknown source code', binaryHeader(0, 8, { 14: 9 }), /source code 9/],
      ['reserved flag bits', binaryHeader(0, 8, { 15: 0x80 }), /reserved bits/],
      ['NaN in binary', nanBinary, /value 0 is NaN/],
      ['binary sent to a JSON-only topic', binaryHeader(0, 8), /not JSON/],
    ];
    for (const [what, payload, reason] of cases) {
      const r = what === 'binary sent to a JSON-only topic' ? decodeVector(payload, 'json') : decodeVector(payload);
      assert.equal(r.ok, false, what);
      assert.match(r.ok ? '' : r.error, reason, what);
    }
    assert.match((decodeVector(text('{"values":[1]}'), 'binary') as { error: string }).error, /does not start with "MS"/);
    const big = text(`{"values":[${new Array(20000).fill(1).join(',')}]}`);
    assert.match((decodeVector(big, 'auto', 1024) as { error: string }).error, /exceeds the limit of 1024/);
  });

  it('refuse to encode what no decoder would accept', () => {
    assert.throws(() => encodeVector([NaN], {}, 'json'), /finite/);
    assert.throws(() => encodeVector([1e39], {}, 'binary', 'float32'), /overflows float32/);
    assert.throws(() => encodeVector([1], { stampNs: -1 }, 'binary'), /stamp/);
    assert.throws(() => encodeVector(new Float64Array(MAX_VALUES + 1), {}, 'binary'), /exceed/);
  });

  it('never throw on arbitrary bytes, and return finite values when they accept', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.constantFrom('auto', 'json', 'binary' as const), (bytes, encoding) => {
        const r = decodeVector(bytes, encoding);
        if (r.ok) assert.ok(r.message.values.every(Number.isFinite));
        else assert.ok(r.error.length > 0);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throw on arbitrary JSON documents and corrupted binary payloads', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (doc) => {
        decodeVector(text(JSON.stringify(doc) ?? 'null'));
      }),
      { numRuns: 1000 },
    );
    const valid = encodeVector([1, 2, 3], { stampNs: 5, source: 'task' }, 'binary');
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(valid.length), (at, byte, cut) => {
        const corrupted = Uint8Array.from(valid);
        corrupted[at] = byte;
        decodeVector(corrupted);
        decodeVector(corrupted.subarray(0, cut));
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trip any finite vector in every encoding', () => {
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(fc.array(finite, { maxLength: 64 }), fc.option(fc.nat(), { nil: null }), fc.constantFrom('json', 'binary' as const), (values, stampNs, encoding) => {
        const r = decodeVector(encodeVector(values, { stampNs }, encoding));
        assert.ok(r.ok);
        assert.deepEqual(Array.from(r.message.values), encoding === 'json' ? values.map((v) => v + 0) : values);
        assert.equal(r.message.stampNs, stampNs);
      }),
      { numRuns: 500 },
    );
  });

  it('validate in-process vectors with the same rules', () => {
    const source = [1, 2];
    const r = validateVector(source, 3);
    assert.ok(r.ok);
    source[0] = 9;
    assert.equal(r.message.values[0], 1, 'the vector is copied');
    assert.match((validateVector([1, Infinity]) as { error: string }).error, /value 1 is Infinity/);
    assert.match((validateVector([1], -1) as { error: string }).error, /stamp/);
    assert.match((validateVector(null as unknown as number[]) as { error: string }).error, /not an array/);
  });
});

describe('status payload', () => {
  it('round-trips and refuses what is not a status', () => {
    const s = { online: true, source: 'recovery', risk: 0.4, threshold: 0.2, reason: 'risk-too-high', ticks: 10, interventions: 3, fallbacks: 1, invalidInputs: 2, gateErrors: 0, stampNs: 123 } as const;
    assert.deepEqual(decodeStatus(encodeStatus(s)), s);
    assert.equal(decodeStatus(encodeStatus({ ...s, risk: NaN }))?.risk, null);
    assert.equal(decodeStatus('{"online": true}'), null);
    assert.equal(decodeStatus(Uint8Array.of(0xff)), null);
  });
});
