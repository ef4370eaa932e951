// Interop: `ferry send` to a client that has no file transfer at all — a slixmpp peer with disco
// (XEP-0030) but no SI plugin, like Gajim, Dino or profanity for SI. The
// sender must find out from the peer's disco#info and fail within seconds with a clear
// FERRY_ERR_PEER_UNSUPPORTED, rather than wait its whole --timeout for an answer that never comes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.js';
import { tempDir, writeRandomFile } from '../helpers/files.js';
import { hasPythonModule, startPythonPeer, type PythonPeer } from '../helpers/python-peer.js';

// The chat peer registers xep_0030, xep_0092 and xep_0199 only: its disco#info lists no SI.
const SCRIPT = fileURLToPath(new URL('./peers/slixmpp_chat_peer.py', import.meta.url));
const FAST_MS = 10_000;

describe(
  'ferry send to a client without file transfer (slixmpp, no SI plugin)',
  { skip: hasPythonModule('slixmpp') ? false : 'python3-slixmpp is not installed (apt-get install python3-slixmpp)' },
  () => {
    let server: TestServer;
    let sly: PythonPeer;
    let slyJid: string;
    const files = tempDir('ferry-unsupported-');

    before(async () => {
      server = await startTestServer();
      await server.addUser('tx');
      await server.addUser('sly');
      sly = startPythonPeer(SCRIPT, [
        ...['--jid', 'sly@localhost/slix', '--password', PASSWORD, '--port', String(server.ports.c2s)],
      ]);
      slyJid = (await sly.waitForLine(/^READY /)).slice('READY '.length);
    });
    after(async () => {
      await sly?.stop();
      await server?.stop();
      files.remove();
    });

    it('fails within seconds saying the peer does not support file transfer (FERRY_ERR_PEER_UNSUPPORTED)', async () => {
      const source = join(files.path, 'unwanted.bin');
      writeRandomFile(source, 10_000);
      const env: NodeJS.ProcessEnv = { ...process.env, FERRY_CONFIG: '', FERRY_PASSWORD: PASSWORD };
      delete env.NODE_TLS_REJECT_UNAUTHORIZED;
      const login = ['--jid', 'tx@localhost', '--host', '127.0.0.1', '--port', String(server.ports.c2s), '--insecure'];
      const started = Date.now();
      const child = spawn(
        process.execPath,
        ['--conditions=ferry-source', '--import', 'tsx', 'src/cli/main.ts', 'send', ...login, slyJid, source],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env,
        },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const killer = setTimeout(() => child.kill('SIGKILL'), FAST_MS);
      const code = await exited;
      clearTimeout(killer);
      const elapsed = Date.now() - started;
      assert.ok(elapsed < FAST_MS, `ferry send gave up within ${FAST_MS} ms (took ${elapsed} ms): ${output}`);
      assert.notEqual(code, 0, output);
      assert.match(output, /^ferry: sly@localhost\/slix does not support SI file transfer \(XEP-0096\)/m);
    });
  },
);
