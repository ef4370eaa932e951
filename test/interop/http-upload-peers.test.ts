// Interop: XEP-0363 HTTP File Upload with uploaders nobody here wrote, against Ferry's upload
// service (upload.localhost, slots on the HTTPS port) and received by Ferry's own client side:
// - slixmpp (Debian python3-slixmpp 1.8.3) xep_0363, link sent as slixmpp's example and
//   Conversations do (body + jabber:x:oob), received by the client library as an 'offer';
// - go-sendxmpp (Debian 0.5.6) `-h FILE`, received by `ferry receive --accept-all --once`, with
//   the receiver online, and offline (the link waits in Ferry's offline storage).
// Bytes are checked by SHA-256 end to end. The same peers against Prosody 0.12's
// mod_http_file_share (a server we did not write) are the baseline at the end: it proves the peers
// and their COMPAT work-arounds, and pins the stanzas they send.
//
// go-sendxmpp sends exactly this after its PUT (seen on Prosody and by the receiving client), to
// the JID as given, bare here: no XEP-0447, no size, no name, no hash. So a receiver learns the
// name from the URL's last segment and the size from the download:
//   <message type="chat" id="…" to="bob@localhost" xml:lang="en">
//     <body>https://…/NAME</body><x xmlns="jabber:x:oob"><url>https://…/NAME</url></x></message>
// test/interop/peers/http_upload.py (slixmpp) sends the same shape (its own id, `from` its full JID).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.js';
import { sha256File, tempDir, writeRandomFile } from '../helpers/files.js';
import { hasPythonModule, startPythonPeer } from '../helpers/python-peer.js';
import { describeRun, goSendxmppUnavailable, goSendxmppUpload } from '../helpers/go-sendxmpp.js';
import { startFerry } from '../helpers/cli.js';
import { withTimeout } from '../helpers/xmpp-client.js';
import { prosodyUnavailable } from '../helpers/prosody.js';
import { startProsodyWithHttpUpload, type ProsodyUploadInstance } from '../helpers/prosody-http-upload.js';
import { connect, type XmppConnection } from '@ferry/client/internal/connection';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { createIbbTransport, createSocks5Transport } from '@ferry/client';
import type { FileOffer } from '@ferry/client';
import { NS } from '@ferry/protocol/namespaces';
import { xml, type Element } from '@ferry/protocol/xml/element';

const PEER = fileURLToPath(new URL('peers/http_upload.py', import.meta.url));
const CASE_MS = 60_000;
const WAIT_MS = 30_000;
/** Not a multiple of any block or buffer size, so a short or padded file shows. */
const SIZE = 300 * 1024 + 7;

const slixmppUnavailable = (): string | false =>
  hasPythonModule('slixmpp') && hasPythonModule('aiohttp')
    ? false
    : 'python3-slixmpp (with python3-aiohttp) is not installed (apt-get install python3-slixmpp)';

/**
 * Ferry with its upload service: modules.http_upload as the upload-server branch defines it
 * (upload.localhost on the HTTPS port, public URL https://localhost:<https_port>, which the
 * self-signed certificate names). Defaults are meant to be enough; set keys here if not.
 */
const UPLOAD_CONFIG: Record<string, string | number | boolean> = {};

interface SlixmppUpload {
  event: 'uploaded' | 'failed';
  url?: string;
  service?: string;
  size?: number;
  sha256?: string;
  error?: string;
}

/** Runs the slixmpp peer once: it uploads `file`, sends the link to `to`, prints JSON, exits. */
async function slixmppUpload(o: {
  jid: string;
  port: number;
  file: string;
  to: string;
  caFile: string;
}): Promise<SlixmppUpload> {
  const peer = startPythonPeer(PEER, [
    ...['--jid', o.jid, '--password', PASSWORD, '--port', String(o.port)],
    ...['--file', o.file, '--to', o.to, '--cafile', o.caFile, '--timeout', '20', '--lifetime', '50'],
  ]);
  try {
    return JSON.parse(await peer.waitForLine(/^\{/, WAIT_MS)) as SlixmppUpload;
  } finally {
    await peer.stop();
  }
}

/**
 * GET with node:https trusting only `ca` (explicitly: test/helpers/xmpp-client.ts turns
 * NODE_TLS_REJECT_UNAUTHORIZED off for the whole process): status, length and SHA-256 of the body.
 */
function download(url: string, ca: string): Promise<{ status: number; bytes: number; sha256: string }> {
  const request = new Promise<{ status: number; bytes: number; sha256: string }>((resolve, reject) => {
    get(url, { ca: readFileSync(ca), rejectUnauthorized: true }, (response) => {
      const hash = createHash('sha256');
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, bytes, sha256: hash.digest('hex') }));
      response.on('error', reject);
    }).on('error', reject);
  });
  return withTimeout(request, WAIT_MS, `GET ${url}`);
}

/** Logs bob in with the client library and collects every message he gets. */
async function receiver(port: number, resource: string): Promise<{ bob: XmppConnection; messages: Element[] }> {
  const bob = await connect({
    jid: `bob@localhost/${resource}`,
    password: PASSWORD,
    host: '127.0.0.1',
    port,
    insecure: true,
    timeoutMs: 10_000,
  });
  const messages: Element[] = [];
  bob.onMessage((message) => messages.push(message));
  await bob.send(xml('presence'));
  return { bob, messages };
}

async function until<T>(check: () => T | undefined, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The link message both peers send: body = URL, jabber:x:oob url = URL, nothing else in it. */
function assertLinkMessage(message: Element, url: string, to: string): void {
  assert.equal(message.attrs.type, 'chat', message.toString());
  assert.equal(message.attrs.to, to, message.toString());
  assert.equal(message.getChildText('body'), url, message.toString());
  assert.equal(message.getChild('x', NS.OOB)?.getChildText('url'), url, message.toString());
  assert.equal(message.getChild('file-sharing', NS.SFS), undefined, 'no XEP-0447 element');
}

describe('XEP-0363 uploaders → a Ferry server → Ferry receivers', () => {
  let ferry: TestServer;
  let certFile: string;
  const files = tempDir('ferry-upload-interop-');

  before(async () => {
    ferry = await startTestServer(UPLOAD_CONFIG);
    for (const user of ['alice', 'bob', 'sly']) await ferry.addUser(user);
    certFile = join(ferry.dataDir, 'tls', 'localhost.crt');
  });
  after(async () => {
    await ferry?.stop();
    files.remove();
  });

  it(
    "slixmpp's xep_0363 uploads to upload.localhost; the link becomes an offer the client library downloads intact",
    { skip: slixmppUnavailable(), timeout: CASE_MS },
    async () => {
      const source = join(files.path, 'from-slixmpp.bin');
      const hash = writeRandomFile(source, SIZE);
      const target = join(files.path, 'from-slixmpp-received.bin');
      const { bob } = await receiver(ferry.ports.c2s, 'ferry');
      // The library's defaults: the offer, whichever way it came, is the same 'offer' as SI's.
      const manager = new FileTransferManager(bob, { transports: [createSocks5Transport(), createIbbTransport()] });
      try {
        const offered = new Promise<FileOffer>((resolve) => manager.once('offer', resolve));
        const uploaded = await slixmppUpload({
          jid: 'sly@localhost/slix',
          port: ferry.ports.c2s,
          file: source,
          to: 'bob@localhost',
          caFile: certFile,
        });
        assert.equal(uploaded.event, 'uploaded', uploaded.error);
        assert.equal(uploaded.service, 'upload.localhost');
        assert.equal(uploaded.sha256, hash);
        const url = uploaded.url ?? '';
        assert.match(url, /^https:\/\//);
        // The server side alone: the GET URL serves the bytes slixmpp PUT.
        assert.deepEqual(await download(url, certFile), { status: 200, bytes: SIZE, sha256: hash });

        const offer = await withTimeout(offered, WAIT_MS, 'the link as an offer');
        assert.equal(offer.from.toString(), 'sly@localhost/slix');
        assert.equal(offer.name, 'from-slixmpp.bin');
        // The download's trust in Ferry's self-signed certificate is not under test here: the
        // connection is `insecure`, and xmpp-client.ts turns NODE_TLS_REJECT_UNAUTHORIZED off anyway.
        const accepted = offer.accept({ to: target });
        const [result] = await withTimeout(Promise.all([offer.done, accepted]), WAIT_MS, 'the download of the link');
        assert.equal(result.bytes, SIZE);
        assert.equal(await sha256File(target), hash);
      } finally {
        manager.close();
        await bob.stop();
      }
    },
  );

  describe('go-sendxmpp -h FILE → ferry receive --accept-all --once', { skip: goSendxmppUnavailable() }, () => {
    const receive = (tag: string, dir: string) =>
      startFerry([
        'receive',
        ...['--jid', 'bob@localhost', '--host', '127.0.0.1', '--port', String(ferry.ports.c2s), '--insecure'],
        ...['--dir', dir, '--accept-all', '--once', '--resource', tag],
      ]);
    const upload = (file: string) =>
      goSendxmppUpload({
        jid: 'alice@localhost',
        password: PASSWORD,
        host: '127.0.0.1',
        port: ferry.ports.c2s,
        file,
        to: 'bob@localhost',
        caFile: certFile,
      });

    it('receiver online first: the link reaches ferry receive at once', { timeout: CASE_MS }, async () => {
      const source = join(files.path, 'go-online.bin');
      const hash = writeRandomFile(source, SIZE);
      const dir = join(files.path, 'rx-online');
      const rx = receive('online', dir);
      try {
        await withTimeout(rx.printed(/^receiving as /m), WAIT_MS, 'ferry receive logged in');
        const sent = await upload(source);
        assert.equal(sent.code, 0, describeRun(sent));
        const received = await withTimeout(rx.done, WAIT_MS, 'ferry receive --once');
        assert.equal(received.code, 0, `${received.stdout}\n${received.stderr}\n${describeRun(sent)}`);
        assert.equal(await sha256File(join(dir, basename(source))), hash);
      } finally {
        rx.kill('SIGKILL');
      }
    });

    it(
      'receiver offline: ferry receive logs in later and gets the link from offline storage',
      {
        timeout: CASE_MS,
      },
      async () => {
        const source = join(files.path, 'go-offline.bin');
        const hash = writeRandomFile(source, SIZE);
        const dir = join(files.path, 'rx-offline');
        // bob has no session: go-sendxmpp's message to bob@localhost waits in offline storage.
        const sent = await upload(source);
        assert.equal(sent.code, 0, describeRun(sent));
        const rx = receive('later', dir);
        try {
          const received = await withTimeout(rx.done, WAIT_MS, 'ferry receive --once');
          assert.equal(received.code, 0, `${received.stdout}\n${received.stderr}\n${describeRun(sent)}`);
          assert.equal(await sha256File(join(dir, basename(source))), hash);
        } finally {
          rx.kill('SIGKILL');
        }
      },
    );
  });
});

// The baseline: the same peers against Prosody 0.12 mod_http_file_share. The receiver is a bare
// client-library connection that only reads the message (Ferry's link handling is not involved),
// and the file is fetched with node:https trusting Prosody's self-signed certificate.
describe(
  'baseline: the same uploaders against Prosody 0.12 mod_http_file_share',
  { skip: prosodyUnavailable() },
  () => {
    let prosody: ProsodyUploadInstance;
    let bob: XmppConnection;
    let messages: Element[];
    const files = tempDir('ferry-upload-prosody-');

    before(async () => {
      prosody = await startProsodyWithHttpUpload({ users: { alice: PASSWORD, bob: PASSWORD, sly: PASSWORD } });
      ({ bob, messages } = await receiver(prosody.ports.c2s, 'baseline'));
    });
    after(async () => {
      await bob?.stop();
      await prosody?.stop();
      files.remove();
    });

    /** The first message from `from` (a bare JID) carrying a link. */
    const linkFrom = (from: string) =>
      until(
        () => messages.find((m) => String(m.attrs.from).startsWith(`${from}/`) && m.getChild('x', NS.OOB)),
        WAIT_MS,
        `a link message from ${from}`,
      );

    it(
      'slixmpp uploads and sends body + jabber:x:oob; the GET URL serves the bytes',
      {
        skip: slixmppUnavailable(),
        timeout: CASE_MS,
      },
      async () => {
        const source = join(files.path, 'slix.bin');
        const hash = writeRandomFile(source, SIZE);
        const uploaded = await slixmppUpload({
          jid: 'sly@localhost/slix',
          port: prosody.ports.c2s,
          file: source,
          to: 'bob@localhost',
          caFile: prosody.certFile,
        });
        assert.equal(uploaded.event, 'uploaded', `${uploaded.error}\n--- prosody ---\n${prosody.logTail()}`);
        assert.equal(uploaded.service, prosody.uploadJid);
        const url = uploaded.url ?? '';
        assertLinkMessage(await linkFrom('sly@localhost'), url, 'bob@localhost');
        assert.deepEqual(await download(url, prosody.certFile), { status: 200, bytes: SIZE, sha256: hash });
      },
    );

    it(
      'go-sendxmpp -h uploads and sends body + jabber:x:oob; the GET URL serves the bytes',
      {
        skip: goSendxmppUnavailable(),
        timeout: CASE_MS,
      },
      async () => {
        const source = join(files.path, 'go.bin');
        const hash = writeRandomFile(source, SIZE);
        const sent = await goSendxmppUpload({
          jid: 'alice@localhost',
          password: PASSWORD,
          host: '127.0.0.1',
          port: prosody.ports.c2s,
          file: source,
          to: 'bob@localhost',
          caFile: prosody.certFile,
        });
        assert.equal(sent.code, 0, `${describeRun(sent)}\n--- prosody ---\n${prosody.logTail()}`);
        const message = await linkFrom('alice@localhost');
        const url = message.getChildText('body') ?? '';
        assert.match(url, new RegExp(`^https://localhost:${prosody.httpsPort}/file_share/.+/go\\.bin$`));
        assertLinkMessage(message, url, 'bob@localhost');
        assert.deepEqual(await download(url, prosody.certFile), { status: 200, bytes: SIZE, sha256: hash });
      },
    );
  },
);
