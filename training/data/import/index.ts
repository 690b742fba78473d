import { basename } from 'node:path';
import { getDomain, type DomainId } from '../../../sim/index.js';
import { DatasetError } from '../errors.js';
import { makeDataset, type Dataset } from '../schema.js';
import { readFlatHdf5 } from './d4rl.js';
import type { FlatResult } from './flat.js';
import { readMinari } from './minari.js';
import { readNpz } from './npz.js';

export const IMPORT_FORMATS = ['dsrl', 'd4rl', 'minari', 'npz'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface ImportOptions {
  /** Where the cost is when the format has no cost field of its own (D4RL, Minari): an array path in the file, or in each episode for Minari. */
  readonly costKey?: string;
  /** Label the data as this simulated domain (its observation and action sizes must match); 'external' otherwise. */
  readonly domain?: DomainId;
  /** Overrides the creation time (for reproducible output). */
  readonly createdAt?: Date;
}

/**
 * Reads a dataset of another safe-RL library into the transition schema: constraint = 1 where
 * cost > 0, done = terminal (time-limit ends are not terminal), one environment, policy 'imported'.
 */
export async function importDataset(format: ImportFormat, path: string, options: ImportOptions = {}): Promise<Dataset> {
  const { transitions, notes } = await read(format, path, options);
  if (transitions.size === 0) throw new DatasetError(`${path}: no transitions to import`);
  if (options.domain !== undefined) {
    const spec = getDomain(options.domain);
    if (spec.observationSize !== transitions.observationSize || spec.actionSize !== transitions.actionSize) {
      throw new DatasetError(
        `${path}: has obs ${transitions.observationSize}/act ${transitions.actionSize}, but ${spec.id} has obs ${spec.observationSize}/act ${spec.actionSize}`,
      );
    }
  }
  const name = basename(path);
  return makeDataset(transitions, {
    domain: options.domain ?? 'external',
    environments: [{ description: `${name} (${format})`, params: null }],
    policy: 'imported',
    source: `${format} import of ${name}${options.costKey === undefined ? '' : `, cost from ${options.costKey}`}`,
    notes: notes.length ? notes.join('; ') : undefined,
    createdAt: options.createdAt,
  });
}

function read(format: ImportFormat, path: string, options: ImportOptions): Promise<FlatResult> {
  switch (format) {
    case 'dsrl':
    case 'd4rl':
      return readFlatHdf5(path, { flavour: format, costKey: options.costKey });
    case 'minari':
      return readMinari(path, { costKey: options.costKey });
    case 'npz':
      if (options.costKey !== undefined) return Promise.reject(new DatasetError('--cost-key does not apply to npz: an OmniSafe .npz always has its "cost" array'));
      return Promise.resolve(readNpz(path));
  }
}
