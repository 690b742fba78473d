import type { ShieldConfig } from './config.js';
import { Shield } from './core/shield.js';
import { loadShieldModels } from './models/shield-models.js';

/** Loads the configured bundle and builds the shield; eps_safe defaults to the bundle's eps_risk. */
export async function createShield(config: Pick<ShieldConfig, 'bundle' | 'shield'>): Promise<Shield> {
  const s = config.shield;
  const models = await loadShieldModels(config.bundle, s.engine);
  return new Shield(models, {
    epsSafe: s.eps_safe ?? models.manifest.risk.epsRisk,
    fallback: s.fallback,
    maxStateAgeMs: s.max_state_age_ms,
    maxCommandAgeMs: s.max_command_age_ms,
    hysteresis: s.hysteresis,
    maxBypassS: s.max_bypass_s,
  });
}
