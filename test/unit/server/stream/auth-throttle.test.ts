// The login throttle: waits before a guess is checked, per address (parallel connections share
// it) and per account across addresses, with a budget per account; a success forgives only its
// own account's failures. A fake clock: no real time passes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LoginThrottle, type LoginAttempt } from '../../../../src/server/stream/auth-throttle.js';

function throttle(options: { baseDelayMs?: number; accountFailures?: number } = {}) {
  const clock = { now: 0 };
  const waits: number[] = [];
  const instance = new LoginThrottle({
    baseDelayMs: options.baseDelayMs ?? 250,
    accountFailures: options.accountFailures ?? 100,
    windowMs: 600_000,
    now: () => clock.now,
    sleep: async (ms) => void waits.push(ms),
  });
  return { throttle: instance, clock, waits };
}

async function refused(promise: Promise<LoginAttempt>): Promise<void> {
  await assert.rejects(promise, { name: 'SaslFailure', condition: 'temporary-auth-failure' });
}

describe('LoginThrottle', () => {
  it('doubles the wait before the next check per failure from an address, capped at 10 s', async () => {
    const { throttle: t, clock, waits } = throttle();
    for (let i = 0; i < 9; i++) {
      const attempt = await t.admit('192.0.2.1', `user${i}`);
      clock.now += waits.at(-1) ?? 0;
      attempt.failed();
    }
    assert.deepEqual(waits, [250, 500, 1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it('makes parallel attempts from one address queue behind each other, and refuses those more than 10 s off', async () => {
    const { throttle: t, waits } = throttle({ baseDelayMs: 4_000 });
    (await t.admit('192.0.2.1', 'a')).failed();
    const queued = [await t.admit('192.0.2.1', 'b'), await t.admit('192.0.2.1', 'c')];
    await refused(t.admit('192.0.2.1', 'd'));
    assert.deepEqual(waits, [4_000, 8_000]);
    // Another address is not held up.
    await t.admit('192.0.2.2', 'e');
    assert.equal(waits.length, 2);
    for (const attempt of queued) attempt.abandoned();
  });

  it("forgives an address only the failures against the account that then logged in, not another account's", async () => {
    const { throttle: t, clock, waits } = throttle();
    const admit = async (user: string) => {
      const before = waits.length;
      const attempt = await t.admit('192.0.2.1', user);
      if (waits.length > before) clock.now += waits.at(-1)!;
      return attempt;
    };
    (await admit('victim')).failed();
    (await admit('victim')).failed();
    (await admit('attacker')).succeeded();
    waits.length = 0;
    await admit('victim');
    // Forgiven, it would be checked at once; the two failures still ask for 500 ms at least.
    assert.equal(waits.length, 1);
    assert.ok(waits[0]! >= 500, `waited ${waits[0]} ms`);
  });

  it('refuses attempts for an account past its failure budget from any address, but not from one it logged in from', async () => {
    const { throttle: t, clock } = throttle({ baseDelayMs: 0, accountFailures: 3 });
    (await t.admit('192.0.2.99', 'victim')).succeeded();
    for (let i = 1; i <= 3; i++) (await t.admit(`192.0.2.${i}`, 'victim')).failed();
    await refused(t.admit('192.0.2.50', 'victim'));
    await t.admit('192.0.2.50', 'someone-else'); // other accounts are not affected
    (await t.admit('192.0.2.99', 'victim')).succeeded(); // its owner's address
    clock.now += 600_000; // the failures leave the window
    await t.admit('192.0.2.50', 'victim');
  });

  it('counts attempts in flight against the account budget', async () => {
    const { throttle: t } = throttle({ baseDelayMs: 0, accountFailures: 2 });
    const first = await t.admit('192.0.2.1', 'victim');
    await t.admit('192.0.2.2', 'victim');
    await refused(t.admit('192.0.2.3', 'victim'));
    first.abandoned();
    await t.admit('192.0.2.3', 'victim');
  });
});
