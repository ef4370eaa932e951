// Interop: the `ferry` CLI against a real Psi+ 1.4.554 (Qt 5, Debian 12) over a Ferry server.
// Psi+ runs once for the whole file, on its own Xvfb display and private D-Bus session bus, with
// a pre-seeded profile (test/helpers/psi-plus.ts): it logs in with no dialog. Psi+ has no API for
// files, so its dialogs are driven with xdotool (accept + "Save As" to receive; chat → Send file →
// file chooser → Send to send), every step bounded, a screenshot saved when one fails.
// Every case is bounded; bytes are checked by SHA-256 and the ferry command's exit code must be 0
// (`ferry send`, or `ferry receive --once`, whose flags choose the path Psi+'s file takes).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.js';
import { sha256File, tempDir, writeRandomFile } from '../helpers/files.js';
import { psiPlusUnavailable, startPsiPlus, type PsiPlusInstance } from '../helpers/psi-plus.js';
import { exitWithin, ferry, stop, until, type Run } from '../helpers/cli-process.js';

const CASE_MS = 60_000;
const PSI_USER = 'psi';
const PSI_JID = `${PSI_USER}@localhost/psi`;
/**
 * One receiving account per case, each in Psi+'s roster with a mutual subscription (seeded on the
 * server before Psi+ logs in). COMPAT: Psi+ sends files from a chat window, and its chat for a
 * JID outside the roster addresses the bare JID (it never sees that JID's presence); in the
 * roster, the chat's "Send file" goes to the contact's available resource, ferry-receive.
 */
const RECEIVE_TAGS = ['direct', 'proxy', 'ibb'];
const receiver = (tag: string) => `rx-${tag}@localhost`;

describe('Psi+ 1.4 ⇄ the ferry CLI over a Ferry server', { skip: psiPlusUnavailable() }, () => {
  let server: TestServer;
  let psi: PsiPlusInstance;
  const files = tempDir('ferry-psi-plus-ft-');
  const runs: Run[] = [];
  /** The target of each relay by proxy.localhost, in order. */
  const relayedTo: string[] = [];
  let stopListening: (() => void) | undefined;

  const login = (jid: string) => [
    '--jid',
    jid,
    '--host',
    '127.0.0.1',
    '--port',
    String(server.ports.c2s),
    '--insecure',
  ];
  const started = (args: string[]) => {
    const run = ferry(args);
    runs.push(run);
    return run;
  };
  const relaysTo = (jid: string) => relayedTo.filter((target) => target === jid).length;
  /** Psi+'s and the CLI's view, appended to a failure. */
  const evidence = (run?: Run) =>
    `\n--- ferry stdout ---\n${run?.stdout() ?? ''}\n--- ferry stderr ---\n${run?.stderr() ?? ''}` +
    `\n--- psi-plus stderr (tail) ---\n${psi.logTail(3_000)}`;
  /** A failed case leaves a screenshot and the window list behind. */
  const withScreenshot = async <T>(label: string, body: () => Promise<T>): Promise<T> => {
    try {
      return await body();
    } catch (error) {
      if (/^Psi\+ GUI step failed/.test((error as Error).message)) throw error; // has its own
      const shot = await psi.screenshot(label);
      const windows = await psi.windows();
      (error as Error).message +=
        `\n--- visible windows ---\n${windows.join(', ') || 'none'}\n--- screenshot ---\n${shot ?? '(none)'}`;
      throw error;
    }
  };

  before(async () => {
    server = await startTestServer();
    const receivers = RECEIVE_TAGS.map((tag) => `rx-${tag}`);
    for (const user of [PSI_USER, 'tx', ...receivers]) await server.addUser(user);
    for (const user of receivers) {
      await server.server.storage.roster.put(PSI_USER, { jid: `${user}@localhost`, subscription: 'both', groups: [] });
      await server.server.storage.roster.put(user, { jid: `${PSI_USER}@localhost`, subscription: 'both', groups: [] });
    }
    stopListening = server.server.events.on('proxy65-relay', (record) => relayedTo.push(record.target));
    const certificatePem = readFileSync(join(server.dataDir, 'tls', 'localhost.crt'), 'utf8');
    psi = await startPsiPlus({
      jid: PSI_JID,
      password: PASSWORD,
      c2sPort: server.ports.c2s,
      certificatePem,
      isOnline: () =>
        server.server.sessions.available(`${PSI_USER}@localhost`).some((s) => s.jid.toString() === PSI_JID),
    });
  });
  after(async () => {
    for (const run of runs) await stop(run);
    await psi?.stop();
    stopListening?.();
    await server?.stop();
    files.remove();
  });

  describe('ferry send → Psi+ (its "Receive File" dialog: Accept, Save As)', () => {
    const cases = [
      {
        // COMPAT: Psi+ (iris S5BConnector) connects to every streamhost at once and takes the first
        // to answer, so with Ferry's own listener and proxy.localhost both on loopback it picked
        // either, run to run. --proxy localhost (the server itself: no streamhost) leaves the
        // offer with Ferry's own listener only.
        name: 'SOCKS5 direct (Ferry’s own streamhost only: --proxy localhost)',
        tag: 'direct',
        flags: ['--method', 'socks5', '--proxy', 'localhost'],
        summary: /over socks5 \(direct\)/,
      },
      {
        name: 'SOCKS5 through proxy.localhost (--no-direct)',
        tag: 'proxy',
        flags: ['--method', 'socks5', '--no-direct'],
        summary: /over socks5 via proxy\.localhost/,
      },
      { name: 'IBB (--method ibb)', tag: 'ibb', flags: ['--method', 'ibb'], summary: /over ibb/ },
    ];
    for (const { name, tag, flags, summary } of cases) {
      it(`${name}: bytes intact, exit code 0`, { timeout: CASE_MS }, () =>
        withScreenshot(`to-psi-${tag}`, async () => {
          const size = tag === 'ibb' ? 300 * 1024 + 7 : 2 * 1024 * 1024 + 7;
          const fileName = `to-psi-${tag}.bin`;
          const source = join(files.path, fileName);
          const hash = writeRandomFile(source, size);
          const target = join(psi.receiveDir, fileName);
          const relaysBefore = relaysTo(PSI_JID);
          const run = started(['send', ...login('tx@localhost'), ...flags, '--timeout', '30', PSI_JID, source]);
          const accepting = psi.acceptFile(target);
          // The dialog steps fail on their own (with a screenshot); ferry send's exit says the rest.
          const [code] = await Promise.all([exitWithin(run, CASE_MS - 10_000, 'ferry send'), accepting]);
          const saved = () => (existsSync(target) ? statSync(target).size : 'no file');
          assert.equal(code, 0, `ferry send exit code (Psi+ saved ${saved()} of ${size} bytes)${evidence(run)}`);
          assert.match(run.stdout(), summary, evidence(run));
          // Psi+ saves into <name>.part and renames it when its side saw the end.
          await until(
            () => (existsSync(target) && statSync(target).size === size ? true : undefined),
            10_000,
            `${target} (${size} bytes)${evidence(run)}`,
          );
          assert.equal(await sha256File(target), hash);
          if (tag === 'proxy') {
            await until(() => (relaysTo(PSI_JID) > relaysBefore ? true : undefined), 5_000, 'a relay');
          } else assert.equal(relaysTo(PSI_JID), relaysBefore, 'no relay through proxy.localhost');
        }),
      );
    }
  });

  describe('Psi+ → ferry receive (chat window: Send file)', () => {
    // Psi+ offers SI with SOCKS5 and IBB; for SOCKS5, its own streamhost (a free port, see the
    // helper) and then proxy.localhost (its account's data-transfer proxy). The receiver's flags
    // pick the path.
    const cases = [
      {
        name: 'SOCKS5 direct (default: Psi+’s own streamhost)',
        tag: 'direct',
        flags: [] as string[],
        summary: /over socks5 \(direct\)/,
      },
      {
        name: 'SOCKS5 through proxy.localhost (--no-direct)',
        tag: 'proxy',
        flags: ['--no-direct'],
        summary: /over socks5 via proxy\.localhost/,
      },
      { name: 'IBB (--method ibb)', tag: 'ibb', flags: ['--method', 'ibb'], summary: /over ibb/ },
    ];
    for (const { name, tag, flags, summary } of cases) {
      it(`${name}: bytes intact, ferry receive --once exits 0`, { timeout: CASE_MS }, () =>
        withScreenshot(`from-psi-${tag}`, async () => {
          const size = tag === 'ibb' ? 300 * 1024 + 13 : 1024 * 1024 + 13;
          const fileName = `from-psi-${tag}.bin`;
          const source = join(files.path, fileName);
          const hash = writeRandomFile(source, size);
          const outDir = join(files.path, `rx-${tag}`);
          const bare = receiver(tag);
          const full = `${bare}/ferry-receive`;
          const run = started([
            'receive',
            ...login(bare),
            ...['--dir', outDir, '--accept-all', '--once', '--resource', 'ferry-receive', ...flags],
          ]);
          await until(
            () => (server.server.sessions.available(bare).some((s) => s.jid.toString() === full) ? true : undefined),
            20_000,
            `ferry receive to log in and be available${evidence(run)}`,
          );
          // Psi+ hears that presence (mutual subscription) a moment later: a chat opened before
          // that addresses the bare JID.
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          const relaysBefore = relaysTo(full);
          await psi.sendFile(bare, source);
          await until(
            () => (/^received /m.test(run.stdout()) ? true : undefined),
            CASE_MS - 25_000,
            `ferry receive to save the file${evidence(run)}`,
          );
          assert.equal(
            await exitWithin(run, 10_000, 'ferry receive --once'),
            0,
            `ferry receive exit code${evidence(run)}`,
          );
          assert.match(run.stdout(), summary, evidence(run));
          assert.equal(await sha256File(join(outDir, fileName)), hash);
          if (tag === 'proxy') await until(() => (relaysTo(full) > relaysBefore ? true : undefined), 5_000, 'a relay');
          else assert.equal(relaysTo(full), relaysBefore, `no relay through proxy.localhost${evidence(run)}`);
        }),
      );
    }
  });
});
