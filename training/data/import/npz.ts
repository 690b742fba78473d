import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { DatasetError, fsReason } from '../errors.js';
import type { NumericArray } from './arrays.js';
import { transitionsFromFlat, type FlatResult } from './flat.js';
import { parseNpy } from './npy.js';

const REQUIRED = ['obs', 'action', 'reward', 'cost', 'next_obs', 'done'] as const;

/** An OmniSafe offline dataset: a `.npz` archive with `obs`, `action`, `reward`, `cost`, `next_obs`, `done`. */
export function readNpz(path: string): FlatResult {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DatasetError(`${path}: ${fsReason(e)}`);
  }
  let entries: Record<string, Uint8Array>;
  const names: string[] = [];
  try {
    entries = unzipSync(bytes, {
      filter: (f) => {
        names.push(f.name);
        return REQUIRED.some((name) => f.name === `${name}.npy`);
      },
    });
  } catch (e) {
    throw new DatasetError(`${path}: not a readable .npz (zip) archive: ${e instanceof Error ? e.message : String(e)}`);
  }
  const missing = REQUIRED.filter((name) => !(`${name}.npy` in entries));
  if (missing.length > 0) {
    throw new DatasetError(`${path}: missing array(s) ${missing.join(', ')}; an OmniSafe .npz needs ${REQUIRED.join(', ')} (it has: ${names.join(', ') || 'nothing'})`);
  }
  const array = (name: (typeof REQUIRED)[number]): NumericArray => {
    const a = parseNpy(`${path}: ${name}.npy`, entries[`${name}.npy`]);
    return { ...a, name };
  };
  return transitionsFromFlat(path, {
    obs: array('obs'),
    action: array('action'),
    reward: array('reward'),
    cost: array('cost'),
    terminal: array('done'),
    timeout: null,
    nextObs: array('next_obs'),
  });
}
