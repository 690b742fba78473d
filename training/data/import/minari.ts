import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TransitionBuilder } from '../builder.js';
import { DatasetError } from '../errors.js';
import { checkSameRows, checkScalarPerRow, costToConstraint, shapeText, toFlags, toFloat32, vectorWidth, type NumericArray } from './arrays.js';
import type { FlatResult } from './flat.js';
import { isGroup, readArray, requireArray, withHdf5, type Group } from './hdf5.js';

const DATA_FILE = 'main_data.hdf5';
const COST_KEYS = ['infos/cost', 'infos/costs'];

/** The HDF5 file of a Minari dataset given either itself or its folder (`<id>/` or `<id>/data/`). */
export function resolveMinariFile(path: string): string {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    return path;
  }
  if (!isDir) return path;
  const candidates = [join(path, DATA_FILE), join(path, 'data', DATA_FILE)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new DatasetError(`${path}: a folder without ${DATA_FILE} (looked for ${candidates.join(' and ')})`);
  return found;
}

export interface MinariOptions {
  /** Path inside each episode group of the cost array; by default `infos/cost`, then `infos/costs`. */
  readonly costKey?: string;
}

/**
 * A Minari HDF5 dataset: groups `episode_<id>` with `observations` (T+1 rows: the last is the final
 * observation), `actions`, `rewards`, `terminations` and `truncations` (T rows each), and the cost in
 * the episode's infos. Episodes are concatenated in id order; done = termination.
 */
export function readMinari(path: string, options: MinariOptions = {}): Promise<FlatResult> {
  const file = resolveMinariFile(path);
  return withHdf5(file, (h5) => {
    const episodes = h5
      .keys()
      .filter((k) => /^episode_\d+$/.test(k))
      .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)));
    if (episodes.length === 0) throw new DatasetError(`${file}: no episode_<id> groups (it has: ${h5.keys().join(', ') || 'nothing'}); not a Minari HDF5 dataset`);
    let out: TransitionBuilder | undefined;
    let first = '';
    for (const name of episodes) {
      const group = h5.get(name);
      if (!isGroup(group)) throw new DatasetError(`${file}: ${name} is not a group`);
      const ep = readEpisode(file, name, group, options.costKey);
      const d = vectorWidth(file, ep.observations);
      const k = vectorWidth(file, ep.actions);
      if (!out) {
        out = new TransitionBuilder(d, k);
        first = `${shapeText(ep.observations)}, ${shapeText(ep.actions)}`;
      } else if (d !== out.observationSize || k !== out.actionSize) {
        throw new DatasetError(`${file}: shape mismatch between episodes: ${shapeText(ep.observations)}, ${shapeText(ep.actions)} vs ${first}`);
      }
      appendEpisode(file, name, ep, d, k, out);
    }
    return { transitions: (out as TransitionBuilder).freeze(), notes: [`${episodes.length} episodes`] };
  });
}

interface Episode {
  readonly observations: NumericArray;
  readonly actions: NumericArray;
  readonly rewards: NumericArray;
  readonly terminations: NumericArray;
  readonly truncations: NumericArray;
  readonly cost: NumericArray;
}

function readEpisode(file: string, name: string, group: Group, costKey: string | undefined): Episode {
  let cost: NumericArray | null;
  if (costKey !== undefined) cost = requireArray(file, group, costKey, ' (given as the cost key)');
  else {
    cost = COST_KEYS.map((key) => readArray(file, group, key)).find((a) => a !== null) ?? null;
    if (cost === null) {
      throw new DatasetError(`${file}: ${name} has no ${COST_KEYS.join(' or ')} (Minari has no cost field of its own); give --cost-key <path inside each episode>`);
    }
  }
  const ep: Episode = {
    observations: requireArray(file, group, 'observations'),
    actions: requireArray(file, group, 'actions'),
    rewards: requireArray(file, group, 'rewards'),
    terminations: requireArray(file, group, 'terminations'),
    truncations: requireArray(file, group, 'truncations'),
    cost,
  };
  const steps = checkSameRows(file, name, [ep.actions, ep.rewards, ep.terminations, ep.truncations, ep.cost]);
  if (ep.observations.shape[0] !== steps + 1) {
    throw new DatasetError(`${file}: shape mismatch in ${name}: ${shapeText(ep.observations)} must have one row more than ${shapeText(ep.actions)} (the final observation)`);
  }
  for (const a of [ep.rewards, ep.terminations, ep.truncations, ep.cost]) checkScalarPerRow(file, a);
  return ep;
}

function appendEpisode(file: string, name: string, ep: Episode, d: number, k: number, out: TransitionBuilder): void {
  const obs = toFloat32(ep.observations);
  const action = toFloat32(ep.actions);
  const reward = toFloat32(ep.rewards);
  const done = toFlags(ep.terminations);
  const constraint = costToConstraint(file, ep.cost);
  for (let t = 0; t < reward.length; t++) {
    try {
      out.push({
        obs: obs.subarray(t * d, (t + 1) * d),
        action: action.subarray(t * k, (t + 1) * k),
        reward: reward[t],
        nextObs: obs.subarray((t + 1) * d, (t + 2) * d),
        constraint: constraint[t] as 0 | 1,
        done: done[t] as 0 | 1,
      });
    } catch (e) {
      throw new DatasetError(`${file}: ${name} step ${t}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
