/**
 * A shield on MQTT in a process of its own, for tests that need it to vanish without a goodbye
 * (SIGKILL). Usage: node dist/test/support/shield-process.js <broker url> <topic prefix>
 */
import { MqttShieldTransport } from '../../runtime/transport/index.js';
import { passthroughGate } from './gates.js';

const [url, prefix] = process.argv.slice(2);
const transport = new MqttShieldTransport(passthroughGate(2), { url, topics: { prefix } });
await transport.start();
process.stdout.write('ready\n');
setInterval(() => {}, 60_000);
