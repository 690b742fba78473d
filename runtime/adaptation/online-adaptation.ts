import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Shield } from '../core/shield.js';
import { loadShieldModels, openShieldModels, type ShieldModels } from '../models/shield-models.js';
import { protectControlThread, type ControlThreadProtection } from './control-thread.js';
import type { AdaptationSettings, CandidateReport, FromWorker, ToWorker, TransitionChunk, WorkerProtection } from './protocol.js';

export interface OnlineTransition {
  readonly obs: ArrayLike<number>;
  /** The action applied. */
  readonly action: ArrayLike<number>;
  readonly nextObs: ArrayLike<number>;
  /** The state reached violates the constraint (when the robot reports it). */
  readonly constraint: 0 | 1;
  /** The transition ended the episode. */
  readonly done: boolean;
}

export interface OnlineAdaptationEvents {
  accepted: [CandidateReport];
  rejected: [CandidateReport, string];
  restarted: [number, Error | null];
  /** Releasing models that a swap retired failed (they may hold memory until the process ends). */
  releaseFailed: [Error];
}

/**
 * Online adaptation beside a running shield: transitions go to a worker thread in chunks; each
 * candidate the worker reports is loaded here (off the control path) and swapped into the shield,
 * which applies it between two ticks. A rejected candidate is dropped with its reason. A worker
 * that crashes is restarted with exponential backoff while the shield keeps its last good models;
 * the transitions recorded meanwhile are kept (up to a bound) and sent to the new worker.
 */
export class OnlineAdaptation extends EventEmitter<OnlineAdaptationEvents> {
  readonly #shield: Shield;
  readonly #settings: AdaptationSettings;
  readonly #chunkSize: number;
  readonly #obsSize: number;
  readonly #actSize: number;
  #worker: Worker | null = null;
  #running = false;
  #restarts = 0;
  #backoffMs: number;
  readonly #maxBackoffMs: number;
  #buffer: TransitionChunk & { size: number };
  #unsent: TransitionChunk[] = [];
  readonly #protect: boolean;
  readonly #controlCpu: number | null;
  #protection: ControlThreadProtection | null = null;

  /**
   * `protectControlThread`: on start, give every other thread of the process the lowest priority
   * (`protectControlThread()`, which says why node should also run with `--single-threaded-gc`);
   * the caller must be the thread that calls `decide`. `controlCpu` (with `protectControlThread`):
   * pin that thread to this CPU and the others, the worker among them, to the rest; `start` throws
   * a ControlThreadError where that cannot be done.
   */
  constructor(shield: Shield, settings: AdaptationSettings, options: { chunkSize?: number; initialBackoffMs?: number; maxBackoffMs?: number; protectControlThread?: boolean; controlCpu?: number | null } = {}) {
    super();
    const manifest = shield.models?.manifest;
    if (!manifest) throw new Error('online adaptation needs a shield with loaded models');
    this.#shield = shield;
    this.#settings = settings;
    this.#chunkSize = options.chunkSize ?? 256;
    this.#backoffMs = options.initialBackoffMs ?? 500;
    this.#maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.#obsSize = manifest.observation.size;
    this.#actSize = manifest.action.size;
    this.#buffer = this.#emptyChunk();
    this.#protect = options.protectControlThread ?? false;
    this.#controlCpu = options.controlCpu ?? null;
    if (this.#controlCpu !== null && !this.#protect) throw new Error('controlCpu needs protectControlThread');
  }

  /** What starting changed to keep the control thread's core (null before start or when not asked). */
  get protection(): ControlThreadProtection | null {
    return this.#protection;
  }

  get restarts(): number {
    return this.#restarts;
  }

  start(): void {
    // Protection comes first: a thread inherits its creator's affinity, so the worker pins itself.
    if (this.#protect) this.#protection = protectControlThread({ controlCpu: this.#controlCpu });
    this.#running = true;
    this.#spawn();
  }

  /** Records one transition; it reaches the worker with the next full chunk. */
  record(t: OnlineTransition): void {
    const b = this.#buffer;
    const i = b.size;
    for (let k = 0; k < this.#obsSize; k++) {
      b.obs[i * this.#obsSize + k] = t.obs[k];
      b.nextObs[i * this.#obsSize + k] = t.nextObs[k];
    }
    for (let k = 0; k < this.#actSize; k++) b.action[i * this.#actSize + k] = t.action[k];
    b.constraint[i] = t.constraint;
    b.done[i] = t.done ? 1 : 0;
    b.size += 1;
    if (b.size === this.#chunkSize) this.flush();
  }

  /** Sends the transitions recorded so far. */
  flush(): void {
    if (this.#buffer.size === 0) return;
    const b = this.#buffer;
    const n = b.size;
    const chunk: TransitionChunk = {
      size: n,
      obs: b.obs.slice(0, n * this.#obsSize),
      action: b.action.slice(0, n * this.#actSize),
      nextObs: b.nextObs.slice(0, n * this.#obsSize),
      constraint: b.constraint.slice(0, n),
      done: b.done.slice(0, n),
    };
    b.size = 0;
    if (this.#worker) this.#post({ type: 'transitions', chunk }, chunk);
    else if (this.#unsent.reduce((s, c) => s + c.size, 0) < 1_000_000) this.#unsent.push(chunk);
  }

  async stop(): Promise<void> {
    this.#running = false;
    const w = this.#worker;
    this.#worker = null;
    if (w) {
      const exited = new Promise((r) => w.once('exit', r));
      w.postMessage({ type: 'stop' } satisfies ToWorker);
      const timeout = setTimeout(() => void w.terminate(), 10_000);
      await exited;
      clearTimeout(timeout);
    }
    await this.#releaseRetired();
  }

  #emptyChunk(): TransitionChunk & { size: number } {
    const n = this.#chunkSize ?? 256;
    return { size: 0, obs: new Float32Array(n * this.#obsSize), action: new Float32Array(n * this.#actSize), nextObs: new Float32Array(n * this.#obsSize), constraint: new Uint8Array(n), done: new Uint8Array(n) };
  }

  #post(message: ToWorker, chunk?: TransitionChunk): void {
    const transfer = chunk ? [chunk.obs.buffer, chunk.action.buffer, chunk.nextObs.buffer, chunk.constraint.buffer, chunk.done.buffer] : [];
    this.#worker!.postMessage(message, transfer as ArrayBuffer[]);
  }

  #spawn(): void {
    const p = this.#protection;
    const protection: WorkerProtection | null = p && p.controlThread !== null ? { controlThread: p.controlThread, cpus: p.pinning?.otherCpus ?? null } : null;
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: protection });
    this.#worker = worker;
    worker.on('message', (m: FromWorker) => void this.#onMessage(m));
    const restart = (error: Error | null) => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      if (!this.#running) return;
      this.#restarts += 1;
      this.emit('restarted', this.#restarts, error);
      const delay = this.#backoffMs;
      this.#backoffMs = Math.min(this.#maxBackoffMs, this.#backoffMs * 2);
      setTimeout(() => this.#running && this.#spawn(), delay).unref();
    };
    worker.on('error', (e) => restart(e));
    worker.on('exit', (code) => code !== 0 && restart(null));
    this.#post({ type: 'start', settings: this.#settings });
    for (const chunk of this.#unsent.splice(0)) this.#post({ type: 'transitions', chunk }, chunk);
  }

  async #onMessage(m: FromWorker): Promise<void> {
    if (m.type === 'rejected') this.emit('rejected', m.report, m.reason);
    if (m.type !== 'candidate') return;
    let displaced: ShieldModels | null;
    try {
      // The worker's pre-optimized models skip the file reads and hashes and half of each session's
      // creation here, on the control thread; the TypeScript engine cannot run their fused operators.
      const models =
        this.#shield.models?.engine === 'typescript'
          ? await loadShieldModels(m.report.dir, 'typescript')
          : await openShieldModels({ dir: m.report.dir, ...m.models }, 'onnxruntime', { preOptimized: true });
      displaced = this.#shield.swapModels(models);
    } catch (e) {
      this.emit('rejected', m.report, `could not load the candidate: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    this.emit('accepted', m.report);
    await this.#release(displaced ? [displaced] : []);
    await this.#releaseRetired();
  }

  #releaseRetired(): Promise<void> {
    return this.#release(this.#shield.takeRetired());
  }

  async #release(models: readonly ShieldModels[]): Promise<void> {
    for (const m of models) {
      try {
        await m.release();
      } catch (e) {
        this.emit('releaseFailed', e instanceof Error ? e : new Error(String(e)));
      }
    }
  }
}
