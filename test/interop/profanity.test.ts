// Interop: profanity (a terminal client whose only file transfer is XEP-0363 HTTP upload) sends a
// file through a fresh Ferry server with /sendfile, to an account that is offline; that account's
// `ferry receive` logs in later, gets the link from offline storage, and saves the file intact.
// On a Ferry without upload, profanity said "XEP-0363 HTTP File Upload is not supported by the server".
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.js';
import { sha256File, tempDir, writeRandomFile } from '../helpers/files.js';
import { ferry, loginArgs } from '../helpers/cli.js';
import { hasProfanity, startProfanity, type ProfanityInstance } from '../helpers/profanity.js';

describe(
  'profanity /sendfile → Ferry (XEP-0363) → ferry receive',
  { skip: hasProfanity() ? false : 'profanity or tmux is not installed (apt-get install profanity tmux)' },
  () => {
    let server: TestServer;
    let profanity: ProfanityInstance | undefined;
    const files = tempDir('ferry-profanity-files-');

    before(async () => {
      server = await startTestServer();
      await server.addUser('alice');
      await server.addUser('bob');
    });
    after(async () => {
      profanity?.stop();
      await server?.stop();
      files.remove();
    });

    it('uploads with /sendfile; the offline recipient gets the verified file at its next login', async () => {
      const source = join(files.path, 'holiday.bin');
      const hash = writeRandomFile(source, 300_007);
      profanity = await startProfanity({ jid: 'alice@localhost', password: PASSWORD, port: server.ports.c2s });
      await profanity.waitFor(/\[online\]/);
      profanity.type('/msg bob@localhost hello');
      await profanity.waitFor(/me: hello/);
      // COMPAT: profanity finds the upload service some time after login and refuses /sendfile
      // until then ("not supported by the server"): retry a few times.
      let screen = '';
      for (let attempt = 0; attempt < 10; attempt++) {
        profanity.type(`/sendfile ${source}`);
        screen = await profanity.waitFor(/me: https:\/\/\S+holiday\.bin|not supported by the server/);
        if (/me: https:/.test(screen)) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const link = /me: (https:\/\/\S+holiday\.bin)/.exec(screen)?.[1];
      assert.ok(link, `profanity sent no link; screen:\n${screen}`);
      assert.match(link, new RegExp(`^https://localhost:${server.ports.https}/upload/`));

      const dir = join(files.path, 'inbox');
      const login = loginArgs(server.ports.c2s).map((arg) => (arg === 'alice@localhost' ? 'bob@localhost' : arg));
      const received = await ferry(['receive', '--accept-all', '--once', '--dir', dir, ...login]);
      assert.equal(received.code, 0, received.stderr);
      assert.match(received.stdout, /received .*holiday\.bin .*by link/);
      assert.equal(await sha256File(join(dir, 'holiday.bin')), hash);
    });
  },
);
