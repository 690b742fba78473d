import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Decision } from '../../runtime/index.js';
import { runSimLoop, type LoopGate } from '../../sim/index.js';
import { runCli } from '../support/cli.js';
import { gateBundle } from '../support/gate-bundle.js';

/** Passes proposals through, or replaces every one with `replacement`. */
function stubGate(replacement: number[] | null): LoopGate & { calls: number } {
  const gate = {
    calls: 0,
    decide(_obs: unknown, proposed: { values: ArrayLike<number> } | null): Decision {
      gate.calls += 1;
      const action = Float64Array.from(replacement ?? proposed!.values);
      return { action, source: replacement ? 'recovery' : 'task', risk: 0, reason: replacement ? 'risk-too-high' : 'risk-acceptable', threshold: 0.3 };
    },
  };
  return gate;
}

describe('simulation in the loop', () => {
  it('gives the unshielded result when the gate lets everything through, and is reproducible', async () => {
    const options = { domain: 'navigation1', episodes: 8, seed: 2 } as const;
    const open = await runSimLoop({ ...options, gate: null });
    const gate = stubGate(null);
    const passed = await runSimLoop({ ...options, gate });
    assert.deepEqual(passed.episodes.map((e) => [e.return, e.violation]), open.episodes.map((e) => [e.return, e.violation]));
    assert.equal(gate.calls, open.episodes.reduce((s, e) => s + e.length, 0), 'one decision per tick');
    assert.deepEqual((await runSimLoop({ ...options, gate: null })).summary, open.summary);
    assert.ok(open.summary.violations > 0, 'a random controller in the corridor hits the walls');
  });

  it('applies the decided action and counts interventions', async () => {
    // Always moving towards the goal along the corridor's centre line never touches a wall.
    const r = await runSimLoop({ domain: 'navigation1', episodes: 3, seed: 2, gate: stubGate([1, 0]) });
    assert.equal(r.summary.violations, 0);
    assert.equal(r.summary.interventionRate, 1);
  });

  it('reports every tick to onStep and the task success of every episode', async () => {
    const steps: { episode: number; source: string | null; distance: number; x: number }[] = [];
    const r = await runSimLoop({
      domain: 'navigation1',
      episodes: 4,
      seed: 5,
      gate: stubGate([1, 0]),
      onStep: (s) => steps.push({ episode: s.episode, source: s.source, distance: Math.hypot(s.observation[0], s.observation[1]), x: s.result.observation[0] - s.observation[0] }),
    });
    assert.equal(steps.length, r.episodes.reduce((n, e) => n + e.length, 0));
    for (const e of r.episodes) assert.equal(steps.filter((s) => s.episode === e.episode).length, e.length);
    assert.ok(steps.every((s) => s.source === 'recovery' && s.x > 0), 'the applied action (+x) moved the robot towards the goal');
    // Navigation's success: the final step started within 4 of the goal.
    const last = r.episodes.map((e) => steps.filter((s) => s.episode === e.episode).at(-1)!);
    assert.deepEqual(r.episodes.map((e) => e.success), last.map((s) => s.distance < 4));
    assert.ok(r.episodes.some((e) => e.success) && r.episodes.some((e) => !e.success), 'the episodes include both outcomes');
  });

  it('mesa-shield sim-loop compares the shielded run with the unshielded one', async () => {
    const bundle = await gateBundle();
    const r = runCli(['sim-loop', '--domain', 'navigation1', '--bundle', bundle, '--episodes', '3', '--compare', '--json', '--engine', 'typescript']);
    assert.equal(r.status, 0, r.stderr);
    const { runs } = JSON.parse(r.stdout) as { runs: { label: string; summary: { episodes: number } }[] };
    assert.deepEqual(runs.map((x) => x.label.split(' ')[0]), ['shield', 'no']);
    assert.equal(runs[0].summary.episodes, 3);
  });

  it('gives the same episodes through MQTT (embedded broker) as in-process, and reports the round trips', async () => {
    const bundle = await gateBundle();
    const common = ['sim-loop', '--domain', 'navigation1', '--bundle', bundle, '--episodes', '2', '--json', '--engine', 'typescript', '--seed', '4'];
    const direct = runCli(common);
    const mqtt = runCli([...common, '--transport', 'mqtt']);
    assert.equal(mqtt.status, 0, mqtt.stderr);
    type Out = { runs: { label: string; episodes: unknown[] }[]; roundTripMs?: { count: number; p50: number } };
    const [a, b] = [JSON.parse(direct.stdout) as Out, JSON.parse(mqtt.stdout) as Out];
    assert.deepEqual(b.runs[0].episodes, a.runs[0].episodes);
    assert.match(b.runs[0].label, /MQTT embedded/);
    const ticks = (b.runs[0].episodes as { length: number }[]).reduce((s, e) => s + e.length, 0);
    assert.equal(b.roundTripMs?.count, ticks, 'one round trip per tick');
    assert.ok(b.roundTripMs!.p50 > 0);
    assert.equal(a.roundTripMs, undefined);
  });

  it('refuses a bundle trained for another domain', () => {
    const r = runCli(['sim-loop', '--domain', 'cartpole-length', '--bundle', 'models/navigation1-mesa', '--episodes', '1', '--engine', 'typescript']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /models\/navigation1-mesa was trained for navigation1, not cartpole-length/);
  });

  it('says which broker it could not reach', () => {
    const r = runCli(['sim-loop', '--domain', 'navigation1', '--bundle', 'models/navigation1-mesa', '--transport', 'mqtt', '--broker', 'mqtt://127.0.0.1:1', '--episodes', '1']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /cannot connect to the MQTT broker at mqtt:\/\/127\.0\.0\.1:1/);
  });
});
