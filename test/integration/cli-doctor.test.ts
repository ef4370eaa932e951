// `ferry doctor` as a process against real servers on loopback: a healthy one (every check ✓,
// exit 0, --json parses), one whose proxy advertises an address nobody answers on, one whose
// certificate this run does not trust, a stopped one; and `--server` on a data dir and a bad config.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { closedPort, ferry, type Run } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

const CLIENT_CHECKS = [
  'dns',
  'tcp c2s',
  'tcp direct-tls',
  'certificate',
  'login',
  'disco proxy',
  'disco upload',
  'socks5 proxy',
  'transfer socks5',
  'transfer ibb',
  'upload',
];

const login = (port: number) => ['doctor', '--jid', 'alice@localhost', '--host', '127.0.0.1', '--port', String(port)];

/** The report line of one check ("✓ login: …", "– upload: skipped (…)"). */
function lineOf(run: Run, name: string): string {
  const line = run.stdout.split('\n').find((candidate) => candidate.slice(2).startsWith(`${name}: `));
  assert.ok(line, `no line for ${name} in:\n${run.stdout}\n${run.stderr}`);
  return line;
}

/** The "fix:" line printed under a check's line. */
function fixOf(run: Run, name: string): string {
  const lines = run.stdout.split('\n');
  const next = lines[lines.indexOf(lineOf(run, name)) + 1] ?? '';
  assert.match(next, /^ {4}fix: /, `no fix under ${name}`);
  return next;
}

/** A loopback address:port where nothing listens (127.0.0.2: another address than the server's). */
async function closedPortOn(host: string): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, host, resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('ferry doctor against a healthy server', () => {
  let server: TestServer;
  let trusted: string[];
  before(async () => {
    server = await startTestServer();
    await server.addUser('alice');
    trusted = [
      ...login(server.ports.c2s),
      '--ca-file',
      join(server.dataDir, 'tls', 'localhost.crt'),
      '--direct-tls-port',
      String(server.ports.directTls),
    ];
  });
  after(() => server.stop());

  it('passes every check in order and exits 0', async () => {
    const run = await ferry(trusted);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const marks = run.stdout.split('\n').filter((line) => /^[✓✗!–] /.test(line));
    assert.deepEqual(
      marks.map((line) => line.slice(0, line.indexOf(':'))),
      CLIENT_CHECKS.map((name) => `✓ ${name}`),
    );
    assert.equal(lineOf(run, 'certificate').startsWith('✓ certificate: trusted; for localhost'), true);
    assert.match(lineOf(run, 'socks5 proxy'), /^✓ socks5 proxy: proxy\.localhost at 127\.0\.0\.1:\d+ answers SOCKS5$/);
    assert.match(
      lineOf(run, 'transfer socks5'),
      /^✓ transfer socks5: 64 KiB to itself via proxy\.localhost \(mediated\)/,
    );
    assert.match(lineOf(run, 'transfer ibb'), /^✓ transfer ibb: 64 KiB to itself over ibb, SHA-256 matches$/);
    assert.match(lineOf(run, 'upload'), /^✓ upload: 16 KiB PUT and GET at localhost:\d+, SHA-256 matches$/);
    assert.match(run.stdout, /^all 11 checks passed$/m);
  });

  it('prints one JSON object with --json', async () => {
    const run = await ferry([...trusted, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.checks.map(({ name, ok }) => ({ name, ok })),
      CLIENT_CHECKS.map((name) => ({ name, ok: true })),
    );
  });

  it('fails the certificate it cannot trust (no --ca-file, no --insecure), naming --ca-file and tls.cert_file', async () => {
    const run = await ferry(login(server.ports.c2s));
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(
      lineOf(run, 'certificate'),
      /^✗ certificate: not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\); for localhost/,
    );
    assert.match(fixOf(run, 'certificate'), /--ca-file FILE.*tls\.cert_file/);
    assert.equal(lineOf(run, 'login'), '– login: skipped (needs certificate)');
    assert.equal(lineOf(run, 'upload'), '– upload: skipped (needs disco upload)');
  });

  it('passes --insecure with a warning that names --ca-file', async () => {
    const run = await ferry([...login(server.ports.c2s), '--insecure']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(
      lineOf(run, 'certificate'),
      /^! certificate: not verified \(DEPTH_ZERO_SELF_SIGNED_CERT\), accepted because of --insecure/,
    );
    assert.match(fixOf(run, 'certificate'), /--ca-file/);
    assert.match(run.stdout, /^all 11 checks passed \(1 with a warning\)$/m);
  });

  it('checks its data dir with --server and exits 0', async () => {
    const ports = ['c2s.port', 'c2s_direct_tls.port', 'http.port', 'http.https_port', 'modules.proxy65.port'];
    const run = await ferry([
      'doctor',
      '--server',
      '--data-dir',
      server.dataDir,
      ...ports.flatMap((key) => ['--set', `${key}=0`]),
    ]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const name of ['config', 'data dir', 'database', 'certificate', 'ports', 'proxy address', 'upload key'])
      assert.equal(lineOf(run, name).slice(0, 2), '✓ ', name);
    assert.match(lineOf(run, 'database'), /schema version \d+ \(current\)$/);
    assert.match(lineOf(run, 'certificate'), /localhost\.crt \(self-signed\): names localhost, \d+ days left$/);
  });
});

describe('ferry doctor against a proxy whose advertised address does not answer', () => {
  let server: TestServer;
  let port: number;
  before(async () => {
    port = await closedPortOn('127.0.0.2');
    server = await startTestServer({
      'modules.proxy65.advertised_host': '127.0.0.2',
      'modules.proxy65.advertised_port': port,
    });
    await server.addUser('alice');
  });
  after(() => server.stop());

  it('fails the SOCKS5 check naming modules.proxy65.advertised_host, skips the proxy transfer, exits 1', async () => {
    const run = await ferry([...login(server.ports.c2s), '--insecure']);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.equal(lineOf(run, 'disco proxy'), `✓ disco proxy: proxy.localhost advertises 127.0.0.2:${port}`);
    assert.equal(
      lineOf(run, 'socks5 proxy'),
      `✗ socks5 proxy: proxy.localhost advertises 127.0.0.2:${port}: cannot connect (ECONNREFUSED)`,
    );
    assert.match(fixOf(run, 'socks5 proxy'), /set modules\.proxy65\.advertised_host/);
    assert.equal(lineOf(run, 'transfer socks5'), '– transfer socks5: skipped (needs socks5 proxy)');
    assert.equal(lineOf(run, 'transfer ibb').slice(0, 2), '✓ ', 'IBB does not need the proxy');
  });
});

describe('ferry doctor against a stopped server', () => {
  it('fails TCP naming host:port and skips the rest, exit 1', async () => {
    const port = await closedPort();
    const run = await ferry([...login(port), '--insecure']);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.equal(lineOf(run, 'tcp c2s'), `✗ tcp c2s: nothing listens on 127.0.0.1:${port} (connection refused)`);
    assert.match(fixOf(run, 'tcp c2s'), /start the server/);
    for (const name of CLIENT_CHECKS.slice(CLIENT_CHECKS.indexOf('certificate')))
      assert.match(lineOf(run, name), new RegExp(`^– ${name}: skipped \\(needs `));
  });
});

describe('ferry doctor --server on a bad config', () => {
  const files = tempDir();
  after(() => files.remove());

  it('fails the config check naming the key, skips the rest, exit 2', async () => {
    const file = join(files.path, 'ferry.toml');
    writeFileSync(file, `data_dir = "${join(files.path, 'data')}"\n[modules.proxy65]\nadvertised_prot = 7777\n`);
    const run = await ferry(['doctor', '--server', '--config', file]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(
      lineOf(run, 'config'),
      /^✗ config: invalid configuration: modules\.proxy65\.advertised_prot: unknown key$/,
    );
    assert.equal(lineOf(run, 'data dir'), '– data dir: skipped (needs config)');
  });

  it('refuses a client flag with --server as a usage mistake (exit 2)', async () => {
    const run = await ferry(['doctor', '--server', '--jid', 'alice@localhost']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^ferry: --jid is for the client checks/m);
  });
});
