import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { z } from 'zod';

/**
 * A checkpoint folder: `state.json` (everything that is not a large array, plus an index of the
 * arrays) and `tensors.bin` (the arrays, float32 little-endian, concatenated). Written to a
 * temporary sibling and renamed into place, so an interrupted write never leaves half a checkpoint
 * (`checkpointExists` completes or clears what a crash left).
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

/** The two files of a checkpoint as bytes (also how a model bundle carries its training state). */
export function encodeCheckpoint<M>(checkpoint: Checkpoint<M>): { state: Uint8Array; tensors: Uint8Array } {
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
  const state = new TextEncoder().encode(JSON.stringify({ format: 'mesa-shield-checkpoint/1', tensors: index, meta: checkpoint.meta }, null, 1));
  return { state, tensors: new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength) };
}

/** Parses the bytes of `encodeCheckpoint`; `label` names the source in errors. */
export function decodeCheckpoint<M>(bytes: { state: Uint8Array; tensors: Uint8Array }, parseMeta: (meta: unknown) => M, label: string): Checkpoint<M> {
  const fail = (why: string): never => {
    throw new Error(`${label}: ${why}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes.state));
  } catch (e) {
    fail(`the state is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const parsed = indexSchema.safeParse(raw);
  if (!parsed.success) fail(`state: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  const index = parsed.data!;
  const need = index.tensors.reduce((n, t) => Math.max(n, t.offset + t.length), 0) * 4;
  if (bytes.tensors.byteLength !== need) fail(`the tensors hold ${bytes.tensors.byteLength} bytes, the index needs ${need}`);
  const all = new Float32Array(bytes.tensors.buffer.slice(bytes.tensors.byteOffset, bytes.tensors.byteOffset + bytes.tensors.byteLength));
  const tensors: Record<string, Float32Array> = {};
  for (const t of index.tensors) tensors[t.name] = all.slice(t.offset, t.offset + t.length);
  let meta: M;
  try {
    meta = parseMeta(index.meta);
  } catch (e) {
    return fail(`state meta: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { meta, tensors };
}

/** Where a write in progress and the checkpoint it replaces live: fixed names, so a crash leaves nothing a later write does not clear. */
function siblings(dir: string): { tmp: string; old: string } {
  const parent = dirname(dir);
  return { tmp: join(parent, `.${basename(dir)}.tmp`), old: join(parent, `.${basename(dir)}.old`) };
}

/**
 * Finishes or undoes a write that a crash cut short, then says whether a checkpoint is there. The
 * one moment without `dir` is between its two renames; the new checkpoint is complete by then.
 */
export function checkpointExists(dir: string): boolean {
  const { tmp, old } = siblings(dir);
  if (!existsSync(dir) && existsSync(old)) renameSync(existsSync(tmp) ? tmp : old, dir);
  rmSync(tmp, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
  return existsSync(dir);
}

export function writeCheckpoint<M>(dir: string, checkpoint: Checkpoint<M>): void {
  const { state, tensors } = encodeCheckpoint(checkpoint);
  mkdirSync(dirname(dir), { recursive: true });
  const had = checkpointExists(dir);
  const { tmp, old } = siblings(dir);
  mkdirSync(tmp);
  writeFileSync(join(tmp, 'tensors.bin'), tensors);
  writeFileSync(join(tmp, 'state.json'), state);
  if (had) renameSync(dir, old);
  renameSync(tmp, dir);
  if (had) rmSync(old, { recursive: true, force: true });
}

/** Reads a checkpoint folder; `parseMeta` validates the metadata. Every failure names the folder. */
export function readCheckpoint<M>(dir: string, parseMeta: (meta: unknown) => M): Checkpoint<M> {
  checkpointExists(dir);
  const read = (name: string): Uint8Array => {
    try {
      return readFileSync(join(dir, name));
    } catch {
      throw new Error(`checkpoint ${dir}: ${name} is missing (not a checkpoint folder, or an interrupted write)`);
    }
  };
  return decodeCheckpoint({ state: read('state.json'), tensors: read('tensors.bin') }, parseMeta, `checkpoint ${dir}`);
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
