import { createHash } from 'node:crypto';

/** The three files of a bundle folder; nothing else belongs there. */
export const MANIFEST_FILE = 'manifest.json';
export const CRITIC_FILE = 'critic.onnx';
export const RECOVERY_FILE = 'recovery.onnx';
export const BUNDLE_FILES: readonly string[] = [MANIFEST_FILE, CRITIC_FILE, RECOVERY_FILE];

/**
 * Graph input/output names every bundle's models use. The critic maps observation [batch, obs]
 * and action [batch, act] to risk [batch, 1]; the recovery policy maps observation to action.
 */
export const CRITIC_IO = { inputs: ['observation', 'action'], output: 'risk' } as const;
export const RECOVERY_IO = { input: 'observation', output: 'action' } as const;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
