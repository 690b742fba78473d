import { describe } from 'node:test';
import { MOSQUITTO_SKIP_REASON, findMosquitto, mosquittoHarness } from '../../support/mqtt.js';
import { mqttTransportSuite } from '../../support/mqtt-suite.js';

const mosquitto = findMosquitto();

describe('MQTT transport with mosquitto', { skip: mosquitto === null ? MOSQUITTO_SKIP_REASON : false }, () => {
  mqttTransportSuite(() => mosquittoHarness(mosquitto as string), { fuzzRuns: 150 });
});
