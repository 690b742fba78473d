import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { SHIELD_NODE_PARAMETERS, defaultParameterValues, parseNodeParameters, undeclaredParameters } from '../../ros/index.js';
import { ConfigError, parseConfig } from '../../runtime/index.js';
import { packageRoot } from '../../sim/index.js';

/** The ros__parameters of a parameters file as rcl reads them: nested keys joined with dots, with the YAML node of each value. */
function rosParameters(path: string): Map<string, YamlNode> {
  const text = readFileSync(path, 'utf8');
  const doc = parseDocument(text);
  assert.deepEqual(doc.errors, []);
  const root = doc.getIn(['/**', 'ros__parameters'], true);
  assert.ok(isMap(root), 'the file sets /**: ros__parameters');
  const out = new Map<string, YamlNode>();
  const walk = (node: YamlNode, prefix: string) => {
    if (isMap(node)) for (const pair of node.items) walk(pair.value as YamlNode, `${prefix}${prefix ? '.' : ''}${String((pair.key as { value: unknown }).value)}`);
    else out.set(prefix, node);
  };
  walk(root, '');
  return out;
}

const valid = { ...defaultParameterValues(), bundle: 'models/navigation1-mesa', state_fields: ['pose.pose.position.x', 'pose.pose.position.y'], command_fields: ['twist.linear.x', 'twist.linear.y'] };

function problems(values: Record<string, unknown>): string {
  try {
    parseNodeParameters(values);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.message;
  }
  assert.fail('the parameters were accepted');
}

describe('node parameters', () => {
  it('accepts the shipped launch/params.yaml: every key is a declared parameter of the declared type', () => {
    const file = rosParameters(join(packageRoot(), 'launch', 'params.yaml'));
    assert.deepEqual(undeclaredParameters(file.keys()), []);
    const values: Record<string, unknown> = {};
    for (const spec of SHIELD_NODE_PARAMETERS) {
      const node = file.get(spec.name);
      assert.ok(node, `params.yaml sets ${spec.name}`);
      if (spec.kind === 'string_array') {
        assert.ok(isSeq(node), `${spec.name} is a list`);
        values[spec.name] = node.toJSON();
        continue;
      }
      assert.ok(isScalar(node), `${spec.name} is a single value`);
      // rcl reads 1 as an integer and refuses it for a double parameter: doubles need their decimal point.
      const raw = node.source ?? String(node.value);
      if (spec.kind === 'double') assert.match(raw, /^-?\d+\.\d*(e-?\d+)?$/, `${spec.name}: ${raw} is a double`);
      if (spec.kind === 'integer') assert.match(raw, /^-?\d+$/, `${spec.name}: ${raw} is an integer`);
      values[spec.name] = node.value;
    }
    const config = parseNodeParameters(values);
    const defaults = parseConfig({ bundle: 'models/navigation1-mesa' });
    // The node, unlike the YAML config, leaves the control thread unprotected unless asked.
    const nodeDefaults = { ...defaults, adaptation: { ...defaults.adaptation, protect_control_thread: false } };
    assert.deepEqual(config.runtime, nodeDefaults, 'the file spells out the node defaults');
    assert.deepEqual(config.ros.state.fields, ['pose.pose.position.x', 'pose.pose.position.y']);
    assert.equal(config.ros.command.type, 'geometry_msgs/msg/TwistStamped');
  });

  it('refuses the defaults alone, naming what must be set', () => {
    const message = problems(defaultParameterValues());
    assert.match(message, /^ROS parameters: /);
    assert.match(message, /bundle: expected the path of a model bundle/);
    assert.match(message, /state_fields: name at least one field of nav_msgs\/msg\/Odometry/);
    assert.match(message, /command_fields: name at least one field of geometry_msgs\/msg\/TwistStamped/);
  });

  for (const [name, value, expected, extra] of [
    ['eps_safe', 1.5, /eps_safe: expected a risk threshold in \(0, 1\)/],
    ['hysteresis.enter', -0.2, /hysteresis\.enter: expected a risk level in \(0, 1\)/],
    ['hysteresis.ticks', 0, /hysteresis\.ticks: /],
    ['fallback', 'stop', /fallback: /],
    ['rate_hz', -1, /rate_hz: /],
    ['max_state_age_ms', 0, /max_state_age_ms: /],
    ['state_type', 'sensor_msgs/msg/Imu', /state_type: /],
    ['command_in_topic', 'cmd vel', /command_in_topic: expected a ROS topic name/],
    ['command_out_topic', 'cmd_vel_in', /command_out_topic: the applied command must not go to the topic it is read from/],
    ['state_fields', ['pose.pose.position.x', 'position.y'], /state_fields\[1\]: nav_msgs\/msg\/Odometry has no number field "position.y"/],
    ['stop_pub_timeout_s', -1, /stop_pub_timeout_s: /],
    ['constraint_topic', '/bumper state', /constraint_topic: /],
    ['log.flush_records', 0, /log\.flush_records: /, { 'log.dir': 'logs' }],
    ['adaptation.min_recall', 2, /adaptation\.min_recall: /],
  ] as [string, unknown, RegExp, Record<string, unknown>?][]) {
    it(`names ${name} when its value is wrong`, () => {
      assert.match(problems({ ...valid, ...extra, [name]: value }), expected);
    });
  }

  it('reads 0 as "not set" where a parameter defaults to another value, as a ROS parameter cannot be null', () => {
    const plain = parseNodeParameters(valid).runtime.shield;
    assert.equal(plain.eps_safe, undefined, 'eps_safe 0: the bundle\'s eps_risk');
    assert.equal(plain.hysteresis, null);
    const set = parseNodeParameters({ ...valid, eps_safe: 0.2, 'hysteresis.enter': 0.3, 'hysteresis.ticks': 3 }).runtime.shield;
    assert.equal(set.eps_safe, 0.2);
    assert.deepEqual(set.hysteresis, { enter: 0.3, ticks: 3 });
  });

  it('maps log.* and adaptation.* onto the config\'s log and adaptation, an empty log.dir meaning no log', () => {
    assert.equal(parseNodeParameters(valid).runtime.log, null);
    const on = parseNodeParameters({ ...valid, 'log.dir': '/var/log/shield', 'adaptation.enabled': true, 'adaptation.offline_data': 'nav1/test.arrow' }).runtime;
    assert.deepEqual(on.log, parseConfig({ bundle: 'x', log: { dir: '/var/log/shield' } }).log);
    assert.equal(on.adaptation.enabled, true);
    assert.equal(on.adaptation.offline_data, 'nav1/test.arrow');
    assert.equal(on.adaptation.candidate_dir, undefined, 'empty: a temporary folder');
  });

  it('flags the names of a parameters file that the node does not declare (ROS would ignore them silently)', () => {
    assert.deepEqual(undeclaredParameters(['eps_safe', 'eps_saf', 'use_sim_time', 'qos_overrides./odom.subscription.depth', 'hysteresis.enter', 'hysteresis.tick']), ['eps_saf', 'hysteresis.tick']);
  });
});
