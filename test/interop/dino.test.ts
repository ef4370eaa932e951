// Interop: the `ferry` CLI against a real Dino 0.4.2 (Debian 12 `dino-im`) through a Ferry server,
// and through a private Prosody 0.12 as the reference, with Jingle file transfer (XEP-0234 :5):
// the only way Dino sends to or receives from a client (it has no SI: an SI offer gets
// service-unavailable). Dino runs once per server, on its own Xvfb display and private D-Bus
// session bus, in a private network+mount namespace (test/helpers/dino.ts), driven by its GActions
// and xdotool. Dino picks the transport from the peer's disco#info: XEP-0260 SOCKS5 when listed,
// else XEP-0261 IBB. The Ferry server runs without HTTP upload (the Prosody has none): with it,
// Dino uploads instead of using Jingle. Bytes are checked by SHA-256; the ferry command must exit 0.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PASSWORD } from '../helpers/server.js';
import { sha256File, tempDir, writeRandomFile } from '../helpers/files.js';
import { dinoUnavailable, hasSize, startDino, type DinoInstance } from '../helpers/dino.js';
import { exitWithin, ferry, stop, until, type Run } from '../helpers/cli-process.js';
import { NEEDS_JINGLE_S5B, ferryClientFeatures, hasJingleSocks5 } from '../helpers/ferry-features.js';
import { FERRY_SERVER, PROSODY_SERVER, type DesktopServer } from '../helpers/desktop-servers.js';

const CASE_MS = 90_000;
const DINO_USER = 'dina';
const DINO_JID = `${DINO_USER}@localhost/dino`;
const RECEIVER = 'rx@localhost';
const SENDER = 'tx@localhost';
/** Dino downloads an offer by itself only from a roster contact and below 5,000,000 bytes. */
const TO_DINO_SIZE = 2 * 1024 * 1024 + 7;

for (const kind of [FERRY_SERVER, PROSODY_SERVER]) {
  describe(
    `Dino 0.4 ⇄ the ferry CLI through ${kind.label} (Jingle file transfer)`,
    { skip: dinoUnavailable() || kind.unavailable() },
    () => {
      let server: DesktopServer;
      let dino: DinoInstance;
      let speaksS5b = false;
      const files = tempDir('ferry-dino-ft-');
      const runs: Run[] = [];

      const login = (jid: string) => [
        '--jid',
        jid,
        '--host',
        '127.0.0.1',
        '--port',
        String(server.c2sPort),
        '--insecure',
      ];
      const started = (args: string[]) => {
        const run = ferry(args);
        runs.push(run);
        return run;
      };
      /** The CLI's and Dino's view, appended to a failure. */
      const evidence = (run: Run | undefined, mark = 0) =>
        `\n--- ferry stdout ---\n${run?.stdout() ?? ''}\n--- ferry stderr ---\n${run?.stderr() ?? ''}` +
        `\n--- dino: Jingle stanzas ---\n${dino
          .jingleSince(mark)
          .slice(0, 8)
          .map((stanza) => stanza.slice(0, 1_500))
          .join('\n')}` +
        `\n--- dino: warnings ---\n${dino
          .logSince(mark)
          .split('\n')
          .filter((line) => /WARNING|CRITICAL/.test(line))
          .slice(0, 10)
          .join('\n')}`;

      before(async () => {
        // Dino offers files only to a contact it sees online, and accepts them by itself only from
        // roster contacts: both subscriptions are mutual.
        server = await kind.start(
          [DINO_USER, 'rx', 'tx', 'probe'],
          [
            [DINO_USER, 'rx'],
            [DINO_USER, 'tx'],
          ],
        );
        speaksS5b = hasJingleSocks5(await ferryClientFeatures(server.c2sPort, 'probe'));
        dino = await startDino({
          jid: DINO_JID,
          password: PASSWORD,
          c2sPort: server.c2sPort,
          proxyPort: server.proxyPort,
          certificatePem: server.certificatePem,
          contacts: [RECEIVER, SENDER],
          isOnline: () => server.isOnline(DINO_JID),
        });
      });
      after(async () => {
        for (const run of runs) await stop(run);
        await dino?.stop();
        await server?.stop();
        files.remove();
      });

      it(
        'Dino → ferry receive (attach button → file chooser → Send): 3 MiB intact, exit code 0',
        { timeout: CASE_MS },
        async (t) => {
          const size = 3 * 1024 * 1024 + 13;
          const fileName = 'from-dino.bin';
          const source = join(files.path, fileName);
          const hash = writeRandomFile(source, size);
          const outDir = join(files.path, 'rx');
          const full = `${RECEIVER}/ferry-receive`;
          const run = started([
            'receive',
            ...login(RECEIVER),
            ...['--dir', outDir, '--accept-all', '--once', '--resource', 'ferry-receive', '--debug'],
          ]);
          // "receiving as" comes once its available presence is sent.
          await until(
            () => (server.isOnline(full) && /^receiving as /m.test(run.stdout()) ? true : undefined),
            20_000,
            `ferry receive to log in and be available${evidence(run)}`,
          );
          const mark = dino.logLength();
          const sid = await dino.sendFile(RECEIVER, source);
          const outcome = await until(
            () => {
              if (/^received /m.test(run.stdout())) return 'received';
              const end = dino
                .jingleSince(mark)
                .find((stanza) => stanza.includes(`sid='${sid}'`) && stanza.includes("action='session-terminate'"));
              return end && !end.includes(':success') ? end : undefined;
            },
            CASE_MS - 40_000,
            `ferry receive to save the file${evidence(run, mark)}`,
          );
          if (outcome !== 'received')
            assert.fail(`the session ended before the file was saved: ${outcome}${evidence(run, mark)}`);
          assert.equal(await exitWithin(run, 15_000, 'ferry receive --once'), 0, `exit code${evidence(run, mark)}`);
          const initiate = dino.jingleSince(mark).find((stanza) => stanza.includes("action='session-initiate'")) ?? '';
          const transport = /xmlns='(urn:xmpp:jingle:transports:[^']+)'/.exec(initiate)?.[1];
          t.diagnostic(`Dino offered ${transport ?? '?'}; ferry receive: ${run.stdout().trim().split('\n').pop()}`);
          // Dino takes SOCKS5 when the receiver lists it, else IBB (xmpp-vala Jingle select_transport).
          if (!speaksS5b) {
            assert.equal(transport, 'urn:xmpp:jingle:transports:ibb:1', `Dino's offer${evidence(run, mark)}`);
            assert.match(run.stdout(), /over ibb/, evidence(run, mark));
          }
          assert.equal(await sha256File(join(outDir, fileName)), hash);
        },
      );

      // COMPAT: Dino 0.4 cannot receive Jingle file transfer over IBB: accepting, it closes the
      // stream's output with a synchronous close(), which its IBB stream refuses ("can't do non-async
      // closes on in-band bytestreams", xmpp-vala 0234_jingle_file_transfer.vala / 0047): it logs
      // "Error downloading file: Establishing connection did not work", still acknowledges every IBB
      // block and the close, but never confirms, and the sender cancels. So Ferry → Dino needs
      // XEP-0260; without it the CLI offers Jingle over IBB only (--method jingle), and auto prefers SI.
      for (const { name, tag, flags } of [
        { name: 'ferry send --method jingle → Dino', tag: 'jingle', flags: ['--method', 'jingle'] },
        { name: 'ferry send (auto) → Dino', tag: 'auto', flags: [] as string[] },
      ]) {
        it(`${name}: 2 MiB intact, exit code 0`, { timeout: CASE_MS }, async (t) => {
          if (!speaksS5b) {
            t.skip(
              `${NEEDS_JINGLE_S5B} (Dino 0.4 receives Jingle over SOCKS5 only; ` +
                (tag === 'auto'
                  ? 'today auto offers SI, which Dino lacks: "does not support SI file transfer (XEP-0096)")'
                  : 'today --method jingle is IBB, which Dino acknowledges but never confirms)'),
            );
            return;
          }
          const fileName = `to-dino-${tag}.bin`;
          const source = join(files.path, fileName);
          const hash = writeRandomFile(source, TO_DINO_SIZE);
          const mark = dino.logLength();
          const run = started(['send', ...login(SENDER), ...flags, '--timeout', '30', '--debug', DINO_JID, source]);
          const code = await exitWithin(run, CASE_MS - 20_000, 'ferry send');
          const saved = () => dino.receivedFile(fileName);
          assert.equal(code, 0, `ferry send exit code (Dino saved ${saved() ?? 'nothing'})${evidence(run, mark)}`);
          t.diagnostic(`ferry send: ${run.stdout().trim().split('\n').pop()}`);
          await until(() => (hasSize(saved(), TO_DINO_SIZE) ? true : undefined), 15_000, `Dino's copy of ${fileName}`);
          assert.equal(await sha256File(saved()!), hash);
        });
      }
    },
  );
}
