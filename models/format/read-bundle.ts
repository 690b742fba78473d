import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BundleError, errorCode, messageOf } from './bundle-error.js';
import { MANIFEST_FILE, sha256Hex } from './layout.js';
import { ManifestError, parseManifest, type Manifest } from './manifest.js';
import type { TrainingFiles } from './write-bundle.js';

/** What running a bundle needs: its manifest and its two models. */
export interface BundleModels {
  /** The bundle folder, resolved to an absolute path. */
  readonly dir: string;
  readonly manifest: Manifest;
  readonly criticOnnx: Uint8Array;
  readonly recoveryOnnx: Uint8Array;
}

export interface Bundle extends BundleModels {
  /** The trainable parameters and optimizer state, when the bundle carries them. */
  readonly training: TrainingFiles | null;
}

/**
 * Reads a bundle folder: validates the manifest and checks each model file against its sha256.
 * Every failure is one `BundleError` naming the folder and the problem. The ONNX graphs themselves
 * are not inspected here (see `describeOnnxIO`). A read that overlaps a `writeBundle` replacing this
 * folder may fail (a file missing or not matching its hash) but never returns files of two versions;
 * reading again after the write gives the new bundle.
 */
export async function readBundle(dir: string): Promise<Bundle> {
  return read(dir, true);
}

/**
 * `readBundle` without the training files, which the shield never needs: a MESA bundle's training
 * tensors are megabytes whose hashing would stall the control thread at every candidate swap.
 */
export async function readBundleModels(dir: string): Promise<BundleModels> {
  return read(dir, false);
}

async function read(dir: string, withTraining: boolean): Promise<Bundle> {
  const target = resolve(dir);
  const fail = (problem: string): never => {
    throw new BundleError(target, problem);
  };
  try {
    if (!(await stat(target)).isDirectory()) fail('is not a folder');
  } catch (error) {
    if (error instanceof BundleError) throw error;
    fail(errorCode(error) === 'ENOENT' ? 'folder does not exist' : `cannot access the folder: ${messageOf(error)}`);
  }

  const manifestText = new TextDecoder().decode(await readPart(target, MANIFEST_FILE));
  let json: unknown;
  try {
    json = JSON.parse(manifestText);
  } catch (error) {
    fail(`${MANIFEST_FILE} is not valid JSON: ${messageOf(error)}`);
  }
  let manifest: Manifest;
  try {
    manifest = parseManifest(json);
  } catch (error) {
    if (error instanceof ManifestError) fail(`${MANIFEST_FILE} is invalid: ${error.message}`);
    throw error;
  }

  const { critic, recovery, trainingState, trainingTensors } = manifest.files;
  const entries = withTraining && trainingState && trainingTensors ? [critic, recovery, trainingState, trainingTensors] : [critic, recovery];
  const [criticOnnx, recoveryOnnx, state, tensors] = await Promise.all(
    entries.map(async ({ path, sha256 }) => {
      const bytes = await readPart(target, path);
      const actual = sha256Hex(bytes);
      if (actual !== sha256) {
        fail(`${path} does not match its sha256 in ${MANIFEST_FILE} (expected ${sha256}, file has ${actual}): the file is corrupted or was replaced`);
      }
      return bytes;
    }),
  );
  return { dir: target, manifest, criticOnnx, recoveryOnnx, training: state && tensors ? { state, tensors } : null };
}

async function readPart(dir: string, name: string): Promise<Uint8Array> {
  try {
    const buffer = await readFile(join(dir, name));
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw new BundleError(dir, errorCode(error) === 'ENOENT' ? `${name} is missing` : `cannot read ${name}: ${messageOf(error)}`);
  }
}
