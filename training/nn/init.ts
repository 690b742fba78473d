import type { Rng } from '../../sim/index.js';

/** Xavier/Glorot uniform (gain 1): U[-a, a], a = sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform(rng: Rng, fanIn: number, fanOut: number, count = fanIn * fanOut): Float32Array {
  const a = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: count }, () => rng.uniformIn(-a, a));
}

/** PyTorch's default Linear init for weights and biases: U[-1/sqrt(fanIn), 1/sqrt(fanIn)]. */
export function fanInUniform(rng: Rng, fanIn: number, count: number): Float32Array {
  const a = 1 / Math.sqrt(fanIn);
  return Float32Array.from({ length: count }, () => rng.uniformIn(-a, a));
}

export function normalInit(rng: Rng, std: number, count: number): Float32Array {
  return Float32Array.from({ length: count }, () => std * rng.normal());
}

export function constantInit(value: number, count: number): Float32Array {
  return new Float32Array(count).fill(value);
}
