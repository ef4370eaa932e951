// Many logins at once through the client library, in one process: each connection has its own
// socket and TLS trust, so none steps on another's (the library once patched tls.connect for the
// whole process, and concurrent logins then failed with empty timeouts).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@ferry/client/internal/connection';
import { startTestServer, PASSWORD, type TestServer } from '../../helpers/server.js';

const LOGINS = 16;

describe('concurrent logins through the client library', () => {
  let ferry: TestServer;
  before(async () => {
    ferry = await startTestServer();
    for (let i = 0; i < LOGINS; i += 1) await ferry.addUser(`user${i}`);
  });
  after(() => ferry.stop());

  it(`logs ${LOGINS} accounts in at once, every one of them`, async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: LOGINS }, (_, i) =>
        connect({
          jid: `user${i}@localhost/r`,
          password: PASSWORD,
          host: '127.0.0.1',
          port: ferry.ports.c2s,
          insecure: true,
          timeoutMs: 30_000,
        }),
      ),
    );
    const failures = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [String((outcome.reason as Error).message)] : [],
    );
    for (const outcome of outcomes) if (outcome.status === 'fulfilled') await outcome.value.stop();
    assert.deepEqual(failures, [], `${LOGINS - failures.length}/${LOGINS} logged in`);
  });
});
