import { Command, Option } from 'commander';
import { DOMAIN_IDS, type DomainId, type LoopGate } from '../sim/index.js';
import { integerIn, unitInterval } from './options.js';
import { table } from './table.js';

/** `shield` and `sim-loop`. The runtime loads only when a command runs. */
export function runtimeCommands(): Command[] {
  return [shieldCommand(), simLoopCommand()];
}

function shieldCommand(): Command {
  return new Command('shield')
    .description('run the shield as a service: gate the proposed commands arriving over MQTT (embedded broker by default), log stats, record transitions, adapt online, as the config says')
    .requiredOption('--config <yaml>', 'the shield config (see the README, "Running the shield")')
    .option('--check', 'validate the config and load the bundle, print what would run, and exit')
    .action(async (o: { config: string; check?: boolean }) => {
      const { loadConfig, createShield, ShieldService } = await import('../runtime/index.js');
      const config = loadConfig(o.config);
      if (o.check) {
        const shield = await createShield(config);
        const m = shield.models!.manifest;
        console.log(`${o.config}: valid. Bundle ${config.bundle} (${m.name}, ${m.provenance.method}, obs ${m.observation.size}, act ${m.action.size}), eps_safe ${shield.options.epsSafe}, fallback ${shield.options.fallback}, broker ${config.transport.mqtt.broker}`);
        await shield.models!.release();
        return;
      }
      const { pino } = await import('pino');
      const log = pino({ name: 'mesa-shield', level: config.logging.level });
      // Listening from the start: a signal while the broker is still unreachable stops cleanly too. A second one kills.
      const stopping = new AbortController();
      const received = new Promise<string>((resolve) => {
        const stop = (signal: string) => {
          process.off('SIGINT', stop).off('SIGTERM', stop);
          resolve(signal);
          stopping.abort(new Error(`${signal} before the shield ran`));
        };
        process.on('SIGINT', stop).on('SIGTERM', stop);
      });
      let service;
      try {
        service = await ShieldService.start(config, log, stopping.signal);
      } catch (e) {
        if (!stopping.signal.aborted) throw e;
        log.info({ signal: await received }, 'stopped before the shield ran');
        return;
      }
      log.info({ signal: await received }, 'stopping');
      await service.stop();
    });
}

function simLoopCommand(): Command {
  return new Command('sim-loop')
    .description('simulation in the loop: a task controller proposes, the shield gates, the simulator applies; reports returns, violations and interventions')
    .addOption(new Option('--domain <id>', 'domain (the test environment of the distribution drawn with --seed)').choices([...DOMAIN_IDS]).makeOptionMandatory())
    .requiredOption('--bundle <dir>', 'model bundle gating the controller')
    .addOption(new Option('--transport <t>', 'how states and commands reach the shield: a direct call, or MQTT through a broker').choices(['inproc', 'mqtt']).default('inproc'))
    .option('--broker <url>', 'with --transport mqtt: "embedded" (an in-process broker) or a broker URL such as mqtt://127.0.0.1:1883', 'embedded')
    .addOption(new Option('--payload <p>', 'with --transport mqtt: payload encoding').choices(['binary', 'json']).default('binary'))
    .addOption(new Option('--engine <e>', 'inference engine').choices(['onnxruntime', 'typescript']).default('onnxruntime'))
    .option('--eps-safe <e>', "risk threshold (default: the bundle's)", unitInterval)
    .option('--episodes <n>', 'episodes', integerIn(1), 20)
    .option('--seed <s>', 'seed of the environment, controller and episodes', integerIn(0, 2 ** 31 - 1), 0)
    .option('--compare', 'also run the same episodes without the shield')
    .option('--json', 'print JSON')
    .action(async (o: SimLoopCli) => {
      const { createShield, parseConfig } = await import('../runtime/index.js');
      const { runSimLoop } = await import('../sim/index.js');
      const config = parseConfig({ bundle: o.bundle, shield: { engine: o.engine, ...(o.epsSafe ? { eps_safe: o.epsSafe } : {}) } });
      const shield = await createShield(config);
      const trainedFor = shield.models!.manifest.domain;
      if (trainedFor !== o.domain) {
        await shield.models!.release();
        throw new Error(`${o.bundle} was trained for ${trainedFor}, not ${o.domain}: its critic does not fit that domain's states and actions`);
      }
      const run = { domain: o.domain, episodes: o.episodes, seed: o.seed };
      // Released on every path: an open broker or connection left behind would keep a failed run from exiting.
      let through: { gate: LoopGate; roundTrips: number[] | null; close(): Promise<void> } | null = null;
      let shielded;
      try {
        through = o.transport === 'mqtt' ? await mqttGate(shield, o) : { gate: shield, roundTrips: null, close: async () => {} };
        shielded = await runSimLoop({ ...run, gate: through.gate });
      } finally {
        await through?.close();
        await shield.models?.release();
      }
      const transport = o.transport === 'mqtt' ? `MQTT ${o.broker}, ${o.payload}` : 'in-process';
      const runs = [{ label: `shield (${o.bundle}, eps ${shield.options.epsSafe}, ${transport})`, ...shielded }];
      if (o.compare) runs.push({ label: 'no shield', ...(await runSimLoop({ ...run, gate: null })) });
      const { summarizeLatency } = await import('../runtime/transport/index.js');
      const roundTrip = through.roundTrips ? summarizeLatency(through.roundTrips) : null;
      if (o.json) {
        console.log(JSON.stringify({ runs: runs.map(({ label, summary, episodes }) => ({ label, summary, episodes })), ...(roundTrip ? { roundTripMs: roundTrip } : {}) }));
        return;
      }
      console.log(`${o.domain}, test environment of seed ${o.seed}, random task controller, ${o.episodes} episodes (each ends at its first violation)`);
      console.log(
        table(
          ['run', 'violations', 'return (mean ± s.e.)', 'intervention rate', 'fallback rate'],
          runs.map(({ label, summary: s }) => [label, `${s.violations}/${s.episodes}`, `${s.meanReturn.toFixed(1)} ± ${s.stderrReturn.toFixed(1)}`, `${(100 * s.interventionRate).toFixed(1)}%`, `${(100 * s.fallbackRate).toFixed(1)}%`]),
        ),
      );
      if (roundTrip) console.log(`MQTT round trip state + proposed -> applied over ${roundTrip.count} ticks: p50 ${roundTrip.p50.toFixed(3)} ms, p99 ${roundTrip.p99.toFixed(3)} ms, max ${roundTrip.max.toFixed(3)} ms`);
    });
}

interface SimLoopCli {
  domain: DomainId;
  bundle: string;
  transport: 'inproc' | 'mqtt';
  broker: string;
  payload: 'binary' | 'json';
  engine: 'onnxruntime' | 'typescript';
  epsSafe?: number;
  episodes: number;
  seed: number;
  compare?: boolean;
  json?: boolean;
}

/**
 * The shield behind MQTT, all in this process: a broker (embedded unless a URL is given), the
 * shield side of the transport and the simulator's link. The shield side's clock follows the
 * simulated time, so staleness is judged as in-process; the round trips are measured in wall time.
 */
async function mqttGate(shield: import('../runtime/index.js').Shield, o: SimLoopCli) {
  const { LinkGate, MqttRobotLink, MqttShieldTransport, startEmbeddedBroker } = await import('../runtime/transport/index.js');
  const broker = o.broker === 'embedded' ? await startEmbeddedBroker() : null;
  const url = broker?.url ?? o.broker;
  const topics = { prefix: `mesa-shield/sim-loop-${process.pid}` };
  const link = await MqttRobotLink.connect({ url, topics, encoding: o.payload }, undefined, AbortSignal.timeout(10_000)).catch(async (e: unknown) => {
    await broker?.close();
    throw new Error(`cannot connect to the MQTT broker at ${url}: ${e instanceof Error ? e.message : String(e)}`);
  });
  const linkGate = new LinkGate(link);
  const transport = new MqttShieldTransport(shield, { url, topics, payload: { output: o.payload } }, { clock: linkGate.clock });
  const close = async () => {
    linkGate.close();
    await link.close();
    await transport.stop();
    await broker?.close();
  };
  await transport.start().catch(async (e: unknown) => {
    await close();
    throw e;
  });
  const roundTrips: number[] = [];
  return {
    gate: {
      async decide(observation: import('../runtime/index.js').StampedVector, proposed: import('../runtime/index.js').StampedVector, nowNs: number) {
        const t0 = performance.now();
        const answer = await linkGate.decide(observation, proposed, nowNs);
        roundTrips.push(performance.now() - t0);
        return answer;
      },
    },
    roundTrips,
    close,
  };
}
