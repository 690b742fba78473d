import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readBundle } from '../../models/format/index.js';
import { loadDatasetDir } from '../../training/data/index.js';
import { runCli } from '../support/cli.js';

describe('mesa-shield demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesa-demo-'));

  it('has --help that says what it does and why its task controller', () => {
    const r = runCli(['demo', '--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Usage: mesa-shield demo/);
    for (const option of ['--out', '--seed', '--quick', '--episodes']) assert.match(r.stdout, new RegExp(option));
    assert.match(r.stdout, /random controller/);
  });

  it('runs every stage at tiny sizes: a table of the three runs, the plot, the summary, the data and the bundles', async () => {
    const out = join(dir, 'quick');
    const r = runCli(['demo', '--quick', '--out', out, '--seed', '3', '--episodes', '5']);
    assert.equal(r.status, 0, r.stderr);
    for (const stage of ['collect datasets', 'meta-train MESA', 'adapt MESA', 'train RRL', 'drive the new robot', 'plot']) assert.match(r.stderr, new RegExp(`\\[\\d/6\\] ${stage}`));

    const lines = r.stdout.split('\n');
    const header = lines.findIndex((l) => l.startsWith('run '));
    assert.ok(header >= 0, r.stdout);
    for (const column of ['episodes with a violation', 'goal reached', 'return', 'interventions']) assert.ok(lines[header].includes(column), lines[header]);
    const rows = lines.slice(header + 1, header + 4);
    assert.deepEqual(rows.map((l) => l.split(/\s{2,}/)[0]), ['no shield', 'shield: RRL (D_test only)', 'shield: MESA']);
    for (const row of rows) assert.match(row, /\s(\d) \/ 5\s+(\d) \/ 5\s/);
    assert.match(r.stdout, /shield: MESA: \d episodes with a violation against \d without a shield \((fewer|more|as many)\)/);
    assert.match(r.stdout, /demo scale, not the paper's/);

    const svg = readFileSync(join(out, 'demo.svg'), 'utf8');
    assert.match(svg, /^<svg/);
    assert.match(svg, /cumulative episodes with a violation/);
    const summary = readFileSync(join(out, 'summary.txt'), 'utf8');
    assert.ok(summary.includes(lines[header]), 'summary.txt holds the printed table');
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { settings: { seed: number }; runs: { label: string; episodes: { violation: boolean }[]; figures: { violations: number } }[] };
    assert.equal(results.settings.seed, 3);
    assert.equal(results.runs.length, 3);
    for (const run of results.runs) {
      assert.equal(run.episodes.length, 5);
      assert.equal(run.figures.violations, run.episodes.filter((e) => e.violation).length);
    }
    // The table's violation counts are the per-episode records' counts.
    rows.forEach((row, k) => assert.ok(row.includes(`${results.runs[k].figures.violations} / 5`), row));

    const data = loadDatasetDir(join(out, 'data'));
    assert.equal(data.train.length, 2);
    assert.equal(data.test.meta.size, 100);
    for (const name of ['mesa-phase1', 'mesa', 'rrl']) assert.ok((await readBundle(join(out, name))).manifest.provenance.command?.includes('mesa-shield demo'), name);
  });

  it('leaves out RRL on request, and refuses a non-empty --out', () => {
    const out = join(dir, 'no-rrl');
    const r = runCli(['demo', '--quick', '--out', out, '--no-rrl', '--episodes', '2']);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /RRL/);
    assert.equal(existsSync(join(out, 'rrl')), false);
    const taken = join(dir, 'taken');
    mkdirSync(taken);
    writeFileSync(join(taken, 'notes.txt'), 'mine');
    const again = runCli(['demo', '--quick', '--out', taken]);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /exists and is not empty/);
    assert.deepEqual(readdirSync(taken), ['notes.txt']);
  });
});
