// Interop: the `ferry` CLI against a real Pidgin 2.14 (libpurple, Debian 12) over a Ferry server.
// Pidgin runs once for the whole file, on its own Xvfb display and private D-Bus session bus,
// with a pre-seeded config (test/helpers/pidgin.ts): no dialog is clicked. It is driven through
// libpurple's D-Bus API (ServSendFile), and accepts offers with its bundled Autoaccept plugin.
// Every case is bounded; bytes are checked by SHA-256 and the ferry command's exit code must be 0
// (`ferry send`, or `ferry receive --once`, whose flags choose the path Pidgin's file takes).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.js';
import { sha256File, tempDir, writeRandomFile } from '../helpers/files.js';
import { pidginUnavailable, startPidgin, type PidginInstance } from '../helpers/pidgin.js';
import { exitWithin, ferry, stop, until, type Run } from '../helpers/cli-process.js';

const CASE_MS = 60_000;
const PIDGIN_JID = 'alice@localhost/pidgin';
/**
 * One receiving account per case. COMPAT: libpurple's jabber_can_receive_file() lets ServSendFile
 * through for a bare JID it has no buddy for, but after one transfer it keeps a buddy with no
 * resources (it never sees the presence of a JID outside its roster) and then silently drops
 * every later ServSendFile to that bare JID: no offer, no log line.
 */
const receiveJid = (tag: string) => `rx-${tag}@localhost/ferry-receive`;
const RECEIVE_TAGS = ['direct', 'proxy', 'ibb'];

describe('Pidgin 2.14 (libpurple) ⇄ the ferry CLI over a Ferry server', { skip: pidginUnavailable() }, () => {
  let server: TestServer;
  let pidgin: PidginInstance;
  const files = tempDir('ferry-pidgin-ft-');
  const runs: Run[] = [];
  const relayed = new Set<string>();
  /** The target of each relay, in order: the receiver's cases look for their receiveJid(). */
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
  /** Pidgin's and the CLI's view, appended to a failure. */
  const evidence = (run?: Run) =>
    `\n--- ferry stdout ---\n${run?.stdout() ?? ''}\n--- ferry stderr ---\n${run?.stderr() ?? ''}` +
    `\n--- pidgin -d (tail) ---\n${pidgin.logTail(8_000)}`;

  before(async () => {
    server = await startTestServer();
    for (const user of ['alice', 'tx', ...RECEIVE_TAGS.map((tag) => `rx-${tag}`)]) await server.addUser(user);
    stopListening = server.server.events.on('proxy65-relay', (record) => {
      relayed.add(record.sid);
      relayedTo.push(record.target);
    });
    const certificatePem = readFileSync(join(server.dataDir, 'tls', 'localhost.crt'), 'utf8');
    pidgin = await startPidgin({ jid: PIDGIN_JID, password: PASSWORD, c2sPort: server.ports.c2s, certificatePem });
  });
  after(async () => {
    for (const run of runs) await stop(run);
    await pidgin?.stop();
    stopListening?.();
    await server?.stop();
    files.remove();
  });

  describe('ferry send → Pidgin (Autoaccept)', () => {
    const cases = [
      { name: 'SOCKS5 direct (Ferry offers its own streamhost)', tag: 'direct', flags: ['--method', 'socks5'] },
      {
        name: 'SOCKS5 through proxy.localhost (--no-direct)',
        tag: 'proxy',
        flags: ['--method', 'socks5', '--no-direct'],
      },
      { name: 'IBB (--method ibb; libpurple never answers the <close/>)', tag: 'ibb', flags: ['--method', 'ibb'] },
    ];
    for (const { name, tag, flags } of cases) {
      it(`${name}: bytes intact, exit code 0`, { timeout: CASE_MS }, async () => {
        const size = tag === 'ibb' ? 300 * 1024 + 7 : 2 * 1024 * 1024 + 7;
        const fileName = `to-pidgin-${tag}.bin`;
        const source = join(files.path, fileName);
        const hash = writeRandomFile(source, size);
        const relaysBefore = relayed.size;
        const run = started(['send', ...login('tx@localhost'), ...flags, '--timeout', '30', PIDGIN_JID, source]);
        const code = await exitWithin(run, CASE_MS - 10_000, 'ferry send');
        const target = join(pidgin.receiveDir, fileName);
        const saved = () => (existsSync(target) ? statSync(target).size : 'no file');
        assert.equal(code, 0, `ferry send exit code (Pidgin saved ${saved()} of ${size} bytes)${evidence(run)}`);
        assert.match(run.stdout(), new RegExp(`over ${tag === 'ibb' ? 'ibb' : 'socks5'}`));
        // Pidgin writes the last bytes and closes the file once its side saw the end.
        await until(
          () => (existsSync(target) && statSync(target).size === size ? true : undefined),
          10_000,
          `${target} (${size} bytes)${evidence(run)}`,
        );
        assert.equal(await sha256File(target), hash);
        if (tag === 'proxy') {
          await until(() => (relayed.size > relaysBefore ? true : undefined), 5_000, 'a relay by proxy.localhost');
        }
        if (tag === 'direct') assert.equal(relayed.size, relaysBefore, 'no relay through proxy.localhost');
      });
    }
  });

  describe('Pidgin → ferry receive', () => {
    // Pidgin offers SOCKS5 and IBB and, for SOCKS5, its own address first, then the proxies it
    // knows (ft_proxies = proxy.localhost); the receiver's flags pick the path.
    const cases = [
      { name: 'SOCKS5 direct (default: Pidgin’s own streamhost)', tag: 'direct', flags: [] as string[] },
      { name: 'SOCKS5 through proxy.localhost (--no-direct)', tag: 'proxy', flags: ['--no-direct'] },
      { name: 'IBB (--method ibb)', tag: 'ibb', flags: ['--method', 'ibb'] },
    ];
    for (const { name, tag, flags } of cases) {
      it(`${name}: bytes intact, ferry receive --once exits 0`, { timeout: CASE_MS }, async () => {
        const size = tag === 'ibb' ? 300 * 1024 + 13 : 1024 * 1024 + 13;
        const fileName = `from-pidgin-${tag}.bin`;
        const source = join(files.path, fileName);
        const hash = writeRandomFile(source, size);
        const outDir = join(files.path, `rx-${tag}`);
        const run = started([
          'receive',
          ...login(`rx-${tag}@localhost`),
          ...['--dir', outDir, '--accept-all', '--once', '--resource', 'ferry-receive', ...flags],
        ]);
        await until(
          () => (/receiving as /.test(run.stdout()) ? true : undefined),
          20_000,
          `ferry receive to log in${evidence(run)}`,
        );
        const receiverJid = receiveJid(tag);
        const relaysBefore = relayedTo.filter((target) => target === receiverJid).length;
        const logBefore = pidgin.logLength();
        const sentAt = Date.now();
        await pidgin.sendFile(receiverJid, source);
        // Pidgin asks the target's disco#info first (as libpurple does before any file offer) and sends only
        // to a JID whose answer lists the SI file-transfer profile.
        const pidginLog = () => pidgin.logSince(logBefore);
        const outcome = await until(
          () => {
            if (/^received /m.test(run.stdout())) return 'received';
            const log = pidginLog();
            if (/user does not support file transfers/.test(log)) return 'refused';
            const asked = log.includes(`to='${receiverJid}'><query xmlns='http://jabber.org/protocol/disco#info'/>`);
            const offered = log.includes(`to='${receiverJid}'><si xmlns='http://jabber.org/protocol/si'`);
            if (asked && !offered && Date.now() - sentAt > 10_000) return 'disco unanswered';
            return undefined;
          },
          CASE_MS - 25_000,
          `ferry receive to save the file${evidence(run)}`,
        );
        if (outcome !== 'received') {
          const why =
            outcome === 'refused'
              ? 'Pidgin refused: "user does not support file transfers" (it found no SI in our disco#info)'
              : `Pidgin's disco#info query to ${receiverJid} got no answer within 10 s, so it never offered`;
          assert.fail(`${why}${evidence(run)}`);
        }
        assert.equal(
          await exitWithin(run, 10_000, 'ferry receive --once'),
          0,
          `ferry receive exit code${evidence(run)}`,
        );
        assert.match(run.stdout(), new RegExp(`over ${tag === 'ibb' ? 'ibb' : 'socks5'}`));
        assert.equal(await sha256File(join(outDir, fileName)), hash);
        const relays = () => relayedTo.filter((target) => target === receiverJid).length - relaysBefore;
        if (tag === 'proxy') await until(() => (relays() > 0 ? true : undefined), 5_000, 'a relay by proxy.localhost');
        else assert.equal(relays(), 0, `no relay through proxy.localhost${evidence(run)}`);
      });
    }
  });
});
