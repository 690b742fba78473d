import type { ShieldConfig } from './config.js';
import { Shield, type ShieldOptions } from './core/shield.js';
import { loadShieldModels, type ShieldModels } from './models/shield-models.js';

/** Loads the configured bundle and builds the shield; eps_safe defaults to the bundle's eps_risk. */
export async function createShield(config: Pick<ShieldConfig, 'bundle' | 'shield'>): Promise<Shield> {
  const models = await loadShieldModels(config.bundle, config.shield.engine);
  return new Shield(models, shieldOptions(config.shield, models));
}

/** The shield's options from the config's `shield` section; eps_safe defaults to the models' eps_risk. */
export function shieldOptions(s: ShieldConfig['shield'], models: Pick<ShieldModels, 'manifest'>): ShieldOptions {
  return {
    epsSafe: s.eps_safe ?? models.manifest.risk.epsRisk,
    fallback: s.fallback,
    maxStateAgeMs: s.max_state_age_ms,
    maxCommandAgeMs: s.max_command_age_ms,
    hysteresis: s.hysteresis,
    maxBypassS: s.max_bypass_s,
  };
}
