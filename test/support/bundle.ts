import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ManifestDraft } from '../../models/format/index.js';

/** A valid manifest draft for a 2-D navigation robot with unbounded observations. */
export function sampleDraft(name = 'nav'): ManifestDraft {
  return {
    formatVersion: 1,
    name,
    domain: 'navigation1',
    observation: { size: 2, low: [-Infinity, -5], high: [Infinity, 5] },
    action: { size: 2, low: [-1, -1], high: [1, 1] },
    normalization: null,
    neutralAction: [0, 0],
    risk: { epsRisk: 0.3, gammaRisk: 0.65 },
    models: {
      critic: { inputs: ['observation', 'action'], output: 'risk', architecture: 'twin-mlp' },
      recovery: { input: 'observation', output: 'action', kind: 'gaussian' },
    },
    provenance: { method: 'mesa', datasets: ['navigation1/train'], iterations: { meta: 10 }, seed: 0, createdAt: '2026-11-25T10:00:00.000Z', command: null },
  };
}

/** Distinct stand-in model bytes; the bundle format does not look inside them. */
export function fakeOnnx(label: string): Uint8Array {
  return new TextEncoder().encode(`not really onnx: ${label}`);
}

/** A fresh temporary folder and a function that removes it. */
export async function tempFolder(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'mesa-bundle-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
