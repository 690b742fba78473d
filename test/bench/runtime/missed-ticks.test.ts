import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countCauses, missCause, type MissedTick } from '../../../bench/runtime/missed-ticks.js';

// A tick due at t = 10 ms with a 1 ms period is missed when it ends after 11 ms; this one overshoots by 0.25 ms.
const base: MissedTick = { from: 9.02, turnEnd: 9.05, due: 10, end: 11.25, runqueueWaitMs: 0 };

describe('missCause', () => {
  it('blames preemption when the run-queue wait alone covers the overshoot', () => {
    assert.equal(missCause({ ...base, runqueueWaitMs: 0.25 }, 1, []), 'preempted');
    assert.equal(missCause({ ...base, runqueueWaitMs: 0.24 }, 1, []), 'none');
  });

  it('blames garbage collection by the part of a pause inside the interval', () => {
    assert.equal(missCause(base, 1, [{ start: 10.5, duration: 0.4 }]), 'gc');
    // The pause began before the previous tick ended: only 0.1 ms of it falls in this interval.
    assert.equal(missCause(base, 1, [{ start: 8.5, duration: 0.62 }]), 'none');
    // Two short pauses add up.
    assert.equal(missCause(base, 1, [{ start: 9.5, duration: 0.15 }, { start: 10.2, duration: 0.15 }]), 'gc');
  });

  it('blames the event-loop turn when it ended after the tick was due', () => {
    assert.equal(missCause({ ...base, turnEnd: 10.4 }, 1, []), 'loop turn');
  });

  it('prefers preemption, then gc, then the loop turn', () => {
    const all: MissedTick = { ...base, turnEnd: 10.4, runqueueWaitMs: 0.5 };
    assert.equal(missCause(all, 1, [{ start: 10.5, duration: 0.4 }]), 'preempted');
    assert.equal(missCause({ ...all, runqueueWaitMs: 0 }, 1, [{ start: 10.5, duration: 0.4 }]), 'gc');
  });
});

describe('countCauses', () => {
  it('counts every cause, zero included', () => {
    const counts = countCauses([base, { ...base, runqueueWaitMs: 1 }, { ...base, turnEnd: 10.2 }], 1, []);
    assert.deepEqual(counts, { preempted: 1, gc: 0, 'loop turn': 1, none: 1 });
  });
});
