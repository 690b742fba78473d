import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { BenchArgsError, parseBenchArgs } from '../../bench/bench-args.js';

const spec = {
  ticks: { default: 100_000, min: 1, help: 'decisions per row' },
  rows: { default: 'all', choices: ['synthetic', 'shipped', 'all'], help: 'which rows' },
};

describe('bench options', () => {
  it('takes defaults, whole numbers and listed words', () => {
    assert.deepEqual(parseBenchArgs(spec, []), { ticks: 100_000, rows: 'all' });
    assert.deepEqual(parseBenchArgs(spec, ['--ticks', '1000000', '--rows', 'shipped']), { ticks: 1_000_000, rows: 'shipped' });
    assert.equal(parseBenchArgs(spec, ['--help']), 'help');
  });

  it('refuses a misspelt option, a number below its bound or not whole, and an unlisted word', () => {
    for (const argv of [['--tick', '5'], ['--ticks', '0'], ['--ticks', '1e3.5'], ['--ticks', 'many'], ['--rows', 'everything'], ['stray']]) {
      assert.throws(() => parseBenchArgs(spec, argv), BenchArgsError, argv.join(' '));
    }
  });

  it('a bench script prints its options on --help and exits 2 with the usage on a bad option, before measuring anything', () => {
    const help = spawnSync(process.execPath, ['dist/bench/runtime/decide.js', '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--ticks N >= 1/);
    assert.match(help.stdout, /--rows synthetic\|shipped\|all/);
    const bad = spawnSync(process.execPath, ['dist/bench/runtime/decide.js', '--ticks', '0'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--ticks needs a whole number >= 1, got 0/);
    assert.doesNotMatch(bad.stdout, /decisions paced/);
  });
});
