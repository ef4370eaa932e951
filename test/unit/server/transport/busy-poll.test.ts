// Busy polling keeps the event loop turning for a bounded window after traffic, then lets it
// sleep again: it must never keep a process alive or spin on by itself. The clock is a fake one,
// so nothing here depends on how fast the machine is.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextImmediate } from 'node:timers/promises';
import { BusyPoll, createBusyPoll } from '../../../../src/server/transport/busy-poll.js';

function fakeClock() {
  const clock = { ms: 1_000, now: () => clock.ms };
  return clock;
}

/** Lets the poller's pending immediate (and one more turn) run. */
async function turns(count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) await nextImmediate();
}

describe('BusyPoll', () => {
  it('spins after a touch while the window lasts, then stops by itself', async () => {
    const clock = fakeClock();
    const poll = new BusyPoll(100, clock.now); // 100 µs = 0.1 ms
    assert.equal(poll.isSpinning, false);
    poll.touch();
    await turns(5);
    assert.equal(poll.isSpinning, true, 'the clock has not moved: still inside the window');
    clock.ms += 0.1;
    await turns(2);
    assert.equal(poll.isSpinning, false);
  });

  it('a touch while spinning moves the end of the window', async () => {
    const clock = fakeClock();
    const poll = new BusyPoll(100, clock.now);
    poll.touch();
    clock.ms += 0.08;
    poll.touch(); // the window now ends at +0.18 ms
    clock.ms += 0.08;
    await turns(3);
    assert.equal(poll.isSpinning, true);
    clock.ms += 0.02;
    await turns(2);
    assert.equal(poll.isSpinning, false);
  });

  it('stop() ends the spinning and ignores later touches', async () => {
    const clock = fakeClock();
    const poll = new BusyPoll(100, clock.now);
    poll.touch();
    poll.stop();
    await turns(2);
    assert.equal(poll.isSpinning, false);
    poll.touch();
    assert.equal(poll.isSpinning, false);
  });

  it('a window of 0 means no poller at all', () => {
    assert.equal(createBusyPoll(0), undefined);
    assert.ok(createBusyPoll(100) instanceof BusyPoll);
  });
});
