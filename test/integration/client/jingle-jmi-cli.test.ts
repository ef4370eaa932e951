// `ferry send --method jingle bob@localhost` (a bare JID) → `ferry receive`, as processes on a
// real server, the two accounts subscribed to each other: the receiver's presence (with caps)
// tells the sender it advertises XEP-0353, so the file is proposed to the bare JID, the receiver
// proceeds, and the session-initiate goes to its resource. Verified by SHA-256, both exit 0.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { startTestServer, PASSWORD, type TestServer } from '../../helpers/server.js';
import { sha256File, tempDir, writeRandomFile } from '../../helpers/files.js';
import { withTimeout } from '../../helpers/xmpp-client.js';

function ferry(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, FERRY_CONFIG: '', FERRY_PASSWORD: PASSWORD };
  delete env.NODE_TLS_REJECT_UNAUTHORIZED;
  const child = spawn(process.execPath, ['--conditions=ferry-source', '--import', 'tsx', 'src/cli/main.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const output = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, output };
}

function firstLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return withTimeout(
    new Promise<string>((resolve) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (pattern.test(line)) resolve(line);
      });
    }),
    30_000,
    `a line matching ${String(pattern)}`,
  );
}

describe('ferry send --method jingle to a bare JID (XEP-0353)', () => {
  let server: TestServer;
  const files = tempDir('ferry-jmi-cli-');
  before(async () => {
    server = await startTestServer();
    await server.addUser('alice');
    await server.addUser('bob');
    // Subscribed both ways, so each side's presence reaches the other.
    const roster = server.server.storage.roster;
    await roster.put('alice', { jid: 'bob@localhost', subscription: 'both', groups: [] });
    await roster.put('bob', { jid: 'alice@localhost', subscription: 'both', groups: [] });
  });
  after(async () => {
    await server.stop();
    files.remove();
  });

  const login = (jid: string) => [
    '--jid',
    jid,
    '--host',
    '127.0.0.1',
    '--port',
    String(server.ports.c2s),
    '--insecure',
  ];

  it('proposes to bob@localhost, sends to the resource that proceeds: verified, both exit 0', async () => {
    const source = join(files.path, 'song.ogg');
    const hash = writeRandomFile(source, 300 * 1024);
    const outDir = join(files.path, 'out');
    const receiver = ferry([
      'receive',
      ...login('bob@localhost'),
      '--dir',
      outDir,
      '--accept-all',
      '--once',
      '--resource',
      'desk',
    ]);
    try {
      await firstLine(receiver.child, /^receiving as /);
      const sender = ferry(['send', 'bob@localhost', source, ...login('alice@localhost'), '--method', 'jingle']);
      const sent = await withTimeout(sender.output, 60_000, 'ferry send');
      assert.equal(sent.code, 0, sent.stderr);
      assert.match(
        sent.stderr,
        /proposing to every device of bob@localhost \(.*advertises Jingle Message Initiation\)/,
      );
      assert.match(sent.stdout, /over socks5 \(direct\).*sha-256 [0-9a-f]{64}/);
      const received = await withTimeout(receiver.output, 30_000, 'ferry receive --once');
      assert.equal(received.code, 0, received.stderr);
      assert.match(received.stdout, /^received .*song\.ogg .* over socks5 \(direct\), sha-256 [0-9a-f]{64} verified/m);
      assert.equal(await sha256File(join(outDir, 'song.ogg')), hash);
    } finally {
      receiver.child.kill('SIGKILL');
    }
  });
});
