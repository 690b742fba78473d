import type { Box } from './space.js';

export const DOMAIN_IDS = ['navigation1', 'navigation2', 'cartpole-length', 'halfcheetah-disabled', 'ant-disabled'] as const;
export type DomainId = (typeof DOMAIN_IDS)[number];

export function isDomainId(x: string): x is DomainId {
  return (DOMAIN_IDS as readonly string[]).includes(x);
}

export interface StepResult {
  /** Observation after the step (a fresh array the caller may keep). */
  readonly observation: Float64Array;
  readonly reward: number;
  /** 1 when the state reached violates the domain's constraint. */
  readonly constraint: 0 | 1;
  /** The episode ended by the environment's rules (goal reached, or a violation when `endOnViolation`). */
  readonly done: boolean;
  /** The episode reached the horizon without ending. */
  readonly truncated: boolean;
  readonly info: StepInfo;
}

export interface StepInfo {
  /** The action the dynamics received after clipping (and, where the domain disables actuators, masking). */
  readonly appliedAction: Float64Array;
  readonly step: number;
  /** Set when the episode would count as a task success (navigation: final distance < 4). */
  readonly success?: boolean;
}

export interface Env {
  readonly domain: DomainId;
  readonly params: EnvParams;
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  /** Steps after which an episode is truncated. */
  readonly horizon: number;
  /** Starts an episode; with a seed, the environment's random stream restarts from it. */
  reset(seed?: number): Float64Array;
  /** Advances one step. Throws `SimInputError` on a non-finite or wrong-length action or when no episode is running. */
  step(action: ArrayLike<number>): StepResult;
  /** Frees native resources (MuJoCo model and data). The environment is unusable afterwards. */
  close(): void;
}

export interface EnvOptions {
  /**
   * End the episode at the first violation (true in online learning, as in the paper). Dataset
   * collection turns it off so that behaviour episodes run on through violations.
   */
  readonly endOnViolation?: boolean;
  /** Seed of the environment's own random stream (start states, dynamics noise). */
  readonly seed?: number;
}

/** Parameters that make one environment of a domain's distribution. */
export type EnvParams =
  | { readonly domain: 'navigation1' | 'navigation2'; readonly bDiagonal: readonly [number, number] }
  | { readonly domain: 'cartpole-length'; readonly poleLength: number }
  | {
      readonly domain: 'halfcheetah-disabled';
      /** Action index whose actuator always receives zero torque, or null for none. */
      readonly disabledJoint: number | null;
      /** Per-actuator fraction of maximum torque (partial power loss), or null for full power. */
      readonly powerScale: readonly number[] | null;
    }
  | {
      readonly domain: 'ant-disabled';
      /** Leg 0..3 whose two actuators are off and whose collision geometry is shrunk, or null for none. */
      readonly disabledLeg: number | null;
      /** Physics step in seconds: 0.01 (reference HEAD, the default) or 0.02 (experiment-era XML). */
      readonly timestep?: 0.01 | 0.02;
    };

/** The training environments and the held-out test environment of one draw of a domain's distribution. */
export interface EnvironmentSet {
  readonly domain: DomainId;
  readonly train: readonly EnvParams[];
  readonly test: EnvParams;
}
