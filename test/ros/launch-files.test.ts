import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultParameterValues } from '../../ros/index.js';
import { packageRoot } from '../../sim/index.js';

const launchDir = join(packageRoot(), 'launch');
const python = spawnSync('python3', ['--version']).status === 0;

/** Runs a Python snippet (standard library only: the ROS launch packages are not on this machine). */
function py(code: string): string {
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8', cwd: launchDir });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe('launch files', { skip: python ? false : 'python3 is not installed' }, () => {
  it('shield.launch.py is valid Python and runs the built entry point', () => {
    py("import ast; ast.parse(open('shield.launch.py').read())");
    assert.ok(existsSync(join(packageRoot(), 'dist', 'ros', 'main.js')), 'dist/ros/main.js is built');
    const remapped = JSON.parse(py("import ast, json; t = ast.parse(open('shield.launch.py').read()); d = [n for n in ast.walk(t) if isinstance(n, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == 'command_in' for k in n.keys)][0]; print(json.dumps([v.value for v in d.values]))"));
    const defaults = defaultParameterValues();
    assert.deepEqual(remapped, [defaults.command_in_topic, defaults.command_out_topic, defaults.state_topic], 'the remaps name the node\'s default topics');
  });

  it('the XML launch file is well-formed and remaps the node\'s default topics', () => {
    const remaps = JSON.parse(py("import json, xml.etree.ElementTree as E; n = E.parse('cmd_vel_through_shield.launch.xml').getroot().find('node'); print(json.dumps({'exec': n.get('exec'), 'args': n.get('args'), 'from': [r.get('from') for r in n.findall('remap')]}))"));
    const defaults = defaultParameterValues();
    assert.equal(remaps.exec, 'node');
    assert.equal(remaps.args, '$(dirname)/../dist/ros/main.js');
    assert.deepEqual(remaps.from, [defaults.command_in_topic, defaults.command_out_topic, defaults.state_topic]);
  });

  it('package.xml makes the npm package the ROS 2 package mesa_shield, at the npm version', () => {
    const xml = JSON.parse(py("import json, xml.etree.ElementTree as E; r = E.parse('../package.xml').getroot(); print(json.dumps([r.get('format'), r.find('name').text, r.find('version').text, r.find('export/build_type').text]))"));
    const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    assert.deepEqual(xml, ['3', 'mesa_shield', version, 'ament_cmake']);
  });
});
