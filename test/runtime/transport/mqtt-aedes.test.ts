import { describe } from 'node:test';
import { aedesHarness } from '../../support/mqtt.js';
import { mqttTransportSuite } from '../../support/mqtt-suite.js';

describe('MQTT transport with the embedded broker (aedes)', () => {
  mqttTransportSuite(aedesHarness, { fuzzRuns: 300 });
});
