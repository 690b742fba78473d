import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { ConfigError, loadConfig, parseConfig } from '../../runtime/index.js';
import { mqttRobotLinkOptionsSchema } from '../../runtime/transport/index.js';
import { packageRoot } from '../../sim/index.js';

describe('shield config', () => {
  it('fills in the defaults', () => {
    const c = parseConfig({ bundle: 'models/navigation1-mesa' });
    assert.equal(c.shield.fallback, 'recovery');
    assert.equal(c.shield.engine, 'onnxruntime');
    assert.equal(c.shield.eps_safe, undefined, 'eps_safe defaults to the bundle\'s');
    assert.equal(c.transport.kind, 'mqtt');
    assert.equal(c.transport.mqtt.broker, 'embedded');
    assert.equal(c.logging.stats_interval_s, 10);
  });

  it('names the key path and the expected value in every error', () => {
    assert.throws(() => parseConfig({ bundle: 'b', shield: { eps_safe: 2 } }), /shield\.eps_safe: expected a risk threshold in \(0, 1\)/);
    assert.throws(() => parseConfig({ bundle: 'b', shield: { fallback: 'ignore' } }), /shield\.fallback:/);
    assert.throws(() => parseConfig({ bundle: 'b', shield: { hysteresis: { ticks: 0 } } }), /shield\.hysteresis\.ticks:/);
    assert.throws(() => parseConfig({ bundle: 'b', shield: { esp_safe: 0.2 } }), /shield: .*esp_safe/);
    assert.throws(() => parseConfig({}), /bundle:/);
  });

  it('takes a control CPU only with the control thread protected', () => {
    assert.equal(parseConfig({ bundle: 'b', adaptation: { control_cpu: 1 } }).adaptation.control_cpu, 1);
    assert.equal(parseConfig({ bundle: 'b' }).adaptation.control_cpu, null);
    assert.throws(() => parseConfig({ bundle: 'b', adaptation: { control_cpu: 1, protect_control_thread: false } }), /adaptation\.control_cpu: control_cpu needs protect_control_thread: true/);
    assert.throws(() => parseConfig({ bundle: 'b', adaptation: { control_cpu: -1 } }), /adaptation\.control_cpu:/);
  });

  it('checks the MQTT settings as the transport does, so --check catches what would fail at start', () => {
    assert.throws(() => parseConfig({ bundle: 'b', transport: { mqtt: { broker: 'localhost:1883' } } }), /transport\.mqtt\.broker: .*mqtt:\/\/127\.0\.0\.1:1883/);
    assert.throws(() => parseConfig({ bundle: 'b', transport: { mqtt: { prefix: 'robots/+' } } }), /transport\.mqtt\.prefix: .*no wildcards/);
    assert.throws(() => parseConfig({ bundle: 'b', transport: { mqtt: { topics: { state: 'a/#' } } } }), /transport\.mqtt\.topics\.state:/);
    assert.throws(() => parseConfig({ bundle: 'b', transport: { rate_hz: 5000 } }), /transport\.rate_hz:/);
    assert.equal(parseConfig({ bundle: 'b', transport: { mqtt: { broker: 'mqtts://robot.local:8883' } } }).transport.mqtt.broker, 'mqtts://robot.local:8883');
  });

  it('uses the topics a robot-side link uses by default', () => {
    const link = mqttRobotLinkOptionsSchema.parse({ url: 'mqtt://127.0.0.1:1883' });
    assert.equal(link.topics.prefix, parseConfig({ bundle: 'b' }).transport.mqtt.prefix);
  });

  it('reads YAML and reports a file that is not YAML', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesa-config-'));
    writeFileSync(join(dir, 'ok.yaml'), 'bundle: b\nshield:\n  eps_safe: 0.2\n  hysteresis: { enter: 0.3, exit: 0.1 }\n');
    assert.equal(loadConfig(join(dir, 'ok.yaml')).shield.hysteresis?.exit, 0.1);
    writeFileSync(join(dir, 'bad.yaml'), 'bundle: [unclosed\n');
    assert.throws(() => loadConfig(join(dir, 'bad.yaml')), (e: unknown) => e instanceof ConfigError && /bad\.yaml: not valid YAML/.test(e.message));
    assert.throws(() => loadConfig(join(dir, 'missing.yaml')), /cannot read/);
  });
});

describe('the README', () => {
  it("shows a shield config that validates, with every section's defaults spelled out as they are", () => {
    const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Running the shield'));
    const block = /```yaml\n([\s\S]*?)```/.exec(section);
    assert.ok(block, 'a yaml block in "Running the shield"');
    const config = parseConfig(parseYaml(block[1]), 'README');
    const defaults = parseConfig({ bundle: config.bundle });
    // The README says which of its values are not defaults: eps_safe and gamma_safe (the bundle's), hysteresis and log.dir.
    const { eps_safe: _e, hysteresis: _h, ...shield } = config.shield;
    const { eps_safe: _de, hysteresis: _dh, ...defaultShield } = defaults.shield;
    const { gamma_safe: _g, ...adaptation } = config.adaptation;
    assert.deepEqual(shield, defaultShield);
    assert.deepEqual(adaptation, defaults.adaptation);
    assert.deepEqual(config.transport, defaults.transport);
    assert.deepEqual(config.logging, defaults.logging);
    assert.deepEqual({ ...config.log, dir: 'x' }, parseConfig({ bundle: 'b', log: { dir: 'x' } }).log);
  });
});
