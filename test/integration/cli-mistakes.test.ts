// Every mistake a person makes with `ferry` gets one line on stderr saying what happened and what
// to do, the documented exit code (0 ok, 1 failure, 2 usage/config, 130 Ctrl-C), and no stack
// trace. One row per mistake; one server for the rows that need one.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/files.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with a deadline; stdin is `input` (piped, so never a terminal). */
function ferry(args: string[], env: Record<string, string> = {}, input = ''): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...withoutTlsOverride(process.env), FERRY_CONFIG: '', FERRY_JID: '', FERRY_PASSWORD: PASSWORD, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

function withoutTlsOverride(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.NODE_TLS_REJECT_UNAUTHORIZED;
  delete copy.FERRY_PASSWORD;
  return copy;
}

interface Row {
  mistake: string;
  args: () => string[];
  env?: Record<string, string>;
  stdin?: string;
  line: RegExp;
  code: number;
  skip?: boolean;
}

describe('ferry mistakes: one line, the documented exit code, no stack trace', () => {
  let server: TestServer;
  let closedPort: number;
  let squatter: Server;
  const files = tempDir();
  const file = join(files.path, 'photo.jpg');
  const aFile = join(files.path, 'not-a-dir');
  before(async () => {
    server = await startTestServer();
    await server.addUser('alice');
    writeFileSync(file, 'jpeg');
    writeFileSync(aFile, 'x');
    mkdirSync(join(files.path, 'folder'));
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    // A port something else holds, for `ferry server`.
    squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    squatter.close();
    await server.stop();
    files.remove();
  });

  const login = (port = () => server.ports.c2s) => [
    '--jid',
    'alice@localhost',
    '--host',
    '127.0.0.1',
    '--port',
    String(port()),
    '--insecure',
  ];
  const data = () => ['--data-dir', join(files.path, 'data'), '--set', 'c2s.port=0', '--set', 'modules.proxy65.port=0'];
  const serverPorts = () => ['--set', 'c2s_direct_tls.port=0', '--set', 'http.port=0', '--set', 'http.https_port=0'];
  const isRoot = process.getuid?.() === 0;

  const rows: Row[] = [
    {
      mistake: 'server down (connection refused)',
      args: () => ['receive', ...login(() => closedPort), '--dir', files.path],
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
    {
      mistake: 'file not found',
      args: () => ['send', 'bob@localhost/ferry-receive', join(files.path, 'nope.jpg'), ...login()],
      line: /^ferry: .*nope\.jpg: no such file$/,
      code: 2,
    },
    {
      mistake: 'a directory instead of a file',
      args: () => ['send', 'bob@localhost/ferry-receive', join(files.path, 'folder'), ...login()],
      line: /^ferry: .*folder is a directory: ferry send takes one file/,
      code: 2,
    },
    {
      mistake: 'a bare JID for send',
      args: () => ['send', 'bob@localhost', file, ...login()],
      line: /^ferry: bob@localhost has no resource: .*bob@localhost\/ferry-receive.*--resource/,
      code: 2,
    },
    {
      mistake: 'an invalid --timeout',
      args: () => ['send', 'bob@localhost/x', file, ...login(), '--timeout', 'soon'],
      line: /^ferry: --timeout must be a number of seconds/,
      code: 2,
    },
    {
      mistake: 'receive --dir under a file (cannot be created)',
      args: () => ['receive', ...login(), '--dir', join(aFile, 'sub')],
      line: /^ferry: --dir .*not-a-dir\/sub: cannot create it \(ENOTDIR\); pick another folder$/,
      code: 2,
    },
    {
      mistake: 'receive --dir is a file',
      args: () => ['receive', ...login(), '--dir', aFile],
      line: /^ferry: --dir .*not-a-dir(: cannot create it \(EEXIST\)| is not a folder)/,
      code: 2,
    },
    {
      mistake: 'receive --dir read-only (skipped as root: root writes anywhere)',
      args: () => ['receive', ...login(), '--dir', '/proc'],
      line: /^ferry: --dir \/proc is not writable/,
      code: 2,
      skip: isRoot,
    },
    {
      mistake: 'no --jid',
      args: () => ['receive', '--dir', files.path],
      line: /^ferry: who are you\? pass --jid or set FERRY_JID$/,
      code: 2,
    },
    {
      mistake: 'an unknown option',
      args: () => ['send', '--bogus'],
      line: /^ferry: unknown option '--bogus'$/,
      code: 2,
    },
    {
      mistake: 'a malformed --set',
      args: () => ['server', ...data(), '--set', 'c2s.port'],
      line: /^ferry: --set expects key=value, e\.g\. --set c2s\.port=5333; got "c2s\.port"$/,
      code: 2,
    },
    {
      mistake: 'a port in use for ferry server',
      args: () => [
        'server',
        ...data(),
        ...serverPorts(),
        '--set',
        `c2s.port=${(squatter.address() as { port: number }).port}`,
      ],
      line: /^ferry: port \d+ is already in use: stop what uses it, or set c2s\.port to another port$/,
      code: 1,
    },
    {
      mistake: 'a missing certificate file',
      args: () => [
        'server',
        ...data(),
        ...serverPorts(),
        '--set',
        `tls.cert_file=${join(files.path, 'cert.pem')}`,
        '--set',
        `tls.key_file=${join(files.path, 'key.pem')}`,
      ],
      line: /^ferry: tls\.cert_file: cannot read .*cert\.pem \(ENOENT\); fix the path in the config$/,
      code: 2,
    },
    {
      mistake: 'an unusable data dir',
      args: () => ['server', '--data-dir', join(aFile, 'data'), ...serverPorts(), '--set', 'c2s.port=0'],
      line: /^ferry: data_dir .*not-a-dir\/data is not usable \(ENOTDIR/,
      code: 2,
    },
    {
      mistake: 'adduser with an address on another domain',
      args: () => ['adduser', 'bob@elsewhere.example', ...data()],
      line: /^ferry: bob@elsewhere\.example is not on this server's domain \(localhost\); pass --domain or --config$/,
      code: 2,
    },
  ];

  for (const row of rows) {
    it(row.mistake, { skip: row.skip }, async () => {
      const run = await ferry(row.args(), row.env, row.stdin);
      const stderrLines = run.stderr.split('\n').filter((line) => line.startsWith('ferry:'));
      assert.match(stderrLines[0] ?? '', row.line, run.stderr);
      assert.equal(run.code, row.code, run.stderr);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('receive --once into an existing file exits 1 naming it and --overwrite; the sender exits 1 with why', async () => {
    const dir = join(files.path, 'inbox');
    mkdirSync(dir);
    writeFileSync(join(dir, 'photo.jpg'), 'already here');
    const receiver = ferry(['receive', ...login(), '--dir', dir, '--accept-all', '--once', '--resource', 'inbox']);
    // The receiver logs in within a second or two; the sender retries nothing, so give it time.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const sent = await ferry(['send', 'alice@localhost/inbox', file, ...login(), '--timeout', '20']);
    const received = await receiver;
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
    const run = await ferry(['receive', ...login(() => closedPort), '--dir', files.path, '--debug']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^ferry: nothing is listening/);
    assert.match(run.stderr, /\n\s+at /);
  });
});
