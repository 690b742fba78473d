import { TransitionBuilder } from '../builder.js';
import { DatasetError } from '../errors.js';
import type { Transitions } from '../schema.js';
import { checkSameRows, checkScalarPerRow, costToConstraint, shapeText, toFlags, toFloat32, vectorWidth, type NumericArray } from './arrays.js';

/** One array per field, N rows each, as flat-file formats (D4RL, DSRL, OmniSafe) store them. */
export interface FlatArrays {
  readonly obs: NumericArray;
  readonly action: NumericArray;
  readonly reward: NumericArray;
  readonly cost: NumericArray;
  /** 1 where the episode ended in a terminal state; becomes `done`. */
  readonly terminal: NumericArray;
  /** 1 where the episode was cut by a time limit (not terminal); only marks episode ends. */
  readonly timeout: NumericArray | null;
  readonly nextObs: NumericArray | null;
}

export interface FlatResult {
  readonly transitions: Transitions;
  /** What the conversion did that a user should know, for the dataset's notes. */
  readonly notes: string[];
}

/**
 * Transitions from flat arrays: constraint = cost > 0, done = terminal. Without a next-observation
 * array, next_obs is the following row of the same episode; an episode that ends without a terminal
 * (time limit, end of file) has no successor for its last row, which is dropped. A terminal row is
 * kept with next_obs = obs: with done = 1 nothing bootstraps from it, and it is often the violation.
 */
export function transitionsFromFlat(file: string, a: FlatArrays): FlatResult {
  const present = [a.obs, a.action, a.reward, a.cost, a.terminal, ...(a.timeout ? [a.timeout] : []), ...(a.nextObs ? [a.nextObs] : [])];
  const n = checkSameRows(file, '', present);
  const d = vectorWidth(file, a.obs);
  const k = vectorWidth(file, a.action);
  for (const s of [a.reward, a.cost, a.terminal, ...(a.timeout ? [a.timeout] : [])]) checkScalarPerRow(file, s);
  if (a.nextObs && (a.nextObs.shape.length !== a.obs.shape.length || vectorWidth(file, a.nextObs) !== d)) {
    throw new DatasetError(`${file}: shape mismatch: ${shapeText(a.nextObs)} must have the shape of ${shapeText(a.obs)}`);
  }
  const obs = toFloat32(a.obs);
  const action = toFloat32(a.action);
  const reward = toFloat32(a.reward);
  const constraint = costToConstraint(file, a.cost);
  const terminal = toFlags(a.terminal);
  const timeout = a.timeout ? toFlags(a.timeout) : new Uint8Array(n);
  const nextObs = a.nextObs ? toFloat32(a.nextObs) : null;

  const out = new TransitionBuilder(d, k, Math.max(1, n));
  let dropped = 0;
  let terminalsWithoutSuccessor = 0;
  for (let i = 0; i < n; i++) {
    let next: Float32Array;
    if (nextObs) next = nextObs.subarray(i * d, (i + 1) * d);
    else if (terminal[i]) {
      next = obs.subarray(i * d, (i + 1) * d);
      terminalsWithoutSuccessor++;
    } else if (timeout[i] || i === n - 1) {
      dropped++;
      continue;
    } else next = obs.subarray((i + 1) * d, (i + 2) * d);
    try {
      out.push({
        obs: obs.subarray(i * d, (i + 1) * d),
        action: action.subarray(i * k, (i + 1) * k),
        reward: reward[i],
        nextObs: next,
        constraint: constraint[i] as 0 | 1,
        done: terminal[i] as 0 | 1,
      });
    } catch (e) {
      throw new DatasetError(`${file}: row ${i}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const notes = nextObs
    ? []
    : [
        `no next-observation array: next_obs taken from the following row; ${dropped} episode-final non-terminal row(s) dropped` +
          (terminalsWithoutSuccessor ? `; ${terminalsWithoutSuccessor} terminal row(s) kept with next_obs = obs (done = 1)` : ''),
      ];
  return { transitions: out.freeze(), notes };
}
