// Every mistake a person makes with `ferry` gets one line on stderr saying what happened and what
// to do, the documented exit code (0 ok, 1 failure, 2 usage/config, 130 Ctrl-C), and no stack
// trace. These rows reach a server (or fail to); cli-usage-mistakes.test.ts has the ones caught
// before any connection. One server for the rows that need one.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/files.js';
import { closedPort, ferry, itRows, loginArgs, startFerry, type Row } from '../helpers/cli.js';

describe('ferry mistakes: one line, the documented exit code, no stack trace', () => {
  let server: TestServer;
  let freePort: number;
  const files = tempDir();
  const file = join(files.path, 'photo.jpg');
  before(async () => {
    server = await startTestServer();
    await server.addUser('alice');
    writeFileSync(file, 'jpeg');
    freePort = await closedPort();
  });
  after(async () => {
    await server.stop();
    files.remove();
  });

  const login = (port = () => server.ports.c2s) => loginArgs(port());

  const rows: Row[] = [
    {
      mistake: 'server down (connection refused)',
      args: () => ['receive', ...login(() => freePort), '--dir', files.path],
      line: /^ferry: nothing is listening on 127\.0\.0\.1:\d+: is the server running\? Check --host and --port$/,
      code: 1,
    },
    {
      mistake: 'a host that does not exist',
      args: () => ['receive', '--jid', 'alice@localhost', '--host', 'no-such-host.invalid', '--dir', files.path],
      line: /^ferry: cannot find the host no-such-host\.invalid: check --host/,
      code: 1,
    },
    {
      mistake: 'a port that does not speak XMPP (the HTTP port)',
      args: () => ['receive', ...login(() => server.ports.http), '--dir', files.path],
      line: /^ferry: 127\.0\.0\.1:\d+ (does not speak XMPP|.*no answer).*--port/,
      code: 1,
    },
    {
      mistake: 'wrong password in --password',
      args: () => ['receive', ...login(), '--password', 'wrong', '--dir', files.path],
      line: /^ferry: alice@localhost: wrong password or no such account \(the password came from --password\)$/,
      code: 1,
    },
    {
      mistake: 'wrong password in $FERRY_PASSWORD',
      args: () => ['receive', ...login(), '--dir', files.path],
      env: { FERRY_PASSWORD: 'wrong' },
      line: /^ferry: alice@localhost: wrong password .*\$FERRY_PASSWORD\)$/,
      code: 1,
    },
    {
      mistake: 'wrong password typed (on stdin)',
      args: () => ['receive', ...login(), '--dir', files.path],
      env: { FERRY_PASSWORD: '' },
      stdin: 'wrong\n',
      line: /^ferry: alice@localhost: wrong password .*\(the password came from standard input\)$/,
      code: 1,
    },
    {
      mistake: 'an untrusted certificate without --insecure',
      args: () => ['receive', ...login().slice(0, -1), '--dir', files.path],
      line: /^ferry: the server's certificate is not trusted .*--ca-file FILE, or --insecure/,
      code: 1,
    },
  ];

  itRows(rows);

  it('receive --once into an existing file exits 1 naming it and --overwrite; the sender exits 1 with why', async () => {
    const dir = join(files.path, 'inbox');
    mkdirSync(dir);
    writeFileSync(join(dir, 'photo.jpg'), 'already here');
    const receiver = startFerry(['receive', ...login(), '--dir', dir, '--accept-all', '--once', '--resource', 'inbox']);
    await receiver.printed(/receiving as alice@localhost\/inbox/);
    const sent = await ferry(['send', 'alice@localhost/inbox', file, ...login(), '--timeout', '20']);
    const received = await receiver.done;
    assert.equal(received.code, 1, received.stderr);
    assert.match(
      received.stderr,
      /^ferry: photo\.jpg from alice@localhost\/.*inbox\/photo\.jpg already exists; pass --overwrite/m,
    );
    assert.equal(sent.code, 1, sent.stderr);
    assert.match(
      sent.stderr,
      /^ferry: alice@localhost\/inbox declined photo\.jpg: the receiver already has photo\.jpg$/m,
    );
    assert.doesNotMatch(received.stderr + sent.stderr, /\n\s+at /);
  });

  it('--debug adds the stack trace', async () => {
    const run = await ferry(['receive', ...login(() => freePort), '--dir', files.path, '--debug']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^ferry: nothing is listening/);
    assert.match(run.stderr, /\n\s+at /);
  });
});
