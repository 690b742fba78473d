import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { BundleError, errorCode, messageOf } from './bundle-error.js';
import { BUNDLE_FILES, CRITIC_FILE, MANIFEST_FILE, RECOVERY_FILE, TRAINING_STATE_FILE, TRAINING_TENSORS_FILE, sha256Hex } from './layout.js';
import { ManifestError, encodeManifest, parseManifest, type Manifest, type ManifestDraft } from './manifest.js';

export interface BundleContents {
  /** Everything but the file hashes, which are computed here. */
  readonly manifest: ManifestDraft;
  readonly criticOnnx: Uint8Array;
  readonly recoveryOnnx: Uint8Array;
  /** Optional trainable parameters and optimizer state (see `TRAINING_STATE_FILE`). */
  readonly training?: TrainingFiles;
}

export interface TrainingFiles {
  readonly state: Uint8Array;
  readonly tensors: Uint8Array;
}

/** A complete bundle written to a hidden sibling folder of its destination, not yet visible there. */
export interface StagedBundle {
  /** The destination folder. */
  readonly dir: string;
  /** The staging folder: a complete bundle that `readBundle` accepts (e.g. to check a candidate). */
  readonly path: string;
  readonly manifest: Manifest;
  /** Renames the staged bundle into place, replacing an existing bundle there; on failure the staged folder is removed. */
  commit(): Promise<void>;
  /** Removes the staged bundle. */
  discard(): Promise<void>;
}

/**
 * Writes a bundle so that readers see the old bundle or the new one, never a mix: the files go to
 * a staging folder next to `dir`, which is then renamed into place. Returns the manifest written.
 */
export async function writeBundle(dir: string, contents: BundleContents): Promise<Manifest> {
  const staged = await stageBundle(dir, contents);
  await staged.commit();
  return staged.manifest;
}

/**
 * Validates the contents and writes them to a staging folder beside `dir` (same file system, so
 * the final rename is atomic). Nothing at `dir` changes until `commit()`.
 */
export async function stageBundle(dir: string, contents: BundleContents): Promise<StagedBundle> {
  const target = resolve(dir);
  const manifest = completeManifest(target, contents);
  const parent = dirname(target);
  let path: string;
  try {
    await mkdir(parent, { recursive: true });
    path = await mkdtemp(join(parent, `.${basename(target)}.staging-`));
  } catch (error) {
    throw new BundleError(target, `could not create a staging folder in ${parent}: ${messageOf(error)}`);
  }
  try {
    await writeDurably(join(path, CRITIC_FILE), contents.criticOnnx);
    await writeDurably(join(path, RECOVERY_FILE), contents.recoveryOnnx);
    if (contents.training) {
      await writeDurably(join(path, TRAINING_STATE_FILE), contents.training.state);
      await writeDurably(join(path, TRAINING_TENSORS_FILE), contents.training.tensors);
    }
    // The manifest goes last: a staging folder with a manifest has all its files.
    await writeDurably(join(path, MANIFEST_FILE), new TextEncoder().encode(`${JSON.stringify(encodeManifest(manifest), null, 2)}\n`));
  } catch (error) {
    await rm(path, { recursive: true, force: true });
    throw new BundleError(target, `could not write the bundle files: ${messageOf(error)}`);
  }

  let state: 'staged' | 'committed' | 'discarded' = 'staged';
  const discard = async (): Promise<void> => {
    if (state !== 'staged') return;
    state = 'discarded';
    await rm(path, { recursive: true, force: true });
  };
  const commit = async (): Promise<void> => {
    if (state !== 'staged') throw new BundleError(target, `this staged bundle was already ${state}`);
    try {
      await swapInto(target, path);
    } catch (error) {
      await discard();
      throw error;
    }
    state = 'committed';
  };
  return { dir: target, path, manifest, commit, discard };
}

function completeManifest(target: string, contents: BundleContents): Manifest {
  for (const key of ['criticOnnx', 'recoveryOnnx'] as const) {
    const bytes = contents[key];
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new BundleError(target, `${key} must be a non-empty Uint8Array`);
  }
  const files = {
    critic: { path: CRITIC_FILE, sha256: sha256Hex(contents.criticOnnx) },
    recovery: { path: RECOVERY_FILE, sha256: sha256Hex(contents.recoveryOnnx) },
    ...(contents.training
      ? {
          trainingState: { path: TRAINING_STATE_FILE, sha256: sha256Hex(contents.training.state) },
          trainingTensors: { path: TRAINING_TENSORS_FILE, sha256: sha256Hex(contents.training.tensors) },
        }
      : {}),
  };
  try {
    // Validating the encoded form checks exactly what a reader will parse.
    return parseManifest(encodeManifest({ ...contents.manifest, files }));
  } catch (error) {
    if (error instanceof ManifestError) throw new BundleError(target, `invalid manifest: ${error.message}`);
    throw error;
  }
}

/**
 * Moves an existing bundle aside, renames the staged one in, then deletes the old one. POSIX cannot
 * rename a folder over a non-empty folder, so for the instant between the two renames `target` is
 * absent; it never holds a partial bundle. A failed second rename puts the old bundle back.
 */
async function swapInto(target: string, staged: string): Promise<void> {
  const previous = await existingBundle(target);
  const aside = join(dirname(target), `.${basename(target)}.replaced-${randomUUID()}`);
  if (previous) {
    try {
      await rename(target, aside);
    } catch (error) {
      throw new BundleError(target, `could not move the existing bundle aside: ${messageOf(error)}`);
    }
  }
  try {
    await rename(staged, target);
  } catch (error) {
    const problem = `could not rename the new bundle into place: ${messageOf(error)}`;
    if (previous) {
      try {
        await rename(aside, target);
      } catch {
        throw new BundleError(target, `${problem}; the previous bundle is left at ${aside}`);
      }
    }
    throw new BundleError(target, problem);
  }
  if (previous) await rm(aside, { recursive: true, force: true });
}

/**
 * Whether `target` holds something to replace. Only a folder holding nothing but bundle files may
 * be replaced, so that a wrong path never deletes unrelated files.
 */
async function existingBundle(target: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = await readdir(target);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    if (errorCode(error) === 'ENOTDIR') throw new BundleError(target, 'exists and is not a folder; refusing to replace it');
    throw new BundleError(target, `could not inspect the existing folder: ${messageOf(error)}`);
  }
  const foreign = entries.filter((e) => !BUNDLE_FILES.includes(e));
  if (foreign.length > 0) {
    throw new BundleError(target, `exists and holds files that are not part of a bundle (${foreign.join(', ')}); refusing to replace it`);
  }
  return true;
}

/** Writes and flushes a new file, so that a crash after the rename cannot leave empty files behind. */
async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
