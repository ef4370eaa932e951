// The published package: `npm pack` (which builds dist/ through `prepare`), installed into a
// scratch app, must let a plain Node program import `ferry/server` and `@ferry/client` by name,
// start a server on ephemeral ports, see it listen, and stop it; and a TypeScript consumer must
// find the declarations through the `types` export condition.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Builds and type-checks run at the lowest CPU priority (inherited by their children): on a small
 * machine a full-speed tsc beside the other test files makes their login timeouts flaky.
 */
function runInBackground(...args: Parameters<typeof run>): ReturnType<typeof run> {
  const running = run(...args);
  if (running.child.pid !== undefined) setPriority(running.child.pid, 19);
  return running;
}
const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** No FERRY_* variables from the test runner's environment, no npm chatter. */
function childEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('FERRY_')));
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}

// Runs in the scratch app as an ES module; prints one JSON line and exits 0, or throws.
const CONSUMER = `
import { connect } from 'node:net';
const { startServer, defineModule } = await import('ferry/server');
const client = await import('@ferry/client');
if (typeof client.FileTransferManager !== 'function') throw new Error('@ferry/client lacks FileTransferManager');
let greeting;
const hello = defineModule({
  name: 'hello',
  spec: { xep: 1, status: 'complete' },
  setup(ctx) { greeting = 'loaded for ' + ctx.domain; },
});
const server = await startServer({
  modules: [hello],
  config: {
    data_dir: process.env.DATA_DIR,
    log: { level: 'silent' },
    c2s: { port: 0 },
    c2s_direct_tls: { port: 0 },
    http: { port: 0, https_port: 0 },
    modules: { proxy65: { port: 0 } },
  },
});
let isShutdownHeard = false;
server.events.on('shutdown', () => { isShutdownHeard = true; });
const port = server.addresses().c2s.port;
const header = await new Promise((resolve, reject) => {
  const socket = connect(port, '127.0.0.1', () =>
    socket.write("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"));
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    text += chunk;
    if (text.includes('</stream:features>')) { socket.destroy(); resolve(text); }
  });
  socket.on('error', reject);
});
await server.accounts.create('alice', 'a long passphrase');
const accounts = await server.accounts.list();
await server.stop();
console.log(JSON.stringify({ port, isFeatures: header.includes('<stream:features>'), accounts, isShutdownHeard, greeting }));
`;

// Type-checked against dist/*.d.ts as a library user would write it.
const TYPED_CONSUMER = `
import { ConfigError, startServer, type RunningServer, type StartServerOptions } from 'ferry/server';
import { FileTransferManager, createTransports } from '@ferry/client';
const options: StartServerOptions = { config: { c2s: { port: 0 }, modules: { proxy65: { port: 0 } } } };
export async function main(): Promise<number | undefined> {
  const server: RunningServer = await startServer(options);
  const off: () => void = server.events.on('session-bound', (session) => console.log(session.jid.toString()));
  off();
  await server.stop();
  return server.addresses().c2s?.port;
}
export const checks = [ConfigError, FileTransferManager, createTransports];
`;

describe('package exports', () => {
  let scratch: string;
  let app: string;
  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'ferry-pack-'));
    await runInBackground('npm', ['pack', '--pack-destination', scratch], {
      cwd: REPO,
      env: childEnv(),
      timeout: 180_000,
    });
    const tarball = readdirSync(scratch).find((name) => name.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote a tarball');
    app = join(scratch, 'app');
    const installed = join(app, 'node_modules', 'ferry');
    mkdirSync(installed, { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    await run('tar', ['-xzf', join(scratch, tarball), '-C', installed, '--strip-components=1'], { timeout: 30_000 });
    // The package's dependencies, without a network install: the repository's own node_modules.
    symlinkSync(realpathSync(join(REPO, 'node_modules')), join(installed, 'node_modules'), 'dir');
    // The client library is its own package now (the workspace's, built by the same `prepare`).
    symlinkSync(realpathSync(join(REPO, 'node_modules', '@ferry')), join(app, 'node_modules', '@ferry'), 'dir');
  });
  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('imports ferry/server and @ferry/client by name; the server starts on ephemeral ports, listens and stops', async () => {
    const dataDir = join(scratch, 'data');
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CONSUMER], {
      cwd: app,
      env: { ...childEnv(), DATA_DIR: dataDir },
      timeout: 60_000,
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    assert.equal(typeof result.port, 'number');
    assert.notEqual(result.port, 0);
    assert.deepEqual(result, {
      port: result.port,
      isFeatures: true,
      accounts: ['alice'],
      isShutdownHeard: true,
      greeting: 'loaded for localhost',
    });
  });

  it('gives TypeScript consumers declarations through the types condition', async () => {
    writeFileSync(join(app, 'consumer.ts'), TYPED_CONSUMER);
    const tsconfig = {
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        typeRoots: [join(realpathSync(join(REPO, 'node_modules')), '@types')],
        types: ['node'],
      },
      files: ['consumer.ts'],
    };
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    await runInBackground(process.execPath, [tsc, '-p', app], { cwd: app, env: childEnv(), timeout: 60_000 }).catch(
      (error: { stdout?: string }) => assert.fail(`consumer does not type-check:\n${error.stdout ?? String(error)}`),
    );
  });
});
