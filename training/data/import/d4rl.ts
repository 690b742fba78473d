import { DatasetError } from '../errors.js';
import { transitionsFromFlat, type FlatResult } from './flat.js';
import { readArray, requireArray, withHdf5 } from './hdf5.js';

export interface FlatHdf5Options {
  /** 'dsrl' requires the `costs` array; 'd4rl' files have none, so a cost key is required unless they do. */
  readonly flavour: 'dsrl' | 'd4rl';
  /** Path of the array to read the cost from instead of `costs`, e.g. `infos/cost`. */
  readonly costKey?: string;
}

/**
 * A D4RL-style flat HDF5 file: `observations`, `actions`, `rewards`, `terminals`, optional `timeouts`
 * and `next_observations`, and for DSRL `costs`.
 */
export function readFlatHdf5(path: string, options: FlatHdf5Options): Promise<FlatResult> {
  return withHdf5(path, (file) => {
    const cost = options.costKey !== undefined ? requireArray(path, file, options.costKey, ' (given as the cost key)') : readArray(path, file, 'costs');
    if (cost === null) {
      throw new DatasetError(
        options.flavour === 'dsrl'
          ? `${path}: no "costs" array, which a DSRL file has (it has: ${file.keys().join(', ')}); for a file that keeps the cost elsewhere, give --cost-key <dataset path>`
          : `${path}: no "costs" array (D4RL files carry no cost signal; it has: ${file.keys().join(', ')}); give --cost-key <dataset path> naming the array to read the cost from`,
      );
    }
    return transitionsFromFlat(path, {
      obs: requireArray(path, file, 'observations'),
      action: requireArray(path, file, 'actions'),
      reward: requireArray(path, file, 'rewards'),
      cost,
      terminal: requireArray(path, file, 'terminals'),
      timeout: readArray(path, file, 'timeouts'),
      nextObs: readArray(path, file, 'next_observations'),
    });
  });
}
