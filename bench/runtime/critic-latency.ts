import type { ShieldModels } from '../../runtime/index.js';
import { Rng } from '../../sim/index.js';

/**
 * Times `count` critic inferences (`risk()`, one random observation and action each) after
 * `warmUp` untimed ones, in µs in call order; `between` runs untimed before each inference.
 */
export async function timeCritic(models: ShieldModels, count: number, warmUp: number, between: () => void = () => {}): Promise<Float64Array> {
  const rng = new Rng(3);
  const obs = new Float64Array(models.manifest.observation.size);
  const act = new Float64Array(models.manifest.action.size);
  const micros = new Float64Array(count);
  let sink = 0;
  for (let i = -warmUp; i < count; i++) {
    between();
    for (let j = 0; j < obs.length; j++) obs[j] = rng.uniformIn(-1, 1);
    for (let j = 0; j < act.length; j++) act[j] = rng.uniformIn(-1, 1);
    const t0 = performance.now();
    sink += await models.risk(obs, act);
    if (i >= 0) micros[i] = (performance.now() - t0) * 1e3;
  }
  if (!Number.isFinite(sink)) throw new Error('the critic returned a non-finite risk');
  return micros;
}
