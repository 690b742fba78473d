/**
 * A dataset folder, as `collect` writes it: one Arrow file per training environment, one test file,
 * and `manifest.json` naming them. The manifest is written last, so a folder whose writing was cut
 * short has no manifest and is refused as a whole.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readDatasetFile, writeDatasetFile } from './arrow-file.js';
import { writeFileAtomic } from './atomic-write.js';
import { DatasetError, describeIssues, fsReason } from './errors.js';
import { DATASET_DOMAINS, FORMAT_VERSION, type Dataset, type DatasetDomain } from './schema.js';

export const MANIFEST_FILE = 'manifest.json';

const fileName = z.string().regex(/^[\w.-]+\.arrow$/, 'expected a plain file name ending in .arrow');

export const manifestSchema = z.object({
  formatVersion: z.literal(FORMAT_VERSION),
  domain: z.enum(DATASET_DOMAINS),
  /** Seed of the run that collected the data. */
  seed: z.int(),
  train: z.array(fileName).min(1),
  test: fileName,
  createdAt: z.iso.datetime(),
});

export type DatasetManifest = z.infer<typeof manifestSchema>;

/** All datasets of a folder: one per training environment, and the test dataset. */
export interface DatasetCollection {
  readonly dir: string;
  readonly manifest: DatasetManifest;
  readonly train: readonly Dataset[];
  readonly test: Dataset;
}

export interface DatasetFolderContents {
  readonly domain: DatasetDomain;
  readonly seed: number;
  readonly train: readonly Dataset[];
  readonly test: Dataset;
}

/** Writes `train-00.arrow …`, `test.arrow` and then the manifest; creates the folder if needed. */
export function writeDatasetDir(dir: string, contents: DatasetFolderContents): DatasetManifest {
  const all = [...contents.train, contents.test];
  if (contents.train.length === 0) throw new DatasetError(`cannot write ${dir}: no training datasets`);
  const foreign = all.find((d) => d.meta.domain !== contents.domain);
  if (foreign) throw new DatasetError(`cannot write ${dir}: a dataset of domain ${foreign.meta.domain} in a ${contents.domain} folder`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new DatasetError(`cannot create ${dir}: ${fsReason(e)}`);
  }
  const train = trainFileNames(contents.train.length);
  contents.train.forEach((d, i) => writeDatasetFile(join(dir, train[i]), d));
  writeDatasetFile(join(dir, TEST_FILE), contents.test);
  return writeDatasetManifest(dir, { domain: contents.domain, seed: contents.seed, trainCount: contents.train.length });
}

export const TEST_FILE = 'test.arrow';

/** `train-00.arrow …` for `count` training datasets. */
export function trainFileNames(count: number): string[] {
  const digits = Math.max(2, String(count - 1).length);
  return Array.from({ length: count }, (_, i) => `train-${String(i).padStart(digits, '0')}.arrow`);
}

/**
 * Writes the manifest of a folder whose dataset files are already in place (they are written
 * first, so a folder with a manifest is complete).
 */
export function writeDatasetManifest(dir: string, contents: { domain: DatasetDomain; seed: number; trainCount: number }): DatasetManifest {
  const manifest: DatasetManifest = {
    formatVersion: FORMAT_VERSION,
    domain: contents.domain,
    seed: contents.seed,
    train: trainFileNames(contents.trainCount),
    test: TEST_FILE,
    createdAt: new Date().toISOString(),
  };
  const path = join(dir, MANIFEST_FILE);
  try {
    writeFileAtomic(path, `${JSON.stringify(manifest, null, 2)}\n`);
  } catch (e) {
    throw new DatasetError(`cannot write ${path}: ${fsReason(e)}`);
  }
  return manifest;
}

/** Reads the manifest and every dataset it names, and checks that they belong together. */
export function loadDatasetDir(dir: string): DatasetCollection {
  const manifest = readManifest(dir);
  const load = (name: string, role: string): Dataset => {
    const d = readDatasetFile(join(dir, name));
    if (d.meta.domain !== manifest.domain) {
      throw new DatasetError(`${join(dir, name)}: ${role} dataset of domain ${d.meta.domain}, but ${join(dir, MANIFEST_FILE)} says ${manifest.domain}`);
    }
    return d;
  };
  const train = manifest.train.map((name) => load(name, 'training'));
  const test = load(manifest.test, 'test');
  const first = train[0].meta;
  const named: [string, Dataset][] = [...manifest.train.map((name, i): [string, Dataset] => [name, train[i]]), [manifest.test, test]];
  for (const [name, { meta }] of named) {
    if (meta.observationSize !== first.observationSize || meta.actionSize !== first.actionSize) {
      throw new DatasetError(
        `${join(dir, name)}: obs ${meta.observationSize}/act ${meta.actionSize}, but ${join(dir, manifest.train[0])} has obs ${first.observationSize}/act ${first.actionSize}`,
      );
    }
  }
  return { dir, manifest, train, test };
}

export interface TestDatasetExpectations {
  readonly domain?: DatasetDomain;
  readonly observationSize?: number;
  readonly actionSize?: number;
}

/** Loads one `.arrow` file to serve as the test (adaptation) dataset, checking what the caller expects of it. */
export function loadTestDataset(path: string, expect: TestDatasetExpectations = {}): Dataset {
  const d = readDatasetFile(path);
  const { meta } = d;
  if (expect.domain !== undefined && meta.domain !== expect.domain) {
    throw new DatasetError(`${path}: a dataset of domain ${meta.domain}; expected ${expect.domain}`);
  }
  for (const [name, want, have] of [['observation', expect.observationSize, meta.observationSize], ['action', expect.actionSize, meta.actionSize]] as const) {
    if (want !== undefined && want !== have) throw new DatasetError(`${path}: ${name} size ${have}; expected ${want}`);
  }
  return d;
}

function readManifest(dir: string): DatasetManifest {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new DatasetError(code === 'ENOENT' ? `${dir}: no ${MANIFEST_FILE}: not a dataset folder, or its writing did not finish` : `${path}: ${fsReason(e)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new DatasetError(`${path}: not valid JSON`);
  }
  const r = manifestSchema.safeParse(raw);
  if (!r.success) throw new DatasetError(`${path}: invalid manifest: ${describeIssues(r.error.issues)}`);
  return r.data;
}
