import type { Policy, Rng } from '../../sim/index.js';

/**
 * The demo's task controller: full speed towards the goal (the origin) plus Gaussian exploration
 * noise, a = clip(-s / |s| + noise * eps, -1, 1), eps ~ N(0, I).
 *
 * Why this one: the shield exists to let a controller explore without accidents, so the demo's
 * controller explores the way a learning policy does (a stochastic policy that has found the
 * goal's direction), yet reaches the goal when nothing stops it — so the table can show whether the
 * shield costs task performance, which a random controller (it never reaches the goal) cannot.
 * It needs no training, so the demo's minutes go to the shield's own learning; the paper's setting,
 * a SAC policy learning online behind the shield, is the experiment runner's (bench/experiments).
 */
export function goalSeekingController(noise: number, rng: Rng): Policy {
  return (s) => {
    const distance = Math.hypot(s[0], s[1]) || 1;
    return [clip(-s[0] / distance + noise * rng.normal()), clip(-s[1] / distance + noise * rng.normal())];
  };
}

function clip(x: number): number {
  return Math.min(1, Math.max(-1, x));
}
