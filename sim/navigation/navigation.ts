import type { DomainSpec } from '../core/domain.js';
import type { EnvOptions, EnvParams } from '../core/env.js';
import { EpisodicEnv, type Transition } from '../core/episodic-env.js';
import { SimInputError } from '../core/errors.js';
import { box, clipInto, uniformBox } from '../core/space.js';

/** Axis-aligned rectangle with inclusive bounds. */
export interface Rect {
  readonly xLo: number;
  readonly xHi: number;
  readonly yLo: number;
  readonly yHi: number;
}

type NavigationId = 'navigation1' | 'navigation2';
type NavigationParams = Extract<EnvParams, { domain: NavigationId }>;

/** Navigation 1: a corridor of free height |y| < 5 between two walls, closed behind the start. */
export const NAVIGATION1_OBSTACLES: readonly Rect[] = [
  { xLo: -100, xHi: 150, yLo: 5, yHi: 10 },
  { xLo: -100, xHi: -80, yLo: -10, yHi: 10 },
  { xLo: -100, xHi: 150, yLo: -10, yHi: -5 },
];
/** Navigation 2: one block between start and goal that the robot must go around. */
export const NAVIGATION2_OBSTACLES: readonly Rect[] = [{ xLo: -30, xHi: -20, yLo: -7.5, yHi: 7.5 }];

const NOISE_STD = 0.05;
const START = [-50, 0] as const;
const GOAL_RADIUS = 1;
const SUCCESS_RADIUS = 4;
const B_RANGE = [0.5, 1.5] as const;

export function insideAny(obstacles: readonly Rect[], x: number, y: number): boolean {
  return obstacles.some((r) => x >= r.xLo && x <= r.xHi && y >= r.yLo && y <= r.yHi);
}

/**
 * 2-D point robot with linear Gaussian dynamics s' = A s + B a + w, A = I, B = diag(b1, b2),
 * w ~ N(0, 0.05^2 I). Reward is minus the distance to the origin before the step; the constraint is
 * "the state reached lies inside an obstacle". A state already inside an obstacle does not move.
 */
export class NavigationEnv extends EpisodicEnv {
  readonly #obstacles: readonly Rect[];
  readonly #b: readonly [number, number];
  readonly #state = new Float64Array(2);
  readonly #clipped = new Float64Array(2);

  constructor(params: NavigationParams, options: EnvOptions = {}) {
    const [b1, b2] = params.bDiagonal;
    if (!(Number.isFinite(b1) && Number.isFinite(b2))) {
      throw new SimInputError(`${params.domain}: B diagonal must be finite, got (${b1}, ${b2})`);
    }
    super(params.domain, params, box([-Infinity, -Infinity], [Infinity, Infinity]), uniformBox(2, -1, 1), 100, options);
    this.#obstacles = params.domain === 'navigation1' ? NAVIGATION1_OBSTACLES : NAVIGATION2_OBSTACLES;
    this.#b = [b1, b2];
  }

  /** Places the robot at an arbitrary state (used to build datasets from chosen start regions). */
  setState(x: number, y: number): Float64Array {
    if (!(Number.isFinite(x) && Number.isFinite(y))) throw new SimInputError(`${this.domain}: state must be finite`);
    this.#state[0] = x;
    this.#state[1] = y;
    return Float64Array.from(this.#state);
  }

  isUnsafe(x: number, y: number): boolean {
    return insideAny(this.#obstacles, x, y);
  }

  protected startEpisode(): Float64Array {
    return this.setState(START[0] + this.rng.normal(), START[1] + this.rng.normal());
  }

  protected transition(action: ArrayLike<number>): Transition {
    const s = this.#state;
    const a = clipInto(this.actionSpace, action, this.#clipped);
    const distance = Math.hypot(s[0], s[1]);
    if (!this.isUnsafe(s[0], s[1])) {
      s[0] += this.#b[0] * a[0] + NOISE_STD * this.rng.normal();
      s[1] += this.#b[1] * a[1] + NOISE_STD * this.rng.normal();
    }
    const constraint = this.isUnsafe(s[0], s[1]) ? 1 : 0;
    return {
      observation: Float64Array.from(s),
      reward: -distance,
      constraint,
      goalReached: distance < GOAL_RADIUS,
      appliedAction: Float64Array.from(a),
      success: distance < SUCCESS_RADIUS,
    };
  }
}

function navigationDomain(id: NavigationId, trainEnvCount: number, testSize: number, summary: string): DomainSpec {
  const drawB = (rng: { uniformIn(lo: number, hi: number): number }): NavigationParams => ({
    domain: id,
    bDiagonal: [rng.uniformIn(B_RANGE[0], B_RANGE[1]), rng.uniformIn(B_RANGE[0], B_RANGE[1])],
  });
  return {
    id,
    summary,
    observationSize: 2,
    actionSize: 2,
    horizon: 100,
    trainEnvCount,
    datasetSizes: { trainPerEnv: 10_000, test: testSize },
    sampleEnvironments(rng) {
      const trainRng = rng.fork('train');
      const testRng = rng.fork('test');
      return { domain: id, train: Array.from({ length: trainEnvCount }, () => drawB(trainRng)), test: drawB(testRng) };
    },
    async make(params, options) {
      if (params.domain !== id) throw new SimInputError(`${id}: cannot build an environment from ${params.domain} parameters`);
      return new NavigationEnv(params, options);
    },
    describe(params) {
      if (params.domain !== id) return `${params.domain} parameters`;
      return `B = diag(${params.bDiagonal.map((b) => b.toFixed(3)).join(', ')})`;
    },
  };
}

export const navigation1 = navigationDomain(
  'navigation1',
  24,
  100,
  'Point robot in a corridor (walls above, below and behind); dynamics B = diag(U[0.5,1.5]^2)',
);
export const navigation2 = navigationDomain(
  'navigation2',
  25,
  200,
  'Point robot that must go around a block between start and goal; dynamics B = diag(U[0.5,1.5]^2)',
);
