import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { z } from 'zod';

/**
 * A checkpoint folder: `state.json` (everything that is not a large array, plus an index of the
 * arrays) and `tensors.bin` (the arrays, float32 little-endian, concatenated). Written to a
 * temporary sibling and renamed into place, so an interrupted write never leaves half a checkpoint.
 */
export interface Checkpoint<M> {
  readonly meta: M;
  readonly tensors: Readonly<Record<string, Float32Array>>;
}

const indexSchema = z.object({
  format: z.literal('mesa-shield-checkpoint/1'),
  tensors: z.array(z.object({ name: z.string(), offset: z.number().int().nonnegative(), length: z.number().int().nonnegative() })),
  meta: z.unknown(),
});

export function writeCheckpoint<M>(dir: string, checkpoint: Checkpoint<M>): void {
  const entries = Object.entries(checkpoint.tensors);
  const total = entries.reduce((n, [, t]) => n + t.length, 0);
  const blob = new Float32Array(total);
  const index: { name: string; offset: number; length: number }[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    blob.set(t, offset);
    index.push({ name, offset, length: t.length });
    offset += t.length;
  }
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  writeFileSync(join(tmp, 'tensors.bin'), new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength));
  writeFileSync(join(tmp, 'state.json'), JSON.stringify({ format: 'mesa-shield-checkpoint/1', tensors: index, meta: checkpoint.meta }, null, 1));
  const old = existsSync(dir) ? join(parent, `.${basename(dir)}.old-${process.pid}`) : null;
  if (old) renameSync(dir, old);
  renameSync(tmp, dir);
  if (old) rmSync(old, { recursive: true, force: true });
}

/** Reads a checkpoint; `parseMeta` validates the metadata. Every failure names the folder. */
export function readCheckpoint<M>(dir: string, parseMeta: (meta: unknown) => M): Checkpoint<M> {
  const fail = (why: string): never => {
    throw new Error(`checkpoint ${dir}: ${why}`);
  };
  if (!existsSync(join(dir, 'state.json'))) fail('no state.json (not a checkpoint folder, or an interrupted write)');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
  } catch (e) {
    fail(`state.json is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const parsed = indexSchema.safeParse(raw);
  if (!parsed.success) fail(`state.json: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  const index = parsed.data!;
  let bytes: Buffer = Buffer.alloc(0);
  try {
    bytes = readFileSync(join(dir, 'tensors.bin'));
  } catch {
    fail('tensors.bin is missing');
  }
  const need = index.tensors.reduce((n, t) => Math.max(n, t.offset + t.length), 0) * 4;
  if (bytes.byteLength !== need) fail(`tensors.bin has ${bytes.byteLength} bytes, the index needs ${need}`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const tensors: Record<string, Float32Array> = {};
  for (const t of index.tensors) tensors[t.name] = all.slice(t.offset, t.offset + t.length);
  let meta: M;
  try {
    meta = parseMeta(index.meta);
  } catch (e) {
    return fail(`state.json meta: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { meta, tensors };
}

/** Stores a list of arrays under `prefix.0`, `prefix.1`, ... */
export function putList(into: Record<string, Float32Array>, prefix: string, list: readonly Float32Array[]): void {
  list.forEach((t, i) => (into[`${prefix}.${i}`] = t));
}

/** Reads back a list stored with `putList`, checking each length against `shapes`. */
export function takeList(from: Readonly<Record<string, Float32Array>>, prefix: string, shapes: readonly (readonly number[])[]): Float32Array[] {
  return shapes.map((shape, i) => {
    const t = from[`${prefix}.${i}`];
    const size = shape.reduce((a, b) => a * b, 1);
    if (!t) throw new Error(`checkpoint has no tensor ${prefix}.${i}`);
    if (t.length !== size) throw new Error(`checkpoint tensor ${prefix}.${i} has ${t.length} values, expected ${size} for shape [${shape}]`);
    return t;
  });
}
