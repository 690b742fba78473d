import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, box, uniformBox } from '../../sim/index.js';
import { SafetyCritic } from '../../training/critic.js';
import { exportBundle } from '../../training/export/index.js';
import { RecoveryPolicy } from '../../training/policies.js';

/**
 * A bundle whose risk is a known function of the proposed action: risk = sigmoid(10 relu(a0) - 5)
 * (0.0067 at a0 = 0, 0.5 at a0 = 0.5, 0.9933 at a0 = 1), and whose recovery policy always
 * proposes (0.5, 0.5). Observation size 2, action box [-1, 1]^2, neutral action (0, -0.25).
 */
export async function gateBundle(options: { normalization?: boolean; random?: boolean } = {}): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'mesa-gate-')), 'bundle');
  const critic = new SafetyCritic('mlp', 2, 2, { hidden: [1] });
  const recovery = new RecoveryPolicy('deterministic', 2, uniformBox(2, -1, 1));
  let criticValues = critic.init(new Rng(1));
  let recoveryValues = recovery.init(new Rng(2));
  if (!options.random) {
    criticValues = critic.shapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)));
    criticValues[0][2] = 1; // W0: action[0] -> hidden unit
    criticValues[2][0] = 10; // W1
    criticValues[3][0] = -5; // b1
    recoveryValues = recovery.shapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)));
    recoveryValues[recoveryValues.length - 1].fill(Math.atanh(0.5));
  }
  await exportBundle(dir, {
    domain: 'navigation1',
    critic,
    criticValues,
    recovery,
    recoveryValues,
    observationSpace: box([-Infinity, -Infinity], [Infinity, Infinity]),
    actionSpace: uniformBox(2, -1, 1),
    neutralAction: [0, -0.25],
    epsRisk: 0.3,
    gammaRisk: 0.8,
    provenance: { method: 'external', datasets: [], iterations: {}, seed: null, command: null },
  });
  return dir;
}
