// `ferry send` → `ferry receive` as processes against a real server: a verified file and exit
// code 0 (SI over each transport, and Jingle over IBB); a declined offer is a clear message and a
// non-zero exit.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.js';
import { sha256File, tempDir, writeRandomFile } from '../helpers/files.js';
import { withTimeout } from '../helpers/xmpp-client.js';
import { loginConnection } from '../helpers/connection-pair.js';
import { NS } from '@ferry/protocol/namespaces';
import { encodeSiOffer } from '@ferry/protocol/payloads/si';
import { xml } from '@ferry/protocol/xml/element';

function ferry(args: string[]): {
  child: ChildProcess;
  output: Promise<{ code: number | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, ['--conditions=ferry-source', '--import', 'tsx', 'src/cli/main.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Without the test process's own NODE_TLS_REJECT_UNAUTHORIZED: --insecure / --ca-file must do it.
    env: { ...withoutTlsOverride(process.env), FERRY_CONFIG: '', FERRY_PASSWORD: PASSWORD },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const output = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, output };
}

function withoutTlsOverride(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.NODE_TLS_REJECT_UNAUTHORIZED;
  return copy;
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

describe('ferry send / ferry receive', () => {
  let server: TestServer;
  const files = tempDir();
  before(async () => {
    server = await startTestServer();
    await server.addUser('alice');
    await server.addUser('bob');
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

  const methods = [
    { name: 'auto', flags: ['--method', 'auto'], expect: /over socks5/, received: /over socks5 \(direct\)/ },
    {
      name: 'proxy',
      flags: ['--method', 'socks5', '--no-direct'],
      expect: /over socks5/,
      received: /over socks5 via proxy\.localhost/,
    },
    { name: 'ibb', flags: ['--method', 'ibb'], expect: /over ibb/, received: /over ibb/ },
    {
      name: 'jingle',
      flags: ['--method', 'jingle'],
      // Jingle over XEP-0260: on loopback the receiver reaches the sender's own candidate.
      expect: /over socks5 \(direct\).*sha-256 [0-9a-f]{64}/,
      received: /over socks5 \(direct\).*sha-256 [0-9a-f]{64} verified/,
    },
  ];
  for (const { name: method, flags, expect, received: receivedLine } of methods) {
    it(`sends a verified file (${flags.join(' ')}) and both exit 0`, async () => {
      const source = join(files.path, `song-${method}.ogg`);
      const hash = writeRandomFile(source, 700 * 1024);
      const outDir = join(files.path, `out-${method}`);
      const receiver = ferry([
        'receive',
        ...login('bob@localhost'),
        '--dir',
        outDir,
        '--accept-all',
        '--once',
        '--resource',
        `cli-${method}`,
      ]);
      try {
        const ready = await firstLine(receiver.child, /^receiving as /);
        assert.equal(ready, `receiving as bob@localhost/cli-${method}`);
        const relays: number[] = [];
        const stopListening = server.server.events.on('proxy65-relay', (record) => relays.push(record.bytesToTarget));
        const sender = ferry(['send', `bob@localhost/cli-${method}`, source, ...login('alice@localhost'), ...flags]);
        const sent = await withTimeout(sender.output, 60_000, 'ferry send');
        assert.equal(sent.code, 0, sent.stderr);
        assert.match(sent.stdout, expect);
        const received = await withTimeout(receiver.output, 30_000, 'ferry receive --once');
        assert.equal(received.code, 0, received.stderr);
        assert.match(received.stdout, receivedLine, 'the summary says how the bytes came');
        assert.equal(await sha256File(join(outDir, `song-${method}.ogg`)), hash);
        // Through the proxy exactly when the direct connection was not offered (the relay is
        // accounted once both of its sockets closed, so poll for it within a deadline).
        for (let i = 0; i < 100 && method === 'proxy' && relays.length === 0; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        stopListening();
        assert.deepEqual(relays, method === 'proxy' ? [700 * 1024] : []);
      } finally {
        receiver.child.kill('SIGKILL');
      }
    });
  }

  // The receiver's choice: the sender offers everything (auto, its own streamhost first).
  const receiverChoices = [
    { name: 'rx-ibb', flags: ['--method', 'ibb'], expect: /over ibb/, isRelayed: false },
    { name: 'rx-proxy', flags: ['--no-direct'], expect: /over socks5 via proxy\.localhost/, isRelayed: true },
  ];
  for (const { name, flags, expect, isRelayed } of receiverChoices) {
    it(`ferry receive ${flags.join(' ')}: the receiver's choice carries a verified file`, async () => {
      const source = join(files.path, `${name}.bin`);
      const hash = writeRandomFile(source, 300 * 1024);
      const outDir = join(files.path, `out-${name}`);
      const receiver = ferry([
        'receive',
        ...login('bob@localhost'),
        ...['--dir', outDir, '--accept-all', '--once', '--resource', name, ...flags],
      ]);
      try {
        await firstLine(receiver.child, /^receiving as /);
        const relays: number[] = [];
        // Both directions: the automatic choice between two Ferry clients is Jingle, where the side
        // that offered the nominated proxy activates it (XEP-0260 §2.4), so the sender may be the
        // proxy's "target" side.
        const stopListening = server.server.events.on('proxy65-relay', (record) =>
          relays.push(record.bytesToTarget + record.bytesToInitiator),
        );
        const sender = ferry(['send', `bob@localhost/${name}`, source, ...login('alice@localhost')]);
        const sent = await withTimeout(sender.output, 60_000, 'ferry send');
        assert.equal(sent.code, 0, sent.stderr);
        assert.match(sent.stdout, expect);
        const received = await withTimeout(receiver.output, 30_000, 'ferry receive --once');
        assert.equal(received.code, 0, received.stderr);
        assert.match(received.stdout, isRelayed ? /over socks5/ : /over ibb/);
        assert.equal(await sha256File(join(outDir, `${name}.bin`)), hash);
        for (let i = 0; i < 100 && isRelayed && relays.length === 0; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        stopListening();
        assert.deepEqual(relays, isRelayed ? [300 * 1024] : []);
      } finally {
        receiver.child.kill('SIGKILL');
      }
    });
  }

  it('ferry receive --method ibb declines a SOCKS5-only offer with the reason, and keeps waiting', async () => {
    const source = join(files.path, 'socks5-only.bin');
    writeRandomFile(source, 1024);
    const receiver = ferry([
      'receive',
      ...login('bob@localhost'),
      ...['--dir', files.path, '--accept-all', '--resource', 'ibb-only', '--method', 'ibb'],
    ]);
    try {
      await firstLine(receiver.child, /^receiving as /);
      const declined = firstLine(receiver.child, /^declined /);
      // A raw offer: `ferry send --method socks5` would not offer at all, having read our disco#info.
      const offer = await loginConnection(server.ports.c2s, 'alice', 'raw');
      try {
        const answer = offer.request(
          xml(
            'iq',
            { type: 'set', to: 'bob@localhost/ibb-only' },
            encodeSiOffer({
              id: 'raw-s5',
              profile: NS.SI_FILE,
              methods: [NS.BYTESTREAMS],
              file: { name: 'socks5-only.bin', size: 1024 },
            }),
          ),
          10_000,
        );
        await assert.rejects(answer, /bad-request: the receiver accepts only ibb; the offer has socks5/);
      } finally {
        await offer.stop();
      }
      assert.equal(
        await declined,
        'declined socks5-only.bin from alice@localhost/raw: the receiver accepts only ibb; the offer has socks5',
      );
      assert.equal(receiver.child.exitCode, null, 'still receiving');
    } finally {
      receiver.child.kill('SIGTERM');
      await withTimeout(receiver.output, 10_000, 'receiver exit');
    }
  });

  it('exits non-zero with a clear message when the receiver declines', async () => {
    const source = join(files.path, 'unwanted.bin');
    writeRandomFile(source, 1024);
    const receiver = ferry([
      'receive',
      ...login('bob@localhost'),
      '--dir',
      files.path,
      '--from',
      'carol@localhost',
      '--resource',
      'picky',
    ]);
    try {
      await firstLine(receiver.child, /^receiving as /);
      const sender = ferry(['send', 'bob@localhost/picky', source, ...login('alice@localhost')]);
      const sent = await withTimeout(sender.output, 30_000, 'ferry send');
      assert.equal(sent.code, 1);
      assert.match(sent.stderr, /declined unwanted\.bin/);
    } finally {
      receiver.child.kill('SIGTERM');
      await withTimeout(receiver.output, 10_000, 'receiver exit');
    }
  });

  it('trusts the server with --ca-file, and refuses an unverified certificate without it', async () => {
    const caFile = join(server.dataDir, 'tls', 'localhost.crt');
    const loginTo = ['--jid', 'bob@localhost', '--host', '127.0.0.1', '--port', String(server.ports.c2s)];
    const trusted = ferry(['receive', ...loginTo, '--ca-file', caFile, '--resource', 'ca', '--dir', files.path]);
    try {
      assert.equal(await firstLine(trusted.child, /^receiving as /), 'receiving as bob@localhost/ca');
    } finally {
      trusted.child.kill('SIGTERM');
      await withTimeout(trusted.output, 10_000, 'receiver exit');
    }
    const untrusted = ferry(['receive', ...loginTo, '--resource', 'nope', '--dir', files.path]);
    const result = await withTimeout(untrusted.output, 30_000, 'untrusted receive');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /certificate is not trusted.*--ca-file/);
  });

  it('cancels on Ctrl-C: the sender closes the stream and exits 130, the receiver reports it', async () => {
    const source = join(files.path, 'big.iso');
    writeRandomFile(source, 8 * 1024 * 1024);
    const receiver = ferry([
      'receive',
      ...login('bob@localhost'),
      '--dir',
      join(files.path, 'ctrl-c'),
      '--accept-all',
      '--once',
      '--resource',
      'ctrl-c',
    ]);
    try {
      await firstLine(receiver.child, /^receiving as /);
      // Small IBB blocks keep the transfer going long enough to interrupt it.
      const sender = ferry([
        'send',
        'bob@localhost/ctrl-c',
        source,
        ...login('alice@localhost'),
        '--method',
        'ibb',
        '--block-size',
        '512',
      ]);
      await withTimeout(
        new Promise<void>((resolve) => {
          sender.child.stderr!.on('data', (chunk: Buffer) => {
            if (chunk.toString().includes('accepted')) resolve();
          });
        }),
        30_000,
        'the offer being accepted',
      );
      sender.child.kill('SIGINT');
      const sent = await withTimeout(sender.output, 30_000, 'ferry send after SIGINT');
      assert.equal(sent.code, 130);
      assert.match(sent.stderr, /cancelled/);
      const received = await withTimeout(receiver.output, 30_000, 'ferry receive --once');
      assert.equal(received.code, 1);
      assert.match(received.stderr, /big\.iso/);
      assert.ok(!existsSync(join(files.path, 'ctrl-c', 'big.iso')), 'no incomplete file under the final name');
    } finally {
      receiver.child.kill('SIGKILL');
    }
  });

  it('sends to an offline account by upload; its ferry receive gets the verified file at next login', async () => {
    // Bob is offline: the file goes to the server's XEP-0363 service and a link message waits in
    // Bob's offline storage. Both processes trust the server's certificate by --insecure only.
    const source = join(files.path, 'for-bob.bin');
    const hash = writeRandomFile(source, 300_000);
    const sender = ferry(['send', 'bob@localhost', source, ...login('alice@localhost')]);
    const sent = await withTimeout(sender.output, 60_000, 'ferry send');
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stderr, /uploading: bob@localhost has no resource online that we can see/);
    assert.match(sent.stdout, /https:\/\/localhost:\d+\/upload\/[^/\s]+\/for-bob\.bin/);

    const dir = join(files.path, 'offline-inbox');
    const receiver = ferry(['receive', '--accept-all', '--once', '--dir', dir, ...login('bob@localhost')]);
    const received = await withTimeout(receiver.output, 60_000, 'ferry receive --once');
    assert.equal(received.code, 0, received.stderr);
    assert.equal(await sha256File(join(dir, 'for-bob.bin')), hash);
    assert.ok(!existsSync(join(dir, 'for-bob.bin.part')));
  });
});
