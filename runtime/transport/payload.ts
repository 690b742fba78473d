/**
 * Payloads of the state, proposed and applied topics, in two encodings, both validated when
 * decoded: decoding never throws, it returns either a vector of finite numbers or the reason the
 * payload was refused.
 *
 * JSON (UTF-8): `{ "stamp_ns"?: number, "values": number[] }`. A state may add what the robot
 * knows of it: `"constraint": 0 | 1` (the state violates the constraint) and `"episode_start": true`
 * (the state follows a reset, not the last applied command). Applied commands add `"source"`,
 * `"risk"`, `"reason"` and `"threshold"`. Unknown keys are ignored.
 *
 * Binary, little-endian, 16-byte header then the values:
 *
 * | offset | size | field                                                               |
 * |-------:|-----:|---------------------------------------------------------------------|
 * |      0 |    2 | magic `"MS"` (0x4d 0x53)                                            |
 * |      2 |    1 | version, 1                                                          |
 * |      3 |    1 | element width: 4 = float32, 8 = float64                             |
 * |      4 |    8 | stamp in nanoseconds, uint64 (read only when flag bit 0 is set)     |
 * |     12 |    2 | n, number of values, uint16                                         |
 * |     14 |    1 | source: 0 none (inputs), 1 task, 2 recovery, 3 fallback (applied)   |
 * |     15 |    1 | flags: bit 0 = stamp present, bit 1 = constraint reported, bit 2 =  |
 * |        |      | constraint violated, bit 3 = episode start; bits 4-7 must be 0      |
 * |     16 |  n*w | values                                                              |
 *
 * The payload must be exactly 16 + n*w bytes. The header keeps float64 values 8-byte aligned.
 * A JSON document cannot start with 0x4d, so `auto` tells the encodings apart by the first byte.
 */
import { z } from 'zod';
import type { DecisionSource } from '../core/decision.js';

export type InputEncoding = 'auto' | 'json' | 'binary';
export type OutputEncoding = 'json' | 'binary';
export type ElementType = 'float32' | 'float64';

/** The most values one payload carries (the binary count is a uint16). */
export const MAX_VALUES = 65535;
export const BINARY_HEADER_BYTES = 16;
const MAGIC_0 = 0x4d;
const MAGIC_1 = 0x53;
const VERSION = 1;
const STAMP_FLAG = 1;
const CONSTRAINT_REPORTED_FLAG = 2;
const CONSTRAINT_VIOLATED_FLAG = 4;
const EPISODE_START_FLAG = 8;
const KNOWN_FLAGS = STAMP_FLAG | CONSTRAINT_REPORTED_FLAG | CONSTRAINT_VIOLATED_FLAG | EPISODE_START_FLAG;
const SOURCES: readonly (DecisionSource | null)[] = [null, 'task', 'recovery', 'fallback'];

/** A decoded payload. */
export interface VectorMessage {
  /** Finite numbers only. */
  readonly values: Float64Array;
  /** Null when the sender gave no stamp. */
  readonly stampNs: number | null;
  /** What a state may report about itself. */
  readonly constraint?: 0 | 1;
  readonly episodeStart?: boolean;
  /** The fields an applied command carries. */
  readonly source?: DecisionSource;
  readonly risk?: number | null;
  readonly reason?: string;
  readonly threshold?: number;
}

export type DecodeResult = { readonly ok: true; readonly message: VectorMessage } | { readonly ok: false; readonly error: string };

/** Stamps are uint64 nanoseconds in the binary layout; JSON is held to the same range. */
const STAMP_LIMIT = 2 ** 64;

const jsonVector = z.object({
  stamp_ns: z.number().nonnegative().lt(STAMP_LIMIT).optional(),
  values: z.array(z.number()).max(MAX_VALUES),
  source: z.enum(['task', 'recovery', 'fallback']).optional(),
  risk: z.number().nullable().optional(),
  reason: z.string().max(64).optional(),
  threshold: z.number().optional(),
  constraint: z.union([z.literal(0), z.literal(1)]).optional(),
  episode_start: z.boolean().optional(),
});

const utf8 = new TextDecoder('utf-8', { fatal: true });

function refuse(error: string): DecodeResult {
  return { ok: false, error };
}

/** Decodes a payload; `maxBytes` bounds the work done on a hostile one. */
export function decodeVector(payload: Uint8Array, encoding: InputEncoding = 'auto', maxBytes = 65536): DecodeResult {
  if (payload.length === 0) return refuse('empty payload');
  if (payload.length > maxBytes) return refuse(`payload of ${payload.length} bytes exceeds the limit of ${maxBytes}`);
  const binary = encoding === 'binary' || (encoding === 'auto' && payload[0] === MAGIC_0);
  return binary ? decodeBinary(payload) : decodeJson(payload);
}

function decodeJson(payload: Uint8Array): DecodeResult {
  let doc: unknown;
  try {
    doc = JSON.parse(utf8.decode(payload));
  } catch (e) {
    return refuse(e instanceof SyntaxError ? `not JSON: ${e.message}` : 'not UTF-8 text');
  }
  const parsed = jsonVector.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return refuse(`JSON ${issue.path.length > 0 ? issue.path.join('.') : 'document'}: ${issue.message}`);
  }
  const { stamp_ns, values, source, risk, reason, threshold, constraint, episode_start } = parsed.data;
  return {
    ok: true,
    message: {
      values: Float64Array.from(values),
      stampNs: stamp_ns ?? null,
      ...(source === undefined ? {} : { source }),
      ...(risk === undefined ? {} : { risk }),
      ...(reason === undefined ? {} : { reason }),
      ...(threshold === undefined ? {} : { threshold }),
      ...(constraint === undefined ? {} : { constraint }),
      ...(episode_start === undefined ? {} : { episodeStart: episode_start }),
    },
  };
}

function decodeBinary(payload: Uint8Array): DecodeResult {
  if (payload[0] !== MAGIC_0 || payload[1] !== MAGIC_1) return refuse('binary payload does not start with "MS"');
  if (payload.length < BINARY_HEADER_BYTES) return refuse(`binary payload of ${payload.length} bytes is shorter than its 16-byte header`);
  if (payload[2] !== VERSION) return refuse(`binary payload version ${payload[2]}, expected ${VERSION}`);
  const width = payload[3];
  if (width !== 4 && width !== 8) return refuse(`binary element width ${width}, expected 4 or 8`);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const n = view.getUint16(12, true);
  const expected = BINARY_HEADER_BYTES + n * width;
  if (payload.length !== expected) return refuse(`binary payload of ${payload.length} bytes, expected ${expected} for ${n} values of ${width} bytes`);
  const sourceCode = payload[14];
  if (sourceCode >= SOURCES.length) return refuse(`binary source code ${sourceCode} is unknown`);
  const flags = payload[15];
  if ((flags & ~KNOWN_FLAGS) !== 0) return refuse(`binary flags 0x${flags.toString(16)} set reserved bits`);
  if ((flags & CONSTRAINT_VIOLATED_FLAG) !== 0 && (flags & CONSTRAINT_REPORTED_FLAG) === 0) return refuse('binary flags: constraint violated but not reported');
  const values = new Float64Array(n);
  for (let i = 0, at = BINARY_HEADER_BYTES; i < n; i++, at += width) {
    const v = width === 8 ? view.getFloat64(at, true) : view.getFloat32(at, true);
    if (!Number.isFinite(v)) return refuse(`value ${i} is ${v}`);
    values[i] = v;
  }
  const source = SOURCES[sourceCode];
  return {
    ok: true,
    message: {
      values,
      stampNs: (flags & STAMP_FLAG) !== 0 ? Number(view.getBigUint64(4, true)) : null,
      ...(source === null ? {} : { source }),
      ...((flags & CONSTRAINT_REPORTED_FLAG) !== 0 ? { constraint: (flags & CONSTRAINT_VIOLATED_FLAG) !== 0 ? 1 : 0 } : {}),
      ...((flags & EPISODE_START_FLAG) !== 0 ? { episodeStart: true } : {}),
    },
  };
}

/** What an encoder writes besides the values. */
export interface EncodeFields {
  readonly stampNs?: number | null;
  readonly source?: DecisionSource;
  readonly risk?: number | null;
  readonly reason?: string;
  readonly threshold?: number;
  readonly constraint?: 0 | 1;
  readonly episodeStart?: boolean;
}

/**
 * Encodes a vector. Throws a `RangeError` for what no decoder would accept (a non-finite value,
 * one that overflows float32, a negative or non-finite stamp, more than `MAX_VALUES` values).
 */
export function encodeVector(values: ArrayLike<number>, fields: EncodeFields, encoding: OutputEncoding, element: ElementType = 'float64'): Uint8Array {
  checkEncodable(values, fields.stampNs);
  return encoding === 'binary' ? encodeBinary(values, fields, element) : encodeJson(values, fields);
}

function checkEncodable(values: ArrayLike<number>, stampNs: number | null | undefined): void {
  if (values.length > MAX_VALUES) throw new RangeError(`${values.length} values exceed the ${MAX_VALUES} a payload carries`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`value ${i} is ${values[i]}; payloads carry finite numbers only`);
  }
  if (stampNs != null && !(stampNs >= 0 && stampNs < STAMP_LIMIT)) throw new RangeError(`stamp ${stampNs} is not in [0, 2^64)`);
}

const utf8Encoder = new TextEncoder();

function encodeJson(values: ArrayLike<number>, f: EncodeFields): Uint8Array {
  // Built by hand: a typed array is not a JSON array, and String(number) is JSON's own number form.
  let s = '{';
  if (f.stampNs != null) s += `"stamp_ns":${Math.round(f.stampNs)},`;
  s += `"values":[${Array.prototype.join.call(values, ',')}]`;
  if (f.source !== undefined) s += `,"source":"${f.source}"`;
  if (f.risk !== undefined) s += `,"risk":${f.risk === null || !Number.isFinite(f.risk) ? 'null' : f.risk}`;
  if (f.reason !== undefined) s += `,"reason":${JSON.stringify(f.reason)}`;
  if (f.threshold !== undefined && Number.isFinite(f.threshold)) s += `,"threshold":${f.threshold}`;
  if (f.constraint !== undefined) s += `,"constraint":${f.constraint}`;
  if (f.episodeStart) s += ',"episode_start":true';
  return utf8Encoder.encode(`${s}}`);
}

function encodeBinary(values: ArrayLike<number>, f: EncodeFields, element: ElementType): Uint8Array {
  const width = element === 'float64' ? 8 : 4;
  const out = new Uint8Array(BINARY_HEADER_BYTES + values.length * width);
  const view = new DataView(out.buffer);
  out[0] = MAGIC_0;
  out[1] = MAGIC_1;
  out[2] = VERSION;
  out[3] = width;
  if (f.stampNs != null) {
    view.setBigUint64(4, BigInt(Math.round(f.stampNs)), true);
    out[15] |= STAMP_FLAG;
  }
  if (f.constraint !== undefined) out[15] |= CONSTRAINT_REPORTED_FLAG | (f.constraint === 1 ? CONSTRAINT_VIOLATED_FLAG : 0);
  if (f.episodeStart) out[15] |= EPISODE_START_FLAG;
  view.setUint16(12, values.length, true);
  out[14] = f.source === undefined ? 0 : SOURCES.indexOf(f.source);
  for (let i = 0, at = BINARY_HEADER_BYTES; i < values.length; i++, at += width) {
    if (width === 8) view.setFloat64(at, values[i], true);
    else {
      view.setFloat32(at, values[i], true);
      if (!Number.isFinite(view.getFloat32(at, true))) throw new RangeError(`value ${i} (${values[i]}) overflows float32`);
    }
  }
  return out;
}

/**
 * The checks a decoded payload passes, for vectors handed over in-process: finite values, at most
 * `MAX_VALUES`, a stamp in [0, 2^64). The values are copied, as a payload would be.
 */
export function validateVector(values: ArrayLike<number>, stampNs: number | null = null): DecodeResult {
  if (values == null || typeof values.length !== 'number') return refuse('not an array of numbers');
  if (values.length > MAX_VALUES) return refuse(`${values.length} values exceed the ${MAX_VALUES} a payload carries`);
  if (stampNs !== null && !(stampNs >= 0 && stampNs < STAMP_LIMIT)) return refuse(`stamp ${stampNs} is not in [0, 2^64)`);
  const copy = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) return refuse(`value ${i} is ${String(v)}`);
    copy[i] = v;
  }
  return { ok: true, message: { values: copy, stampNs } };
}
