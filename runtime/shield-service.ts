import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnlineAdaptation } from './adaptation/online-adaptation.js';
import type { ShieldConfig } from './config.js';
import type { Shield } from './core/shield.js';
import type { Decision, StampedVector } from './core/decision.js';
import { createShield } from './create-shield.js';
import { DEFAULT_MAX_GAP_MS, TickPairer, TransitionLogWriter } from './log/index.js';
import { ShieldStats } from './stats.js';
import { MqttShieldTransport, startEmbeddedBroker, type EmbeddedBroker, type Gate, type MqttTransportOptionsInput, type ShieldTransport, type TransportLog } from './transport/index.js';

/**
 * The shield with what records it, composed from the config: the shield, the transition log and
 * online adaptation when configured, and a `RecordingGate` in front of the shield that feeds both
 * and measures every decision. What every long-running transport runs: the MQTT service below and
 * the ROS 2 node.
 */
export interface ShieldRuntime {
  readonly shield: Shield;
  /** The gate a transport asks; it decides with `shield`. */
  readonly gate: RecordingGate;
  readonly transitionLog: TransitionLogWriter | null;
  readonly adaptation: OnlineAdaptation | null;
  /** Hands the last transitions to adaptation and stops it, closes the log and releases the models; returns what the log wrote. */
  close(): Promise<Awaited<ReturnType<TransitionLogWriter['close']>> | undefined>;
}

/** Loads the bundle, opens the transition log and starts online adaptation as the config says. */
export async function startShieldRuntime(config: ShieldConfig, log: TransportLog): Promise<ShieldRuntime> {
  const shield = await createShield(config);
  const manifest = shield.models!.manifest;
  let transitionLog: TransitionLogWriter | null = null;
  let adaptation: OnlineAdaptation | null = null;
  try {
    if (config.log) transitionLog = new TransitionLogWriter({ ...config.log, onError: (e) => log.error({ err: e.message }, 'transition log failed; ticks are no longer recorded') });
    const a = config.adaptation;
    if (a.enabled) {
      adaptation = new OnlineAdaptation(shield, {
        bundle: config.bundle,
        offlineData: a.offline_data,
        candidateDir: a.candidate_dir ?? mkdtempSync(join(tmpdir(), 'mesa-shield-candidates-')),
        gammaRisk: a.gamma_safe ?? manifest.risk.gammaRisk,
        tauRisk: a.tau_safe ?? null,
        epsRisk: shield.options.epsSafe,
        iterationsPerCandidate: a.iterations_per_candidate,
        minNewTransitions: a.min_new_transitions,
        keepCandidates: a.keep_candidates,
        minHeldOutViolations: a.min_held_out_violations,
        batchSize: a.batch_size,
        heldOutFraction: a.held_out_fraction,
        minRecall: a.min_recall,
        parityTolerance: a.parity_tolerance,
        seed: a.seed,
      }, { protectControlThread: a.protect_control_thread, controlCpu: a.control_cpu });
      adaptation.on('accepted', (r) => log.info({ candidate: r.dir, iteration: r.iteration, recall: r.recall, parity_error: r.parityError }, 'adapted models swapped in'));
      adaptation.on('rejected', (r, why) => log.warn({ candidate: r.dir, iteration: r.iteration, recall: r.recall, parity_error: r.parityError, why }, 'adapted candidate rejected'));
      adaptation.on('releaseFailed', (e) => log.warn({ err: e.message }, 'could not release models a swap retired'));
      adaptation.on('restarted', (n, e) => log.error({ restarts: n, err: e?.message }, 'adaptation worker restarted'));
      adaptation.start();
      const p = adaptation.protection;
      if (p) log.info({ lowered_threads: p.lowered, single_threaded_gc: p.singleThreadedGc, control_cpu: p.pinning?.controlCpu ?? null, other_cpus: p.pinning?.otherCpus ?? null }, p.singleThreadedGc ? 'other threads lowered below the control thread' : 'other threads lowered below the control thread; start node with --single-threaded-gc to keep their garbage collection off the helper threads too');
    }
  } catch (e) {
    await transitionLog?.close().catch(() => {});
    await shield.models!.release();
    throw e;
  }
  const gate = new RecordingGate(shield, new ShieldStats(), transitionLog, adaptation, { maxGapMs: config.adaptation.max_gap_ms });
  return {
    shield,
    gate,
    transitionLog,
    adaptation,
    async close() {
      gate.flush();
      await adaptation?.stop();
      const logged = await transitionLog?.close();
      await shield.models?.release();
      return logged;
    },
  };
}

/**
 * The shield as a long-running service on MQTT: the shield runtime (above), the MQTT transport
 * (with an embedded broker when configured), and periodic stats in the log. `mesa-shield shield`
 * runs one.
 */
export class ShieldService {
  readonly #timer: NodeJS.Timeout;

  private constructor(
    readonly runtime: ShieldRuntime,
    readonly transport: ShieldTransport,
    readonly broker: EmbeddedBroker | null,
    readonly brokerUrl: string,
    readonly log: TransportLog,
    statsIntervalS: number,
  ) {
    this.#timer = setInterval(() => this.logStats(), statsIntervalS * 1000);
    this.#timer.unref();
  }

  get shield(): Shield {
    return this.runtime.shield;
  }

  get gate(): RecordingGate {
    return this.runtime.gate;
  }

  get transitionLog(): TransitionLogWriter | null {
    return this.runtime.transitionLog;
  }

  get adaptation(): OnlineAdaptation | null {
    return this.runtime.adaptation;
  }

  /**
   * Loads the bundle, opens the log, starts adaptation, the broker (if embedded) and the transport.
   * It waits for the broker as long as it takes (a robot's broker may come up later); aborting
   * `signal` meanwhile undoes what was started and rejects with `signal.reason`.
   */
  static async start(config: ShieldConfig, log: TransportLog, signal?: AbortSignal): Promise<ShieldService> {
    if (config.transport.kind !== 'mqtt') throw new Error(`transport.kind "${config.transport.kind}" has nothing to listen to in a service; use mqtt`);
    signal?.throwIfAborted();
    const runtime = await startShieldRuntime(config, log);
    const manifest = runtime.shield.models!.manifest;
    const cleanup: (() => Promise<unknown>)[] = [() => runtime.close()];
    try {
      signal?.throwIfAborted();
      const m = config.transport.mqtt;
      let broker: EmbeddedBroker | null = null;
      if (m.broker === 'embedded') {
        broker = await startEmbeddedBroker({ port: m.embedded_port, ...(m.username === undefined ? {} : { username: m.username }), ...(m.password === undefined ? {} : { password: m.password }) }).catch((e: unknown) => {
          if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
          throw new Error(
            `the embedded MQTT broker cannot listen on 127.0.0.1:${m.embedded_port}: the port is taken (another broker or shield?). ` +
              'Set transport.mqtt.embedded_port (0 picks a free port), or point transport.mqtt.broker at the running broker.',
          );
        });
        const started = broker;
        cleanup.push(() => started.close());
        log.info({ url: broker.url }, 'embedded MQTT broker listening');
      }
      const url = broker?.url ?? m.broker;
      const transport = new MqttShieldTransport(runtime.gate, mqttOptions(config, url), { log });
      cleanup.push(() => transport.stop());
      log.info({ broker: url }, 'connecting to the MQTT broker');
      const giveUp = () => void transport.stop();
      signal?.addEventListener('abort', giveUp, { once: true });
      try {
        await transport.start();
      } finally {
        signal?.removeEventListener('abort', giveUp);
      }
      signal?.throwIfAborted();
      log.info({ bundle: config.bundle, name: manifest.name, method: manifest.provenance.method, domain: manifest.domain, eps_safe: runtime.shield.options.epsSafe, broker: url }, 'shield running');
      return new ShieldService(runtime, transport, broker, url, log, config.logging.stats_interval_s);
    } catch (e) {
      for (const c of cleanup.reverse()) await c().catch(() => {});
      throw signal?.aborted ? signal.reason : e;
    }
  }

  /** Logs the decision statistics and the transport's counters at info. */
  logStats(): void {
    this.log.info({ ...this.gate.stats.snapshot(), transport: this.transport.stats, ...(this.transitionLog ? { transition_log: this.transitionLog.stats } : {}) }, 'stats');
  }

  /** Stops taking inputs, then closes the log, the adaptation worker, the models and the broker. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.transport.stop();
    const logged = await this.runtime.close();
    await this.broker?.close();
    this.logStats();
    if (logged) this.log.info({ files: logged.files, records: logged.written, dropped: logged.dropped }, 'transition log closed');
  }
}

function mqttOptions(config: ShieldConfig, url: string): MqttTransportOptionsInput {
  const m = config.transport.mqtt;
  const qos = typeof m.qos === 'number' ? { state: m.qos, proposed: m.qos, applied: m.qos, status: m.qos } : m.qos;
  return {
    url,
    ...(m.username === undefined ? {} : { username: m.username }),
    ...(m.password === undefined ? {} : { password: m.password }),
    ...(m.tls === undefined ? {} : { tls: { ...(m.tls.ca ? { ca: m.tls.ca } : {}), ...(m.tls.cert ? { cert: m.tls.cert } : {}), ...(m.tls.key ? { key: m.tls.key } : {}), rejectUnauthorized: m.tls.reject_unauthorized } }),
    topics: { prefix: m.prefix, ...m.topics },
    qos,
    tick: config.transport.tick === 'rate' ? { mode: 'rate', hz: config.transport.rate_hz } : { mode: 'on-command' },
    payload: { output: m.payload },
  };
}

/**
 * A gate in front of the shield that measures each decision (ShieldStats), records the tick to the
 * transition log, and turns the ticks into transitions (s, a, s') for online adaptation the way
 * `adapt --from-log` does (`TickPairer`): consecutive states told apart by their stamps, a the last
 * command applied in s; none out of a violating state, into an episode start, or across more than
 * `maxGapMs` between the two states' stamps.
 */
export class RecordingGate implements Gate {
  readonly #pairer: TickPairer | null;

  constructor(
    readonly shield: Shield,
    readonly stats: ShieldStats,
    readonly transitionLog: TransitionLogWriter | null,
    readonly adaptation: Pick<OnlineAdaptation, 'record' | 'flush'> | null,
    options: { readonly maxGapMs?: number } = {},
  ) {
    const manifest = shield.models?.manifest;
    this.#pairer =
      adaptation && manifest
        ? new TickPairer(manifest.observation.size, manifest.action.size, (options.maxGapMs ?? DEFAULT_MAX_GAP_MS) * 1e6, (t) =>
            adaptation.record({ obs: t.obs, action: t.action, nextObs: t.nextObs, constraint: t.constraint, done: t.constraint === 1 }),
          )
        : null;
  }

  async decide(observation: StampedVector | null, proposed: StampedVector | null, nowNs: number): Promise<Decision> {
    const t0 = process.hrtime.bigint();
    const d = await this.shield.decide(observation, proposed, nowNs);
    this.stats.record(d, Number(process.hrtime.bigint() - t0));
    if (this.transitionLog || this.adaptation) this.#record(observation, proposed, d, nowNs);
    return d;
  }

  /** Sends the transitions collected so far to the adaptation worker. */
  flush(): void {
    this.adaptation?.flush();
  }

  #record(observation: StampedVector | null, proposed: StampedVector | null, d: Decision, nowNs: number): void {
    const none: readonly number[] = [];
    this.transitionLog?.append({
      tNs: nowNs,
      observation: observation?.values ?? none,
      proposed: proposed?.values ?? none,
      applied: d.action,
      risk: d.risk,
      source: d.source,
      reason: d.reason,
      ...(observation?.constraint === undefined ? {} : { constraint: observation.constraint }),
      ...(observation ? { stateStampNs: observation.stampNs } : {}),
      ...(observation?.episodeStart ? { episodeStart: true } : {}),
    });
    if (observation) {
      this.#pairer?.push({ tNs: nowNs, stateStampNs: observation.stampNs, obs: observation.values, action: d.action, constraint: observation.constraint, episodeStart: observation.episodeStart === true });
    }
  }
}
