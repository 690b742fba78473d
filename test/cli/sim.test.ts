import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOMAIN_IDS } from '../../sim/index.js';
import { runCli } from '../support/cli.js';

describe('mesa-shield sim', () => {
  it('has --help on every command', () => {
    for (const args of [[], ['sim'], ['sim', 'list'], ['sim', 'run']]) {
      const r = runCli([...args, '--help']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Usage: mesa-shield/);
    }
  });

  it('lists the five domains of the paper', () => {
    const r = runCli(['sim', 'list', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const ids = (JSON.parse(r.stdout) as { id: string }[]).map((d) => d.id);
    assert.deepEqual(ids, [...DOMAIN_IDS]);
  });

  it('runs random episodes and prints a summary, the same for the same seed', () => {
    const args = ['sim', 'run', '--domain', 'navigation2', '--env', '3', '--episodes', '4', '--seed', '5', '--json'];
    const a = runCli(args);
    assert.equal(a.status, 0, a.stderr);
    const lines = a.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 5);
    assert.equal(lines[4].summary.episodes, 4);
    assert.equal(runCli(args).stdout, a.stdout);
  });

  it('explains a training environment index that does not exist', () => {
    const r = runCli(['sim', 'run', '--domain', 'navigation1', '--env', '24']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /24 training environments \(0\.\.23\)/);
  });

  it('refuses an unknown domain and a bad episode count', () => {
    assert.notEqual(runCli(['sim', 'run', '--domain', 'nowhere']).status, 0);
    const r = runCli(['sim', 'run', '--domain', 'navigation1', '--episodes', '0']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /whole number from 1/);
  });
});
