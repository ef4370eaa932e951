// Interop: Ferry's HTTP upload (XEP-0363) and link sharing on a server we did not write — a
// private Prosody 0.12 with mod_http_file_share on HTTPS (self-signed, trusted through the
// connection's caFile) and mod_offline. Alice sends to bare JIDs she has no presence from, so
// every file goes by upload + link message; Bob receives online, Carol at her next login.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import { join } from 'node:path';
import { prosodyUnavailable, startProsody, type ProsodyInstance } from '../helpers/prosody.js';
import { sha256File, tempDir, writeRandomFile } from '../helpers/files.js';
import { connect, type XmppConnection } from '@ferry/client/internal/connection';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { createTransports } from '@ferry/client';
import type { FileOffer } from '@ferry/client/internal/file-offer';
import type { SendRoute } from '@ferry/client/internal/upload/method-choice';
import { xml } from '@ferry/protocol/xml/element';
import { ferry } from '../helpers/cli.js';

const skip = prosodyUnavailable();
const PASSWORD = 'correct horse battery staple';
const WAIT_MS = 30_000;
const LIMIT = 1_000_000;

describe('Ferry client on Prosody 0.12: HTTP upload and links', { skip }, () => {
  let prosody: ProsodyInstance;
  let alice: XmppConnection;
  const files = tempDir('ferry-prosody-upload-');
  const connections: XmppConnection[] = [];
  const managers: FileTransferManager[] = [];

  /** Logs in; `ready` runs before the available presence (which releases offline messages). */
  async function login(username: string, ready?: (connection: XmppConnection) => void): Promise<XmppConnection> {
    const connection = await connect({
      jid: `${username}@${prosody.domain}/ferry`,
      password: PASSWORD,
      host: '127.0.0.1',
      port: prosody.ports.c2s,
      caFile: prosody.https!.certFile,
      timeoutMs: 10_000,
    });
    connections.push(connection);
    ready?.(connection);
    await connection.send(xml('presence'));
    return connection;
  }

  function manager(connection: XmppConnection): FileTransferManager {
    const made = new FileTransferManager(connection, { transports: createTransports({}) });
    managers.push(made);
    return made;
  }

  function nextOffer(receiver: FileTransferManager): Promise<FileOffer> {
    return bounded(new Promise<FileOffer>((resolve) => receiver.once('offer', resolve)), 'the link offer');
  }

  const logged = () => `\n--- prosody log ---\n${prosody.logTail()}`;

  before(async () => {
    prosody = await startProsody({
      users: { alice: PASSWORD, bob: PASSWORD, carol: PASSWORD, dave: PASSWORD },
      httpFileShare: { sizeLimit: LIMIT },
      offline: true,
    });
    alice = await login('alice');
  });
  afterEach(() => {
    for (const m of managers.splice(0)) m.close();
  });
  after(async () => {
    for (const connection of connections) await connection.stop();
    await prosody?.stop();
    files.remove();
  });

  it('finds mod_http_file_share by disco and uploads; the GET URL serves the same bytes', async () => {
    const source = join(files.path, 'upload.bin');
    const hash = writeRandomFile(source, 200_000 + 13);
    const upload = manager(alice).upload(source, { mimeType: 'application/octet-stream' });
    const result = await bounded(upload.done, 'the upload').catch((error: Error) => {
      throw new Error(`${error.message}${logged()}`, { cause: error });
    });
    assert.equal(result.service, prosody.https!.uploadJid);
    assert.equal(result.size, 200_013);
    assert.equal(result.sha256, hash);
    assert.match(result.url, new RegExp(`^https://127\\.0\\.0\\.1:${prosody.ports.https}/`));
    const body = await httpsGet(result.url, readFileSync(prosody.https!.certFile, 'utf8'));
    assert.equal(createHash('sha256').update(body).digest('hex'), hash);
  });

  it('sends a link to an online Ferry client, which downloads and verifies it', async () => {
    const bob = manager(await login('bob'));
    const source = join(files.path, 'for-bob.bin');
    const hash = writeRandomFile(source, 300_000 + 7);
    const offered = nextOffer(bob);
    const transfer = manager(alice).send(`bob@${prosody.domain}`, source, { mimeType: 'application/octet-stream' });
    const routes: SendRoute[] = [];
    transfer.on('route', (route) => routes.push(route));
    const sent = await bounded(transfer.done, 'the upload and link');
    assert.equal(routes[0]?.kind, 'upload', 'no presence from bob: the bare JID gets an upload');
    assert.equal(sent.method, 'upload');
    const offer = await offered;
    assert.equal(offer.method, 'upload');
    assert.equal(offer.from.bare().toString(), `alice@${prosody.domain}`);
    assert.equal(offer.name, 'for-bob.bin');
    assert.equal(offer.size, 300_007);
    assert.equal(offer.sha256, hash);
    assert.equal(offer.mimeType, 'application/octet-stream');
    const target = join(files.path, 'bob-received.bin');
    const received = await bounded(offer.accept({ to: target }), 'the download');
    assert.equal(received.sha256, hash);
    assert.equal(received.url, sent.url);
    assert.equal(await sha256File(target), hash);
  });

  it('an offline recipient gets the link at her next login (mod_offline) and downloads it', async () => {
    const source = join(files.path, 'for-carol.txt');
    const hash = writeRandomFile(source, 4_321);
    const sent = await bounded(manager(alice).send(`carol@${prosody.domain}`, source).done, 'the upload and link');
    let carol!: FileTransferManager;
    let offered!: Promise<FileOffer>;
    await login('carol', (connection) => {
      carol = manager(connection);
      offered = nextOffer(carol);
    });
    const offer = await offered;
    assert.ok(offer.date, 'a stored message carries its XEP-0203 delay stamp');
    assert.equal(offer.name, 'for-carol.txt');
    const target = join(files.path, 'carol-received.txt');
    const received = await bounded(offer.accept({ to: target }), 'the download');
    assert.equal(received.url, sent.url);
    assert.equal(await sha256File(target), hash);
  });

  it('a body + oob message alone (as Conversations sends it) is a link offer; its size comes with the download', async () => {
    const bob = manager(await login('bob'));
    const source = join(files.path, 'IMG_0001.jpg');
    const hash = writeRandomFile(source, 12_345);
    const uploaded = await bounded(manager(alice).upload(source, { mimeType: 'image/jpeg' }).done, 'the upload');
    const offered = nextOffer(bob);
    await alice.send(
      xml(
        'message',
        { to: `bob@${prosody.domain}`, type: 'chat', id: 'conversations-1' },
        xml('body', null, uploaded.url),
        xml('x', { xmlns: 'jabber:x:oob' }, xml('url', null, uploaded.url)),
      ),
    );
    const offer = await offered;
    assert.equal(offer.method, 'link');
    assert.equal(offer.size, undefined);
    assert.equal(offer.name, 'IMG_0001.jpg');
    const target = join(files.path, 'bob-link.jpg');
    await bounded(offer.accept({ to: target }), 'the download');
    assert.equal(offer.size, 12_345);
    assert.equal(await sha256File(target), hash);
  });

  it('CLI: ferry send to an offline bare JID prints the link; ferry receive gets it at login', async () => {
    const cli = (jid: string) => [
      '--jid',
      jid,
      '--host',
      '127.0.0.1',
      '--port',
      String(prosody.ports.c2s),
      '--ca-file',
      prosody.https!.certFile,
    ];
    const source = join(files.path, 'report.pdf');
    const hash = writeRandomFile(source, 54_321);
    const sent = await ferry(['send', `dave@${prosody.domain}`, source, ...cli(`alice@${prosody.domain}`)], {
      FERRY_PASSWORD: PASSWORD,
    });
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stderr, /uploading: dave@localhost has no resource online/);
    assert.match(
      sent.stdout,
      /^uploaded 53\.0 KiB \(sha-256 [0-9a-f]{64}\) and sent dave@localhost the link:\nhttps:\/\/127\.0\.0\.1:/m,
    );
    const dir = join(files.path, 'dave');
    const received = await ferry(
      ['receive', ...cli(`dave@${prosody.domain}`), '--accept-all', '--once', '--dir', dir],
      { FERRY_PASSWORD: PASSWORD },
    );
    assert.equal(received.code, 0, received.stderr);
    assert.match(
      received.stdout,
      /received .*report\.pdf \(53\.0 KiB\) by link \(127\.0\.0\.1:\d+\), sha-256 [0-9a-f]{64} verified/,
    );
    assert.equal(await sha256File(join(dir, 'report.pdf')), hash);
  });

  it('refuses a file over http_file_share_size_limit with the limit, before asking for a slot', async () => {
    const source = join(files.path, 'too-large.bin');
    writeRandomFile(source, LIMIT + 1);
    const upload = manager(alice).upload(source);
    let slots = 0;
    upload.on('slot', () => slots++);
    await assert.rejects(bounded(upload.done, 'the refusal'), {
      code: 'FERRY_ERR_FILE_TOO_LARGE',
      detail: { maxFileSize: LIMIT },
      message: /at most 1000000 bytes/,
    });
    assert.equal(slots, 0);
  });
});

function httpsGet(url: string, ca: string): Promise<Buffer> {
  return bounded(
    new Promise<Buffer>((resolve, reject) => {
      get(url, { ca, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          response.statusCode === 200
            ? resolve(Buffer.concat(chunks))
            : reject(new Error(`HTTP ${response.statusCode}`)),
        );
        response.on('error', reject);
      }).on('error', reject);
    }),
    'the GET',
  );
}

function bounded<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
