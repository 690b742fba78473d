import { createHash } from 'node:crypto';

/** The files of a bundle folder; nothing else belongs there. */
export const MANIFEST_FILE = 'manifest.json';
export const CRITIC_FILE = 'critic.onnx';
export const RECOVERY_FILE = 'recovery.onnx';
/**
 * Optional: the trainable parameters behind the ONNX models (e.g. MESA's weight-transform
 * latents, which the folded ONNX weights no longer show) and their optimizer state, so that a
 * bundle can be adapted further. Opaque to the runtime; written and read by `training/`.
 */
export const TRAINING_STATE_FILE = 'training-state.json';
export const TRAINING_TENSORS_FILE = 'training-tensors.bin';
export const BUNDLE_FILES: readonly string[] = [MANIFEST_FILE, CRITIC_FILE, RECOVERY_FILE, TRAINING_STATE_FILE, TRAINING_TENSORS_FILE];

/**
 * Graph input/output names every bundle's models use. The critic maps observation [batch, obs]
 * and action [batch, act] to risk [batch, 1]; the recovery policy maps observation to action.
 */
export const CRITIC_IO = { inputs: ['observation', 'action'], output: 'risk' } as const;
export const RECOVERY_IO = { input: 'observation', output: 'action' } as const;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
