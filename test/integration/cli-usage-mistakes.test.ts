// The mistakes `ferry` catches before it connects anywhere (files, flags, config, the server's own
// start-up): one line on stderr, the documented exit code, no stack trace. Split from
// cli-mistakes.test.ts so that each file stays well inside the test runner's per-file budget.
import { describe, before, after } from 'node:test';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tempDir } from '../helpers/files.js';
import { closedPort, itRows, loginArgs, type Row } from '../helpers/cli.js';

describe('ferry mistakes caught before connecting: one line, the documented exit code, no stack trace', () => {
  let freePort: number;
  let squatter: Server;
  const files = tempDir();
  const file = join(files.path, 'photo.jpg');
  const aFile = join(files.path, 'not-a-dir');
  before(async () => {
    writeFileSync(file, 'jpeg');
    writeFileSync(aFile, 'x');
    mkdirSync(join(files.path, 'folder'));
    freePort = await closedPort();
    // A port something else holds, for `ferry server`.
    squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    squatter.close();
    files.remove();
  });

  // Nothing listens on the port: every row is refused before a connection is tried.
  const login = () => loginArgs(freePort);
  const data = () => ['--data-dir', join(files.path, 'data'), '--set', 'c2s.port=0', '--set', 'modules.proxy65.port=0'];
  const serverPorts = () => ['--set', 'c2s_direct_tls.port=0', '--set', 'http.port=0', '--set', 'http.https_port=0'];

  const rows: Row[] = [
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
      mistake: 'a domain alone for send',
      args: () => ['send', 'localhost', file, ...login()],
      line: /^ferry: localhost is not an address like bob@example\.com or bob@example\.com\/ferry-receive$/,
      code: 2,
    },
    {
      mistake: 'an unknown send --method',
      args: () => ['send', 'bob@localhost', file, ...login(), '--method', 'pigeon'],
      line: /^ferry: --method must be auto, socks5, ibb, jingle or upload, not pigeon$/,
      code: 2,
    },
    {
      mistake: 'an invalid --timeout',
      args: () => ['send', 'bob@localhost/x', file, ...login(), '--timeout', 'soon'],
      line: /^ferry: --timeout must be a number of seconds/,
      code: 2,
    },
    {
      mistake: 'an invalid send --stall-timeout',
      args: () => ['send', 'bob@localhost/x', file, ...login(), '--stall-timeout', '0'],
      line: /^ferry: --stall-timeout must be a number of seconds \(0\.1 ≤ S ≤ 86400\), not 0$/,
      code: 2,
    },
    {
      mistake: 'an invalid receive --stall-timeout',
      args: () => ['receive', ...login(), '--stall-timeout', 'never'],
      line: /^ferry: --stall-timeout must be a number of seconds .*, not never$/,
      code: 2,
    },
    {
      mistake: 'an unknown receive --method',
      args: () => ['receive', ...login(), '--method', 'jingle'],
      line: /^ferry: --method must be auto, socks5 or ibb, not jingle$/,
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
      // /proc/1 refuses writes even to root (which writes anywhere else), so this runs in CI too.
      mistake: 'receive --dir read-only',
      args: () => ['receive', ...login(), '--dir', '/proc/1'],
      line: /^ferry: --dir \/proc\/1 is not writable; pick another folder$/,
      code: 2,
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

  itRows(rows);
});
