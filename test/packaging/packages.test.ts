// The packages as a user gets them: `npm pack` of every workspace package and the root, the
// tarballs installed from a scratch project outside the repository (their dependencies from the
// registry, no link into the checkout), then what a TypeScript developer does with
// @ferry/client: compile the examples strictly without skipLibCheck (node16 and bundler
// resolution) and run a send and a receive against a Ferry server on loopback, bytes checked by
// SHA-256.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.js';
import { sha256File, writeRandomFile } from '../helpers/files.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLES = join(REPO, 'examples');
/** The client's whole installed tree (xmpp.js's packages, ltx, ws, typings) stays below this. */
// 54 with @xmpp/client 0.14: 43 for Node, and what the browser build runs on (readable-stream
// with the polyfills it brings for buffer, process and AbortController; events; @noble/hashes).
const MAX_CLIENT_PACKAGES = 60;

interface PackedFile {
  path: string;
}
interface Packed {
  name: string;
  filename: string;
  files: PackedFile[];
}

/** Builds and installs run at the lowest CPU priority, so that other work keeps its pace. */
function runInBackground(...args: Parameters<typeof run>): ReturnType<typeof run> {
  const running = run(...args);
  if (running.child.pid !== undefined) setPriority(running.child.pid, 19);
  return running;
}

/** No FERRY_* variables from the test runner's environment, no npm chatter, no custom condition. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('FERRY_')));
  delete env.NODE_OPTIONS;
  return {
    ...env,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    ...extra,
  };
}

function failWithOutput(what: string) {
  return (error: { stdout?: string; stderr?: string; message?: string }) =>
    assert.fail(`${what}:\n${error.stdout ?? ''}${error.stderr ?? ''}${error.message ?? ''}`);
}

/** Every file below `dir`, relative to it. */
function walk(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

/** The first line of `child`'s stdout that `test` accepts, or a specific error after `timeoutMs`. */
function lineFrom(child: ChildProcess, what: string, test: (line: string) => boolean, timeoutMs: number) {
  return new Promise<string>((resolve, reject) => {
    const seen: string[] = [];
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      lines.close();
      reject(new Error(`${what}: no such line within ${timeoutMs} ms; stdout so far: ${seen.join(' | ')}`));
    }, timeoutMs);
    lines.on('line', (line) => {
      seen.push(line);
      if (!test(line)) return;
      clearTimeout(timer);
      lines.close();
      resolve(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what}: exited with ${code} first; stdout: ${seen.join(' | ')}`));
    });
  });
}

/** Resolves with the exit code, or rejects naming `what` after `timeoutMs`. */
function exitOf(child: ChildProcess, what: string, timeoutMs: number) {
  return new Promise<number | null>((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => reject(new Error(`${what} did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('packages: packed, installed from the tarballs, compiled and used', () => {
  let scratch: string;
  let app: string;
  let packed: Packed[];
  const tarball = (name: string) => {
    const found = packed.find((pack) => pack.name === name);
    assert.ok(found, `npm pack made no ${name} tarball`);
    return found;
  };

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'ferry-packages-'));
    const packs = join(scratch, 'tarballs');
    mkdirSync(packs);
    // Each package builds in its prepack (the root in prepare); --json lists the files packed.
    const { stdout } = await runInBackground(
      'npm',
      ['pack', '--workspaces', '--include-workspace-root', '--json', '--pack-destination', packs],
      { cwd: REPO, env: childEnv(), timeout: 240_000, maxBuffer: 64 * 1024 * 1024 },
    ).catch(failWithOutput('npm pack failed'));
    packed = JSON.parse(String(stdout)) as Packed[];
    app = join(scratch, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const typescript = (
      JSON.parse(readFileSync(join(REPO, 'node_modules/typescript/package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    await runInBackground(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        join(packs, tarball('@ferry/protocol').filename),
        join(packs, tarball('@ferry/client').filename),
      ],
      { cwd: app, env: childEnv(), timeout: 240_000 },
    ).catch(failWithOutput('installing the tarballs failed'));
    // The consumer's own tools, as development dependencies: not counted as the client's.
    await runInBackground(
      'npm',
      ['install', '--no-audit', '--no-fund', '--save-dev', `typescript@${typescript}`, '@types/node@^20.19.0'],
      { cwd: app, env: childEnv(), timeout: 240_000 },
    ).catch(failWithOutput('installing typescript and @types/node failed'));
  });
  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('packs each package with its build, README and LICENSE, and no tests, bench, CI, sources or build state', () => {
    const expected: Record<string, string[]> = {
      ferry: ['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json', 'dist/cli/main.js', 'dist/server/index.d.ts'],
      '@ferry/protocol': [
        'LICENSE',
        'README.md',
        'package.json',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/socks5/index.js',
      ],
      '@ferry/client': [
        'LICENSE',
        'README.md',
        'package.json',
        'dist/index.js',
        'dist/index.d.ts',
        'types/xmpp-client.d.ts',
      ],
    };
    assert.deepEqual(packed.map((pack) => pack.name).sort(), Object.keys(expected).sort());
    for (const pack of packed) {
      const paths = pack.files.map((file) => file.path);
      for (const path of expected[pack.name] ?? []) assert.ok(paths.includes(path), `${pack.name} lacks ${path}`);
      const unwanted = paths.filter(
        (path) =>
          /^(test|bench|\.ci|src|scripts|examples|docs|packages|contrib|node_modules)\//.test(path) ||
          /\.tsbuildinfo$|\.test\.|^\.|\/\./.test(path),
      );
      assert.deepEqual(unwanted, [], `${pack.name} ships files it should not`);
    }
    // What the packages hold now, left in dist/ by a build from before the split.
    const stale = tarball('ferry').files.filter((file) => /^dist\/(client|protocol|socks5)\//.test(file.path));
    assert.deepEqual(stale, [], 'ferry ships an old build of the packages: rm -rf dist && npm run build');
  });

  it('installs @ferry/client with a small dependency tree and no native module', async () => {
    const { stdout } = await run('npm', ['ls', '--all', '--omit=dev', '--parseable'], {
      cwd: app,
      env: childEnv(),
      timeout: 60_000,
    });
    const installed = stdout
      .split('\n')
      .filter((path) => path.includes('node_modules'))
      .map((path) => relative(join(app, 'node_modules'), path));
    assert.ok(installed.includes('@ferry/client') && installed.includes('@ferry/protocol'), installed.join(', '));
    assert.ok(
      installed.length <= MAX_CLIENT_PACKAGES,
      `@ferry/client installs ${installed.length} packages (at most ${MAX_CLIENT_PACKAGES}): ${installed.join(', ')}`,
    );
    for (const serverOnly of [
      'better-sqlite3',
      'zod',
      'pino',
      'pino-pretty',
      'pg',
      'ioredis',
      '@aws-sdk/client-s3',
      'ferry',
    ])
      assert.ok(!installed.includes(serverOnly), `${serverOnly} came with the client`);
    const native = installed.flatMap((dir) =>
      walk(join(app, 'node_modules', dir))
        .filter((file) => !file.startsWith('node_modules/'))
        .filter((file) => file.endsWith('.node') || file.endsWith('binding.gyp'))
        .map((file) => `${dir}/${file}`),
    );
    assert.deepEqual(native, [], 'native modules came with the client');
    const withInstallScripts = installed.filter((dir) => {
      const manifest = JSON.parse(readFileSync(join(app, 'node_modules', dir, 'package.json'), 'utf8')) as {
        scripts?: Record<string, string>;
      };
      return ['preinstall', 'install', 'postinstall'].some((script) => manifest.scripts?.[script] !== undefined);
    });
    assert.deepEqual(withInstallScripts, [], 'packages with install scripts came with the client');
  });

  it('compiles the examples strictly, without skipLibCheck, under node16 and bundler resolution', async () => {
    mkdirSync(join(app, 'src'), { recursive: true });
    for (const example of ['send.ts', 'receive.ts', 'bot.ts'])
      copyFileSync(join(EXAMPLES, example), join(app, 'src', example));
    // Everything the API rejects with is exported, and the codes are a checked union.
    writeFileSync(
      join(app, 'src', 'errors.ts'),
      `import { StanzaError, TransferError, type TransferErrorCode } from '@ferry/client';
export function describe(error: unknown): string {
  if (error instanceof TransferError) {
    const code: TransferErrorCode = error.code;
    return code === 'FERRY_ERR_DECLINED' ? 'declined' : code;
  }
  if (error instanceof StanzaError) return error.condition;
  return String(error);
}
`,
    );
    const strict = { strict: true, skipLibCheck: false, target: 'ES2022', lib: ['ES2023'], types: ['node'] };
    writeFileSync(
      join(app, 'tsconfig.node16.json'),
      JSON.stringify({
        compilerOptions: { ...strict, module: 'node16', moduleResolution: 'node16', outDir: 'dist', rootDir: 'src' },
        include: ['src'],
      }),
    );
    writeFileSync(
      join(app, 'tsconfig.bundler.json'),
      JSON.stringify({
        compilerOptions: { ...strict, module: 'esnext', moduleResolution: 'bundler', noEmit: true },
        include: ['src'],
      }),
    );
    const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const config of ['tsconfig.node16.json', 'tsconfig.bundler.json'])
      await runInBackground(process.execPath, [tsc, '-p', config], {
        cwd: app,
        env: childEnv(),
        timeout: 120_000,
      }).catch(failWithOutput(`the consumer does not compile with ${config}`));
    assert.ok(existsSync(join(app, 'dist', 'send.js')) && existsSync(join(app, 'dist', 'receive.js')));
  });

  describe('a send and a receive through the installed packages', () => {
    let ferry: TestServer;
    const children: ChildProcess[] = [];
    before(async () => {
      ferry = await startTestServer();
      await ferry.addUser('alice');
      await ferry.addUser('bob');
    });
    after(async () => {
      for (const child of children) if (child.exitCode === null) child.kill();
      await ferry.stop();
    });

    it('the receiver gets the sender’s bytes (SHA-256) and both exit 0', async () => {
      assert.ok(existsSync(join(app, 'dist', 'send.js')), 'the examples were compiled by the test before');
      const source = join(scratch, 'holiday photo.bin');
      const sourceHash = writeRandomFile(source, 2 * 1024 * 1024 + 3);
      const downloads = join(scratch, 'downloads');
      mkdirSync(downloads);
      const server = {
        FERRY_SERVICE: `xmpp://127.0.0.1:${ferry.ports.c2s}`,
        FERRY_INSECURE: '1',
        FERRY_PASSWORD: PASSWORD,
      };
      const bob = `bob@${ferry.domain}/receiver`;
      const spawnExample = (name: string, jid: string, args: string[]) => {
        const child = spawn(process.execPath, [join('dist', name), ...args], {
          cwd: app,
          env: childEnv({ ...server, FERRY_JID: jid }),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        children.push(child);
        return { child, stderr: () => stderr };
      };

      const receiver = spawnExample('receive.js', bob, [downloads]);
      await lineFrom(receiver.child, 'receive.js', (line) => line === 'ready', 30_000);
      const received = lineFrom(receiver.child, 'receive.js', (line) => line.startsWith('{'), 90_000);
      const sender = spawnExample('send.js', `alice@${ferry.domain}/sender`, [bob, source]);
      const [sent, sentCode] = await Promise.all([
        lineFrom(sender.child, 'send.js', (line) => line.startsWith('{'), 90_000),
        exitOf(sender.child, 'send.js', 90_000),
      ]).catch((error: Error) =>
        assert.fail(`${error.message}\nsend.js stderr: ${sender.stderr()}\nreceive.js stderr: ${receiver.stderr()}`),
      );
      assert.equal(sentCode, 0, `send.js: ${sender.stderr()}`);
      const result = JSON.parse(await received) as { from: string; path: string; size: number };
      assert.equal(await exitOf(receiver.child, 'receive.js', 30_000), 0, `receive.js: ${receiver.stderr()}`);
      assert.equal(result.from, `alice@${ferry.domain}/sender`);
      assert.equal(result.path, join(downloads, 'holiday photo.bin'));
      assert.equal(result.size, 2 * 1024 * 1024 + 3);
      assert.equal(await sha256File(result.path), sourceHash);
      assert.equal((JSON.parse(sent) as { bytes: number }).bytes, 2 * 1024 * 1024 + 3);
    });
  });
});
