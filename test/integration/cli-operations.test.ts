// `ferry status`, `sessions`, `transfers` and `kick` against a running server through its control
// socket; what they say when no server runs; and the socket itself: 0600, a stale one replaced, a
// live one never taken over, hostile bytes answered with errors.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NS } from '@ferry/protocol/namespaces';
import { loadConfig } from '../../src/server/core/config.js';
import { silentLogger } from '../../src/server/core/logger.js';
import { FerryServer } from '../../src/server/core/server.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, withTimeout, xml, type TestClient } from '../helpers/xmpp-client.js';
import { openRawSession } from '../helpers/raw-stream.js';
import { ferry, startFerry } from '../helpers/cli.js';
import { controlRequest } from '../../src/cli/control-client.js';

describe('ferry status, sessions, transfers, kick', () => {
  let ts: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  const at = () => ['--data-dir', ts.dataDir];

  before(async () => {
    ts = await startTestServer();
    await ts.addUser('alice');
    await ts.addUser('bob');
    alice = await connectClient({ port: ts.ports.c2s, username: 'alice', resource: 'laptop' });
    bob = await connectClient({ port: ts.ports.c2s, username: 'bob', resource: 'desk' });
  });

  after(async () => {
    await alice?.stop();
    await bob?.stop();
    await ts.stop();
  });

  it('status: running, exit 0, with the listeners; --json is one object', async () => {
    const run = await ferry(['status', ...at()]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^ferry \\S+ is running: localhost, pid ${process.pid}$`, 'm'));
    assert.match(run.stdout, new RegExp(`^c2s\\s+127\\.0\\.0\\.1:${ts.ports.c2s}$`, 'm'));
    assert.match(run.stdout, /^sessions\s+2$/m);
    const json = await ferry(['status', '--json', ...at()]);
    assert.equal(json.code, 0, json.stderr);
    const status = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.equal(status.domain, 'localhost');
    assert.equal(status.pid, process.pid);
    assert.equal(status.sessions, 2);
    assert.deepEqual(Object.keys(status.totals as object).sort(), [
      'bytesDownloaded',
      'bytesRelayed',
      'bytesUploaded',
      'transfersCompleted',
    ]);
    assert.equal((status.listeners as Record<string, string>).control, join(ts.dataDir, 'ferry.sock'));
  });

  it('sessions: a table, or one JSON object per session', async () => {
    const run = await ferry(['sessions', ...at()]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^JID\s+TRANSPORT\s+TLS\s+AVAILABLE\s+ADDRESS\s+SINCE$/);
    assert.ok(
      lines.some((line) => /^alice@localhost\/laptop\s+tcp\s+yes\s+yes\s+127\.0\.0\.1:\d+\s+\d{4}-/.test(line)),
    );
    assert.equal(lines.at(-1), '2 sessions');
    const json = await ferry(['sessions', '--json', ...at()]);
    const sessions = json.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(sessions.map((session) => session.jid).sort(), ['alice@localhost/laptop', 'bob@localhost/desk']);
    assert.deepEqual(Object.keys(sessions[0]!).sort(), ['address', 'available', 'jid', 'since', 'tls', 'transport']);
  });

  it('transfers: "no transfers", then an IBB session in the table and as JSON', async () => {
    const none = await ferry(['transfers', ...at()]);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, 'no transfers\n');
    bob.xmpp.iqCallee.set(NS.IBB, 'open', () => true);
    bob.xmpp.iqCallee.set(NS.IBB, 'data', () => true);
    const ibb = (child: ReturnType<typeof xml>) =>
      alice.xmpp.iqCaller.request(xml('iq', { type: 'set', to: bob.jid }, child), 10_000);
    await ibb(xml('open', { xmlns: NS.IBB, sid: 'cli-ibb', 'block-size': 4096 }));
    await ibb(xml('data', { xmlns: NS.IBB, sid: 'cli-ibb', seq: 0 }, Buffer.alloc(2048).toString('base64')));
    const run = await ferry(['transfers', ...at()]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^METHOD\s+ID\s+FROM\s+TO\s+BYTES\s+RATE\s+SINCE$/m);
    assert.match(run.stdout, /^ibb\s+cli-ibb\s+alice@localhost\/laptop\s+bob@localhost\/desk\s+2\.0 KiB\s+/m);
    const json = await ferry(['transfers', '--json', ...at()]);
    const transfer = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.equal(transfer.method, 'ibb');
    assert.equal(transfer.bytes, 2048);
    assert.equal(typeof transfer.bytesPerSecond, 'number');
  });

  it('kick: closes the session, says how many; none is exit 1; a bad JID exit 2', async () => {
    const phone = await openRawSession(ts.ports.directTls, 'alice', 'phone');
    const run = await ferry(['kick', 'alice@localhost/phone', '--reason', 'go away', ...at()]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'kicked alice@localhost/phone: 1 session closed\n');
    await withTimeout(phone.closed, 10_000, 'the kicked session to close');
    assert.match(phone.text(), /<policy-violation[^>]*\/>[\s\S]*go away/);
    const none = await ferry(['kick', 'nobody@localhost', ...at()]);
    assert.equal(none.code, 1);
    assert.equal(none.stderr, 'ferry: no session of nobody@localhost is connected\n');
    const bad = await ferry(['kick', 'x@@', ...at()]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^ferry: "x@@" is not an account or session address/);
  });

  it('transfers --watch refreshes until Ctrl-C, then exits 0', async () => {
    const watching = startFerry(['transfers', '--watch', '--json', ...at()]);
    // Two refreshes: the IBB session of the test above, printed twice.
    await withTimeout(watching.printed(/"cli-ibb"[\s\S]*"cli-ibb"/), 20_000, 'two refreshes');
    watching.kill('SIGINT');
    const run = await watching.done;
    assert.equal(run.code, 0, run.stderr);
  });

  it('serves many clients at once', async () => {
    const path = join(ts.dataDir, 'ferry.sock');
    const replies = await Promise.all(Array.from({ length: 20 }, () => controlRequest(path, { op: 'sessions' })));
    for (const reply of replies) assert.equal((reply as unknown[]).length, 2);
  });

  it('the control socket is 0600', () => {
    assert.equal(statSync(join(ts.dataDir, 'ferry.sock')).mode & 0o777, 0o600);
  });

  it('answers garbage with error replies and keeps serving', async () => {
    const replies = await converse(join(ts.dataDir, 'ferry.sock'), [
      'garbage\n',
      '{"id":7,"op":"nope"}\n',
      '[1,2]\n',
      '{"id":"k","op":"kick"}\n',
      '{"id":8,"op":"status"}\n',
      `${'x'.repeat(70 * 1024)}\n`,
    ]);
    assert.deepEqual(
      replies.map((reply) => [reply.id, reply.ok, (reply.error as { code?: string } | undefined)?.code]),
      [
        [null, false, 'bad-json'],
        [7, false, 'unknown-op'],
        [null, false, 'bad-request'],
        ['k', false, 'bad-request'],
        [8, true, undefined],
        [null, false, 'line-too-long'],
      ],
    );
    const run = await ferry(['status', ...at()]);
    assert.equal(run.code, 0, run.stderr);
  });

  it('a second server on the same data directory refuses to start and leaves the first one alone', async () => {
    const config = loadConfig({
      env: {},
      overrides: { data_dir: ts.dataDir, ...Object.fromEntries(portKeys.map((key) => [key, 0])) },
    });
    await assert.rejects(
      new FerryServer({ config, logger: silentLogger() }).start(),
      /another Ferry server is running on this data directory/,
    );
    const cli = await ferry(['server', ...at(), ...ephemeralPorts()]);
    assert.equal(cli.code, 1);
    assert.match(
      cli.stderr,
      /^ferry: another Ferry server is running on this data directory \(its control socket answers at /m,
    );
    const run = await ferry(['status', ...at()]);
    assert.equal(run.code, 0, run.stderr);
  });
});

describe('ferry status with no server', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'ferry-ops-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const command of [['status'], ['sessions'], ['transfers'], ['kick', 'alice@localhost']]) {
    it(`ferry ${command[0]}: one line and exit 3`, async () => {
      const run = await ferry([...command, '--data-dir', dir]);
      assert.equal(run.code, 3);
      assert.equal(run.stderr, `ferry: no server is running (no control socket at ${join(dir, 'ferry.sock')})\n`);
      assert.equal(run.stdout, '');
    });
  }

  it('a stale socket left by a crashed server says "not running", and a new server replaces it', async () => {
    const path = join(dir, 'ferry.sock');
    await leaveStaleSocket(path);
    assert.ok(statSync(path).isSocket());
    const stale = await ferry(['status', '--data-dir', dir]);
    assert.equal(stale.code, 3);
    assert.match(stale.stderr, /^ferry: no server is running \(nothing answers on the control socket at /);
    const ts = await startTestServer({ data_dir: dir });
    try {
      const run = await ferry(['status', '--data-dir', dir]);
      assert.equal(run.code, 0, run.stderr);
    } finally {
      await ts.stop();
    }
    assert.throws(() => statSync(path), { code: 'ENOENT' }, 'removed at stop');
  });
});

const portKeys = ['c2s.port', 'c2s_direct_tls.port', 'http.port', 'http.https_port', 'modules.proxy65.port'];

function ephemeralPorts(): string[] {
  return portKeys.flatMap((key) => ['--set', `${key}=0`]);
}

/** A process that listens on `path` and is killed: what a crashed server leaves behind. */
async function leaveStaleSocket(path: string): Promise<void> {
  const script = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  await withTimeout(new Promise((resolve) => child.once('exit', resolve)), 10_000, 'the crashing listener');
}

/** Writes each chunk to the control socket and collects the replies until the server closes it. */
function converse(path: string, chunks: readonly string[]): Promise<Record<string, unknown>[]> {
  const socket = connect(path);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  socket.once('connect', () => {
    for (const chunk of chunks) socket.write(chunk);
  });
  const closed = new Promise<Record<string, unknown>[]>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', () =>
      resolve(
        text
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      ),
    );
  });
  return withTimeout(closed, 10_000, 'the control socket to answer and close');
}
