/**
 * Loopback round trip of the shield transports: the robot side sends a state and a proposed
 * command, the shield side gates it with a trivial gate (the command passes unchanged) and
 * publishes the applied command, and the time until the robot side receives it is recorded. So
 * the figures are the transport's: codec, client library, broker and the loopback network.
 * Robot side, shield side and (embedded) broker share one Node process, as in
 * `sim-loop --broker embedded`.
 *
 * Usage: node dist/bench/runtime/mqtt.js [--ticks N] [--warmup N] [--obs N] [--act N]
 *          [--broker embedded|mosquitto|all|<url>]
 * Mosquitto is spawned on a free 127.0.0.1 port when it is installed (with set_tcp_nodelay).
 */
import { cpus, loadavg } from 'node:os';
import type { Decision } from '../../runtime/index.js';
import {
  InprocTransport,
  MqttRobotLink,
  MqttShieldTransport,
  startEmbeddedBroker,
  summarizeLatency,
  type Gate,
  type RobotLink,
  type ShieldTransport,
} from '../../runtime/transport/index.js';
import { findMosquitto, mosquittoHarness } from '../../test/support/mqtt.js';
import { benchArgs } from '../bench-args.js';

const args = benchArgs('Loopback round trip (state in -> command out) of the in-process and MQTT transports.', {
  ticks: { default: 10_000, min: 1, help: 'timed round trips per row' },
  warmup: { default: 2000, min: 0, help: 'untimed round trips first' },
  obs: { default: 43, min: 1, help: 'observation size' },
  act: { default: 8, min: 1, help: 'action size' },
  broker: { default: 'all', choices: null, help: 'embedded, mosquitto, all, or a broker URL' },
});
const { ticks, warmup, obs: obsSize, act: actSize } = args;

const trivialGate: Gate = {
  decide: (_obs, proposed): Decision => ({ action: proposed!.values as Float64Array, source: 'task', risk: 0, reason: 'risk-acceptable', threshold: 1 }),
};

async function measure(shield: ShieldTransport, link: RobotLink): Promise<Float64Array> {
  const state = Float64Array.from({ length: obsSize }, (_, i) => i / obsSize);
  const proposed = Float64Array.from({ length: actSize }, (_, i) => -i / actSize);
  let waitingFor = -1;
  let answered: () => void = () => {};
  link.onApplied((m) => {
    if (m.stampNs === waitingFor) answered();
  });
  const micros = new Float64Array(ticks);
  for (let i = 0; i < warmup + ticks; i++) {
    const reply = new Promise<void>((resolve) => {
      answered = resolve;
      waitingFor = i;
    });
    const t0 = process.hrtime.bigint();
    link.sendState(state, i);
    link.sendProposed(proposed, i);
    await reply;
    if (i >= warmup) micros[i - warmup] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  if (shield.stats.ticks !== warmup + ticks) throw new Error(`expected ${warmup + ticks} decisions, the shield made ${shield.stats.ticks}`);
  return micros;
}

async function overMqtt(url: string, encoding: 'json' | 'binary'): Promise<Float64Array> {
  const topics = { prefix: `bench/${process.pid}` };
  const shield = new MqttShieldTransport(trivialGate, { url, topics, payload: { output: encoding } });
  await shield.start();
  const link = await MqttRobotLink.connect({ url, topics, encoding });
  try {
    return await measure(shield, link);
  } finally {
    await link.close();
    await shield.stop();
  }
}

function row(label: string, micros: Float64Array): void {
  const s = summarizeLatency(micros);
  const cells = [s.p50, s.p90, s.p99, s.max].map((v) => (v / 1000).toFixed(3).padStart(8));
  console.log(`${label.padEnd(34)}${cells.join('')}`);
}

console.log(`command: node ${process.argv.slice(1).map((a) => a.replace(process.cwd() + '/', '')).join(' ')}`);
console.log(`Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`round trip state + proposed -> applied, ${ticks} ticks after ${warmup} warm-up ticks, observation ${obsSize}, action ${actSize}, QoS 0, milliseconds`);
console.log(`${'transport'.padEnd(34)}${['p50', 'p90', 'p99', 'max'].map((h) => h.padStart(8)).join('')}`);

const inproc = new InprocTransport(trivialGate);
await inproc.start();
row('in-process (reference)', await measure(inproc, inproc.robot));
await inproc.stop();

const which = args.broker;
if (which === 'embedded' || which === 'all') {
  const broker = await startEmbeddedBroker();
  try {
    for (const encoding of ['binary', 'json'] as const) row(`MQTT embedded aedes, ${encoding}`, await overMqtt(broker.url, encoding));
  } finally {
    await broker.close();
  }
}
if (which === 'mosquitto' || which === 'all') {
  const executable = findMosquitto();
  if (executable === null) console.log('MQTT mosquitto: skipped, mosquitto is not installed');
  else {
    const broker = await mosquittoHarness(executable);
    try {
      for (const encoding of ['binary', 'json'] as const) row(`MQTT mosquitto, ${encoding}`, await overMqtt(broker.url, encoding));
    } finally {
      await broker.close();
    }
  }
}
if (!['embedded', 'mosquitto', 'all'].includes(which)) {
  for (const encoding of ['binary', 'json'] as const) row(`MQTT ${which}, ${encoding}`, await overMqtt(which, encoding));
}
