/**
 * ROS time as the shield sees it: nanoseconds as a JavaScript number. Epoch nanoseconds (about
 * 1.8e18) are above 2^53, so a number holds them to within 256 ns; ages are judged in
 * milliseconds, so that is plenty. Stamps a message carries through the shield unchanged are
 * kept as the original `Time` and never converted back.
 */
import type { Time } from './messages.js';

const NS_PER_S = 1_000_000_000n;

export function timeToNs(t: Time): number {
  return Number(BigInt(t.sec) * NS_PER_S + BigInt(t.nanosec));
}

export function nsToTime(ns: number): Time {
  const total = BigInt(Math.round(ns));
  let sec = total / NS_PER_S;
  let nanosec = total % NS_PER_S;
  if (nanosec < 0n) {
    sec -= 1n;
    nanosec += NS_PER_S;
  }
  return { sec: Number(sec), nanosec: Number(nanosec) };
}

/** A header stamp of zero means the publisher did not stamp the message. */
export function isUnstamped(t: Time): boolean {
  return t.sec === 0 && t.nanosec === 0;
}
