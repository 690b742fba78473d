import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, box, uniformBox } from '../sim/index.js';
import { SafetyCritic, type CriticArchitecture } from '../training/critic.js';
import { exportBundle } from '../training/export/index.js';
import { RecoveryPolicy } from '../training/policies.js';

/** A navigation-sized bundle (obs 2, act 2) of freshly initialized networks, in a new temporary folder. */
export async function syntheticBundle(architecture: CriticArchitecture, recoveryKind: 'gaussian' | 'deterministic'): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'mesa-bench-')), architecture);
  const critic = new SafetyCritic(architecture, 2, 2);
  const recovery = new RecoveryPolicy(recoveryKind, 2, uniformBox(2, -1, 1));
  await exportBundle(dir, {
    domain: 'navigation1', critic, criticValues: critic.init(new Rng(1)), recovery, recoveryValues: recovery.init(new Rng(2)),
    observationSpace: box([-Infinity, -Infinity], [Infinity, Infinity]), actionSpace: uniformBox(2, -1, 1), neutralAction: [0, 0], epsRisk: 0.3, gammaRisk: 0.8,
    provenance: { method: 'external', datasets: [], iterations: {}, seed: null, command: null },
  });
  return dir;
}
