// Busy polling keeps the event loop turning for a bounded window after traffic, then lets it
// sleep again: it must never keep a process alive or spin on by itself, and it must stop
// spinning for clients that answer too slowly for it to help. The clock is a fake one, so
// nothing here depends on how fast the machine is.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextImmediate } from 'node:timers/promises';
import { BusyPoll, createBusyPoll } from '../../../../src/server/transport/busy-poll.js';

// The fake clock only moves when a test moves it: a failed assertion must not leave a spinner.
const polls: BusyPoll[] = [];
afterEach(() => {
  for (const poll of polls.splice(0)) poll.stop();
});

function setup(windowMicroseconds = 100) {
  const clock = { ms: 1_000 };
  const poll = new BusyPoll(windowMicroseconds, () => clock.ms);
  polls.push(poll);
  return { clock, poll };
}

/** Lets the poller's pending immediate (and more turns) run. */
async function turns(count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) await nextImmediate();
}

/** `count` spins: a read, then (optionally) a read caught 50 µs later, then the window runs out. */
async function spins(setupResult: ReturnType<typeof setup>, count: number, isCaught: boolean): Promise<void> {
  const { clock, poll } = setupResult;
  for (let index = 0; index < count; index += 1) {
    poll.touch();
    if (isCaught) {
      clock.ms += 0.05;
      poll.touch();
    }
    clock.ms += 0.2;
    await turns(2);
    assert.equal(poll.isSpinning, false);
  }
}

describe('BusyPoll', () => {
  it('spins after a read while the window lasts, then stops by itself', async () => {
    const { clock, poll } = setup();
    assert.equal(poll.isSpinning, false);
    poll.touch();
    await turns(5);
    assert.equal(poll.isSpinning, true, 'the clock has not moved: still inside the window');
    clock.ms += 0.1;
    await turns(2);
    assert.equal(poll.isSpinning, false);
  });

  it('a read while spinning moves the end of the window', async () => {
    const { clock, poll } = setup();
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

  it('keeps spinning while spins catch reads', async () => {
    const state = setup();
    await spins(state, 48, true);
    assert.equal(state.poll.isBackingOff, false);
    state.poll.touch();
    assert.equal(state.poll.isSpinning, true);
  });

  it('backs off when spins catch nothing, longer each time, and tries again', async () => {
    const state = setup();
    const { clock, poll } = state;
    await spins(state, 15, false);
    assert.equal(poll.isBackingOff, false, 'no verdict before 16 spins');
    await spins(state, 1, false);
    assert.equal(poll.isBackingOff, true);
    poll.touch();
    assert.equal(poll.isSpinning, false, 'a read while backing off does not spin');
    clock.ms += 10; // the first back-off is 10 ms
    assert.equal(poll.isBackingOff, false);
    await spins(state, 16, false);
    clock.ms += 15;
    assert.equal(poll.isBackingOff, true, 'the second back-off is 20 ms');
    clock.ms += 5;
    await spins(state, 16, true);
    assert.equal(poll.isBackingOff, false, 'spins that catch reads end the backing off');
  });

  it('stop() ends the spinning and ignores later reads', async () => {
    const { poll } = setup();
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
