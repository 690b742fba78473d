import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SHIELD_NODE_PARAMETERS } from '../../ros/index.js';
import { packageRoot } from '../../sim/index.js';

describe('README, "Deploying on a robot with ROS 2"', () => {
  const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
  const start = readme.indexOf('## Deploying on a robot with ROS 2');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));

  it('has the parts users look for', () => {
    assert.ok(start >= 0);
    for (const heading of ['### Install', '### Launch and remapping', '### Parameters', '### What the node subscribes to, publishes and serves', '### Failure behaviour']) assert.ok(section.includes(heading), heading);
  });

  it('documents every parameter the node declares in its parameters table', () => {
    const table = section.slice(section.indexOf('| parameter |'), section.indexOf('\n\n', section.indexOf('| parameter |')));
    const missing = SHIELD_NODE_PARAMETERS.filter((p) => !table.includes(`\`${p.name}\``)).map((p) => p.name);
    assert.deepEqual(missing, []);
  });
});
