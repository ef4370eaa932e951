// The doctor's runner: checks in order, a check that needs a failed one is skipped with the reason,
// a throw is a ✗ and never an escape, and a check that never answers ends at its deadline.
import { describe, it, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { fail, formatResult, pass, runChecks, warn, type Check } from '../../../../src/cli/doctor/runner.js';

type State = { ran: string[] };
const check = (name: string, run: Check<State>['run'], needs?: string[]): Check<State> => ({ name, run, needs });

describe('doctor runner', () => {
  it('skips a check whose need failed, and one whose need was skipped, naming the need', async () => {
    const state: State = { ran: [] };
    const results = await runChecks(
      [
        check('tcp', async (s) => (s.ran.push('tcp'), fail('nothing listens on 127.0.0.1:5222', 'start the server'))),
        check('login', async (s) => (s.ran.push('login'), pass('in')), ['tcp']),
        check('upload', async (s) => (s.ran.push('upload'), pass('up')), ['login']),
        check('dns', async (s) => (s.ran.push('dns'), warn('slow', 'fix it'))),
        check('after-warn', async (s) => (s.ran.push('after-warn'), pass('ok')), ['dns']),
      ],
      state,
      { timeoutMs: 1_000 },
    );
    assert.deepEqual(state.ran, ['tcp', 'dns', 'after-warn']);
    assert.deepEqual(results.map(formatResult), [
      '✗ tcp: nothing listens on 127.0.0.1:5222\n    fix: start the server',
      '– login: skipped (needs tcp)',
      '– upload: skipped (needs login)',
      '! dns: slow\n    fix: fix it',
      '✓ after-warn: ok',
    ]);
    assert.deepEqual(
      results.map((result) => result.ok),
      [false, false, false, true, true],
    );
  });

  it('turns a throw into a failed check and goes on', async () => {
    const results = await runChecks(
      [check('boom', async () => Promise.reject(new Error('socket hang up'))), check('next', async () => pass('ran'))],
      { ran: [] },
      { timeoutMs: 1_000 },
    );
    assert.equal(results[0]!.status, 'fail');
    assert.equal(results[0]!.detail, 'socket hang up');
    assert.equal(results[1]!.status, 'ok');
  });

  it('leaves out a check that answers undefined (not applicable)', async () => {
    const results = await runChecks([check('n/a', async () => undefined)], { ran: [] }, { timeoutMs: 1_000 });
    assert.deepEqual(results, []);
  });

  describe('deadlines', () => {
    beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
    afterEach(() => mock.timers.reset());

    it('ends a check that never answers at --timeout and aborts its signal', async () => {
      let seen: AbortSignal | undefined;
      const running = runChecks(
        [
          check('silent', (_, signal) => {
            seen = signal;
            return new Promise(() => {});
          }),
        ],
        { ran: [] },
        { timeoutMs: 10_000 },
      );
      await Promise.resolve();
      mock.timers.tick(10_000);
      const [result] = await running;
      assert.equal(result!.status, 'fail');
      assert.equal(result!.detail, 'no result within 10 s');
      assert.equal(seen?.aborted, true);
    });
  });
});
