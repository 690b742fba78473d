import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../sim/index.js';
import { makeDataset, type Dataset, type DatasetDomain, type Transitions } from '../../training/data/index.js';

/** Random transitions; each row's reward is its row index, so tests can tell rows apart. */
export function randomTransitions(seed: number, size: number, observationSize: number, actionSize: number, violationRate = 0.2, envCount = 1): Transitions {
  const rng = new Rng(seed);
  const fill = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const constraint = Uint8Array.from({ length: size }, () => (rng.uniform() < violationRate ? 1 : 0));
  return {
    size,
    observationSize,
    actionSize,
    obs: fill(size * observationSize),
    action: fill(size * actionSize),
    reward: Float32Array.from({ length: size }, (_, i) => i),
    nextObs: fill(size * observationSize),
    constraint,
    done: Uint8Array.from(constraint, (c, i) => (c || i % 7 === 6 ? 1 : 0)),
    envId: Int32Array.from({ length: size }, (_, i) => i % envCount),
  };
}

export function randomDataset(seed: number, size: number, options: { domain?: DatasetDomain; obs?: number; act?: number; envCount?: number } = {}): Dataset {
  const envCount = options.envCount ?? 1;
  return makeDataset(randomTransitions(seed, size, options.obs ?? 3, options.act ?? 2, 0.2, envCount), {
    domain: options.domain ?? 'external',
    environments: Array.from({ length: envCount }, (_, i) => ({ description: `env ${i}`, params: { index: i, tags: ['a', null] } })),
    policy: 'random',
    source: 'test',
    notes: 'made in a test',
  });
}

/** A fresh temporary folder and a function that removes it. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mesa-shield-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
