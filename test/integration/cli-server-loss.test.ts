// `ferry receive` when its server goes away: it says so and exits 1, or, with --reconnect, logs in
// again once the server is back.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/files.js';
import { startFerry } from '../helpers/cli.js';

const login = (port: number) => [
  '--jid',
  'alice@localhost',
  '--host',
  '127.0.0.1',
  '--port',
  String(port),
  '--insecure',
];

describe('ferry receive when the server goes away', () => {
  it('exits 1 saying the server closed the connection', async () => {
    const server = await startTestServer();
    const files = tempDir();
    try {
      await server.addUser('alice');
      const receiver = startFerry(['receive', ...login(server.ports.c2s), '--dir', files.path]);
      await receiver.printed(/receiving as alice@localhost\/ferry-receive/);
      await server.stop();
      const run = await receiver.done;
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /^ferry: the server closed the connection/m);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    } finally {
      await server.stop();
      files.remove();
    }
  });

  it('with --reconnect, logs in again when the server is back', async () => {
    const first = await startTestServer();
    const files = tempDir();
    const port = first.ports.c2s;
    let second: Awaited<ReturnType<typeof startTestServer>> | undefined;
    try {
      await first.addUser('alice');
      const receiver = startFerry(['receive', ...login(port), '--dir', files.path, '--reconnect']);
      await receiver.printed(/receiving as alice@localhost\/ferry-receive/);
      await first.stop();
      // The same port, as a restarted server has (the test server's data went with the first one).
      second = await startTestServer({ 'c2s.port': port });
      await second.addUser('alice');
      await receiver.printed(
        /receiving as alice@localhost\/ferry-receive[\s\S]*receiving as alice@localhost\/ferry-receive/,
      );
      receiver.kill('SIGINT');
      const run = await receiver.done;
      assert.equal(run.code, 130, run.stderr);
      assert.match(run.stderr, /reconnecting in \d+(\.\d+)? s \(attempt 1\)/);
    } finally {
      await first.stop();
      await second?.stop();
      files.remove();
    }
  });
});
