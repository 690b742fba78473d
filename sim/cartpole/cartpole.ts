import type { MainModule } from 'mujoco';
import type { DomainSpec } from '../core/domain.js';
import type { EnvOptions, EnvParams } from '../core/env.js';
import { EpisodicEnv, type Transition } from '../core/episodic-env.js';
import { SimInputError } from '../core/errors.js';
import { clipInto, uniformBox } from '../core/space.js';
import { compileModel, loadMujoco, MujocoSim, readAsset } from '../mujoco/runtime.js';

type CartpoleParams = Extract<EnvParams, { domain: 'cartpole-length' }>;

const ID = 'cartpole-length';
const FRAME_SKIP = 2;
const HORIZON = 200;
const RESET_NOISE = 0.01;
const X_LIMIT = 2.4;
const TRAIN_ENV_COUNT = 20;
const TRAIN_LENGTH_RANGE = [0.4, 0.8] as const;
const TEST_LENGTH = 1.0;
/** Matches the pole geom in cartpole.xml; its last number is the pole length. */
const POLE_FROMTO = /(<geom\b[^>]*\bname="cpole"[^>]*\bfromto=")0 0 0 0\.001 0 [^"]+(")/;

/** The domain's constraint: pole below horizontal, or cart at/over 2.4 m from the centre. */
export function isCartpoleUnsafe(x: number, theta: number): boolean {
  return Math.abs(theta) > Math.PI / 2 || Math.abs(x) >= X_LIMIT;
}

/**
 * Reward for the pole tip's distance to where it would be upright over the origin, on the scale of
 * the pole length so that every length has the same reward landscape; 1 at the target.
 */
export function cartpoleReward(x: number, theta: number, length: number): number {
  const dx = x + length * Math.sin(theta);
  const dz = length * Math.cos(theta) - length;
  return Math.exp(-(dx * dx + dz * dz) / (length * length));
}

function checkLength(length: number): number {
  if (!(Number.isFinite(length) && length > 0)) {
    throw new SimInputError(`${ID}: pole length must be a finite positive number of metres, got ${String(length)}`);
  }
  return length;
}

/** The shipped MJCF with the pole geom resized to `length` metres. */
export function cartpoleXml(length: number): string {
  checkLength(length);
  const xml = readAsset('cartpole.xml');
  if (!POLE_FROMTO.test(xml)) throw new Error('cartpole.xml: the "cpole" geom fromto is not in the expected form');
  // String(n) round-trips the double exactly, so the compiled length is the requested one.
  return xml.replace(POLE_FROMTO, (_, head: string, tail: string) => `${head}0 0 0 0.001 0 ${String(length)}${tail}`);
}

/**
 * MuJoCo cart-pole whose pole length is the environment parameter. Observation [x, θ, ẋ, θ̇]
 * (θ = 0 upright, raw hinge angle: it is not wrapped), action = motor command in [−3, 3]
 * (force 100·u N on the cart), one step = 2 physics steps of 0.02 s.
 */
export class CartpoleEnv extends EpisodicEnv {
  readonly poleLength: number;
  /** The MuJoCo model and data, for inspection and physics benchmarks. */
  readonly sim: MujocoSim;
  readonly #clipped = new Float64Array(1);
  #closed = false;

  /** Builds the environment, loading MuJoCo on first use. */
  static async create(params: CartpoleParams, options: EnvOptions = {}): Promise<CartpoleEnv> {
    return new CartpoleEnv(await loadMujoco(), params, options);
  }

  constructor(mj: MainModule, params: CartpoleParams, options: EnvOptions = {}) {
    const length = checkLength(params.poleLength);
    super(ID, params, uniformBox(4, -Infinity, Infinity), uniformBox(1, -3, 3), HORIZON, options);
    this.poleLength = length;
    this.sim = new MujocoSim(mj, compileModel(mj, cartpoleXml(length), 'cartpole'));
  }

  /** Mass of a model body ("cart" or "pole") in kg, as MuJoCo computed it from the geometry. */
  bodyMass(body: 'cart' | 'pole'): number {
    this.#checkOpen();
    return (this.sim.model.body_mass as Float64Array)[this.sim.bodyId(body)];
  }

  /** Puts the cart-pole in an arbitrary state (tests, dataset start regions); returns its observation. */
  setState(x: number, theta: number, xDot: number, thetaDot: number): Float64Array {
    this.#checkOpen();
    if (![x, theta, xDot, thetaDot].every(Number.isFinite)) {
      throw new SimInputError(`${ID}: state must be finite, got [${x}, ${theta}, ${xDot}, ${thetaDot}]`);
    }
    this.sim.setState([x, theta], [xDot, thetaDot]);
    return this.#observation();
  }

  protected startEpisode(): Float64Array {
    const u = () => this.rng.uniformIn(-RESET_NOISE, RESET_NOISE);
    // Arguments evaluate left to right: qpos noise is drawn before qvel noise, as in the reference.
    return this.setState(u(), u(), u(), u());
  }

  protected transition(action: ArrayLike<number>): Transition {
    const a = clipInto(this.actionSpace, action, this.#clipped);
    this.sim.step(a, FRAME_SKIP);
    const obs = this.#observation();
    return {
      observation: obs,
      reward: cartpoleReward(obs[0], obs[1], this.poleLength),
      constraint: isCartpoleUnsafe(obs[0], obs[1]) ? 1 : 0,
      goalReached: false,
      appliedAction: Float64Array.from(a),
    };
  }

  override close(): void {
    super.close();
    if (this.#closed) return;
    this.#closed = true;
    this.sim.close();
  }

  #observation(): Float64Array {
    // Fresh views each time: WASM memory growth detaches old ones.
    const qpos = this.sim.data.qpos as Float64Array;
    const qvel = this.sim.data.qvel as Float64Array;
    return Float64Array.of(qpos[0], qpos[1], qvel[0], qvel[1]);
  }

  #checkOpen(): void {
    if (this.#closed) throw new SimInputError(`${ID}: the environment has been closed`);
  }
}

export const cartpoleLength: DomainSpec = {
  id: ID,
  summary: 'MuJoCo cart-pole kept upright within |x| < 2.4; pole length L ~ U[0.4, 0.8] for training, L = 1.0 for test',
  observationSize: 4,
  actionSize: 1,
  horizon: HORIZON,
  trainEnvCount: TRAIN_ENV_COUNT,
  datasetSizes: { trainPerEnv: 20_000, test: 1_000 },
  sampleEnvironments(rng) {
    const trainRng = rng.fork('train');
    const train = Array.from({ length: TRAIN_ENV_COUNT }, (): CartpoleParams => ({
      domain: ID,
      poleLength: trainRng.uniformIn(TRAIN_LENGTH_RANGE[0], TRAIN_LENGTH_RANGE[1]),
    }));
    // The held-out length is fixed (reference D5), so the test environment needs no draw.
    return { domain: ID, train, test: { domain: ID, poleLength: TEST_LENGTH } };
  },
  async make(params, options) {
    if (params.domain !== ID) throw new SimInputError(`${ID}: cannot build an environment from ${params.domain} parameters`);
    return CartpoleEnv.create(params, options);
  },
  describe(params) {
    if (params.domain !== ID) return `${params.domain} parameters`;
    return `pole length ${params.poleLength.toFixed(3)} m`;
  },
};
