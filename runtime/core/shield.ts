import type { ShieldModels } from '../models/shield-models.js';
import type { Decision, DecisionReason, DecisionSource, FallbackMode, StampedVector } from './decision.js';

export interface Hysteresis {
  /** Risk above which the recovery policy takes over (default: eps_safe). */
  readonly enter?: number;
  /** Risk at or below which the task policy gets control back (default: eps_safe). */
  readonly exit?: number;
  /** Consecutive ticks on the other side of the threshold before switching (default 1). */
  readonly ticks?: number;
}

export interface ShieldOptions {
  /** Recovery RL's threshold: the recovery policy acts when Q_risk(s, a_task) > epsSafe. */
  readonly epsSafe: number;
  readonly fallback: FallbackMode;
  /** Oldest acceptable state and proposed command, judged on their stamps. */
  readonly maxStateAgeMs: number;
  readonly maxCommandAgeMs: number;
  readonly hysteresis: Hysteresis | null;
  /** Longest bypass an operator may request. */
  readonly maxBypassS: number;
}

/** What the shield knows of its models' spaces (from the bundle manifest). */
interface Spaces {
  readonly observationSize: number;
  readonly actionLow: Float64Array;
  readonly actionHigh: Float64Array;
  readonly neutralAction: Float64Array;
  readonly normalization: { readonly mean: Float64Array; readonly std: Float64Array } | null;
}

/**
 * Recovery RL's gate with the fail-safes of DESIGN.md: every tick, `decide` returns the action to
 * apply and says who produced it and why. Inputs it cannot trust (missing, stale, non-finite, wrong
 * size) and models it cannot evaluate never let the proposal through silently: the configured
 * fallback acts instead (`passthrough` only when explicitly configured, and never for a
 * non-finite proposal).
 *
 * `decide` is async because onnxruntime-node's inference is; with the TypeScript engine it
 * resolves without waiting. The returned action array is the shield's own buffer, overwritten by
 * the next call: copy it to keep it.
 */
export class Shield {
  #models: ShieldModels | null;
  #spaces: Spaces | null;
  #options: ShieldOptions;
  #pending: ShieldModels | null = null;
  #retired: ShieldModels[] = [];
  #deciding = false;
  #active = false;
  #streak = 0;
  #bypassUntilNs = -Infinity;
  readonly #obs: Float64Array;
  readonly #task: Float64Array;
  readonly #out: Float64Array;
  readonly #warmOut: Float64Array;

  constructor(models: ShieldModels | null, options: ShieldOptions, sizes?: { observationSize: number; actionSize: number }) {
    const observationSize = models?.manifest.observation.size ?? sizes?.observationSize;
    const actionSize = models?.manifest.action.size ?? sizes?.actionSize;
    if (observationSize === undefined || actionSize === undefined) throw new Error('a Shield without models needs the observation and action sizes');
    checkOptions(options);
    this.#options = options;
    this.#models = models;
    this.#spaces = models ? spacesOf(models) : null;
    this.#obs = new Float64Array(observationSize);
    this.#task = new Float64Array(actionSize);
    this.#out = new Float64Array(actionSize);
    this.#warmOut = new Float64Array(actionSize);
  }

  get options(): ShieldOptions {
    return this.#options;
  }

  get models(): ShieldModels | null {
    return this.#models;
  }

  /**
   * Installs new models; they take effect at the start of the next `decide`, never within one.
   * Returns the models this replaces before they ever took effect (an earlier swap no decision
   * used), for the caller to release; the models a swap retires from use come from `takeRetired`.
   */
  swapModels(next: ShieldModels): ShieldModels | null {
    const m = next.manifest;
    if (m.observation.size !== this.#obs.length || m.action.size !== this.#out.length) {
      throw new Error(`new models take obs ${m.observation.size}/act ${m.action.size}; the shield runs obs ${this.#obs.length}/act ${this.#out.length}`);
    }
    const displaced = this.#pending;
    this.#pending = next;
    return displaced;
  }

  /** Models that swaps took out of use and no decision is using any more: the caller releases them. */
  takeRetired(): ShieldModels[] {
    return this.#deciding ? [] : this.#retired.splice(0);
  }

  /** Lets proposals through unchecked until `nowNs + seconds` (capped at maxBypassS); invalid proposals still get the fallback. */
  bypass(nowNs: number, seconds: number): number {
    if (!(seconds > 0)) throw new Error(`bypass needs a positive duration, got ${seconds}`);
    this.#bypassUntilNs = nowNs + Math.min(seconds, this.#options.maxBypassS) * 1e9;
    return this.#bypassUntilNs;
  }

  enable(): void {
    this.#bypassUntilNs = -Infinity;
  }

  isBypassed(nowNs: number): boolean {
    return nowNs < this.#bypassUntilNs;
  }

  /**
   * Runs the models the next decision will use, critic and recovery policy, once on the last
   * decided inputs and drops what they return: nothing the shield decides or counts changes. In a
   * loop paced at 1 kHz the decision's inference finds the models evicted from the caches by the
   * time the tick comes (bench/runtime: p99 42-99 µs paced against 19-42 µs back to back); called a
   * few tens of µs before a tick is due, this puts them back for the price of one more inference
   * of each model per tick. With the onnxruntime and TypeScript engines it finishes within the
   * call. A model that fails is left for `decide` to report.
   */
  warm(): void | Promise<void> {
    const models = this.#pending ?? this.#models;
    if (!models) return;
    try {
      const risk = models.risk(this.#obs, this.#task);
      if (risk instanceof Promise) return risk.then(() => models.recover(this.#obs, this.#warmOut)).catch(() => {});
      const recovered = models.recover(this.#obs, this.#warmOut);
      if (recovered instanceof Promise) return recovered.catch(() => {});
    } catch {
      // decide() meets the same failure and falls back.
    }
  }

  async decide(observation: StampedVector | null, proposed: StampedVector | null, nowNs: number): Promise<Decision> {
    if (this.#pending) {
      if (this.#models) this.#retired.push(this.#models);
      this.#models = this.#pending;
      this.#spaces = spacesOf(this.#pending);
      this.#pending = null;
    }
    this.#deciding = true;
    try {
      return await this.#decide(observation, proposed, nowNs);
    } finally {
      this.#deciding = false;
    }
  }

  async #decide(observation: StampedVector | null, proposed: StampedVector | null, nowNs: number): Promise<Decision> {
    const eps = this.#options.epsSafe;
    const command = this.#read(proposed, this.#task, nowNs, this.#options.maxCommandAgeMs, 'command');
    const state = this.#read(observation, this.#obs, nowNs, this.#options.maxStateAgeMs, 'state');
    if (state === null) this.#normalize();

    if (command === null && this.isBypassed(nowNs)) return this.#emit(this.#task, 'task', null, 'shield-bypassed');
    if (command !== null) return this.#fallback(command, state !== null, null);
    if (state !== null) return this.#fallback(state, true, null);
    const models = this.#models;
    if (!models || !this.#spaces) return this.#fallback('model-not-loaded', true, null);

    let risk: number;
    try {
      risk = await models.risk(this.#obs, this.#task);
    } catch {
      return this.#fallback('inference-error', false, null);
    }
    if (!(risk >= -1e-6 && risk <= 1 + 1e-6)) return this.#fallback('risk-invalid', false, null);
    const intervene = this.#gate(risk);
    if (!intervene) return this.#emit(this.#task, 'task', risk, risk <= eps ? 'risk-acceptable' : 'hysteresis');
    try {
      await models.recover(this.#obs, this.#out);
    } catch {
      return this.#hold('inference-error', risk);
    }
    if (!allFinite(this.#out)) return this.#hold('inference-error', risk);
    return this.#emit(this.#out, 'recovery', risk, risk > eps ? 'risk-too-high' : 'hysteresis');
  }

  /** Copies and checks one input; returns the failure reason, or null when it is usable. */
  #read(input: StampedVector | null, into: Float64Array, nowNs: number, maxAgeMs: number, kind: 'state' | 'command'): DecisionReason | null {
    if (input === null || input === undefined) return `${kind}-missing`;
    const v = input.values;
    if (!v || v.length !== into.length) return `${kind}-invalid`;
    for (let i = 0; i < into.length; i++) {
      const x = v[i];
      if (typeof x !== 'number' || !Number.isFinite(x)) return `${kind}-invalid`;
      into[i] = x;
    }
    // A stamp further ahead than the age limit comes from a skewed clock: its age cannot be trusted.
    const ageNs = nowNs - input.stampNs;
    if (!Number.isFinite(ageNs) || ageNs > maxAgeMs * 1e6 || ageNs < -maxAgeMs * 1e6) return `${kind}-stale`;
    return null;
  }

  #normalize(): void {
    const n = this.#spaces?.normalization;
    if (!n) return;
    for (let i = 0; i < this.#obs.length; i++) this.#obs[i] = (this.#obs[i] - n.mean[i]) / n.std[i];
  }

  /** Recovery RL's rule with optional hysteresis: whether the recovery policy acts this tick. */
  #gate(risk: number): boolean {
    const h = this.#options.hysteresis;
    const eps = this.#options.epsSafe;
    const enter = h?.enter ?? eps;
    const exit = h?.exit ?? eps;
    const ticks = h?.ticks ?? 1;
    const wantsSwitch = this.#active ? risk <= exit : risk > enter;
    this.#streak = wantsSwitch ? this.#streak + 1 : 0;
    if (this.#streak >= ticks) {
      this.#active = !this.#active;
      this.#streak = 0;
    }
    return this.#active;
  }

  /**
   * The configured fallback for `reason`. `stateUnusable` rules out the recovery policy (it needs
   * a valid state and loaded models).
   */
  async #fallback(reason: DecisionReason, stateUnusable: boolean, risk: number | null): Promise<Decision> {
    const mode = this.#options.fallback;
    if (mode === 'passthrough' && !reason.startsWith('command-')) return this.#emit(this.#task, 'fallback', risk, reason);
    if (mode === 'recovery' && !stateUnusable && this.#models && this.#spaces) {
      try {
        await this.#models.recover(this.#obs, this.#out);
        if (allFinite(this.#out)) return this.#emit(this.#out, 'fallback', risk, reason);
      } catch {
        // The recovery policy failed as well: hold.
      }
    }
    return this.#hold(reason, risk);
  }

  #hold(reason: DecisionReason, risk: number | null): Decision {
    const neutral = this.#spaces?.neutralAction;
    if (neutral) this.#out.set(neutral);
    else this.#out.fill(0);
    return this.#emit(this.#out, 'fallback', risk, reason);
  }

  #emit(action: Float64Array, source: DecisionSource, risk: number | null, reason: DecisionReason): Decision {
    const s = this.#spaces;
    for (let i = 0; i < this.#out.length; i++) {
      const a = action[i];
      this.#out[i] = s ? Math.min(s.actionHigh[i], Math.max(s.actionLow[i], a)) : a;
    }
    return { action: this.#out, source, risk, reason, threshold: this.#options.epsSafe };
  }
}

function spacesOf(models: ShieldModels): Spaces {
  const m = models.manifest;
  return {
    observationSize: m.observation.size,
    actionLow: Float64Array.from(m.action.low),
    actionHigh: Float64Array.from(m.action.high),
    neutralAction: Float64Array.from(m.neutralAction),
    normalization: m.normalization ? { mean: Float64Array.from(m.normalization.mean), std: Float64Array.from(m.normalization.std) } : null,
  };
}

function allFinite(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  return true;
}

function checkOptions(o: ShieldOptions): void {
  const unit = (name: string, v: number | undefined) => {
    if (v !== undefined && !(v > 0 && v < 1)) throw new Error(`${name} must be in (0, 1), got ${v}`);
  };
  unit('eps_safe', o.epsSafe);
  unit('hysteresis.enter', o.hysteresis?.enter);
  unit('hysteresis.exit', o.hysteresis?.exit);
  if (o.hysteresis?.ticks !== undefined && !(Number.isInteger(o.hysteresis.ticks) && o.hysteresis.ticks >= 1)) throw new Error(`hysteresis.ticks must be a whole number >= 1, got ${o.hysteresis.ticks}`);
  const enter = o.hysteresis?.enter ?? o.epsSafe;
  const exit = o.hysteresis?.exit ?? o.epsSafe;
  if (exit > enter) throw new Error(`hysteresis.exit (${exit}) must not be above hysteresis.enter (${enter})`);
}
