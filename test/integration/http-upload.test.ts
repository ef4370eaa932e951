// XEP-0363 on a real server: slot requests over XMPP from an xmpp.js client, PUT and GET over real
// HTTPS on loopback, the errors of both faces, and what the stored bytes look like afterwards.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NS } from '@ferry/protocol/namespaces';
import type { Element } from '@ferry/protocol/xml/element';
import type { UploadServedRecord, UploadStoredRecord } from '../../src/server/modules/http-upload/index.js';
import { signSlot, type SlotClaims } from '../../src/server/modules/http-upload/slot-token.js';
import { https, iqGet, readSlot, sha256 } from '../helpers/http-upload-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, withTimeout, xml, type TestClient } from '../helpers/xmpp-client.js';

const UPLOAD = 'upload.localhost';
const MAX = 100_000;

let ts: TestServer;
let alice: TestClient;
let carol: TestClient;
const stored: UploadStoredRecord[] = [];
const served: UploadServedRecord[] = [];

function request(filename: string, size: number, contentType?: string, purpose?: Element): Element {
  return xml('request', { xmlns: NS.HTTP_UPLOAD, filename, size, 'content-type': contentType }, purpose);
}

async function slotFor(client: TestClient, filename: string, size: number, contentType?: string) {
  return readSlot(await iqGet(client, UPLOAD, request(filename, size, contentType)));
}

function put(
  slot: { putUrl: string; authorization: string },
  body: Buffer,
  headers: Record<string, string | number> = {},
) {
  return https(slot.putUrl, {
    method: 'PUT',
    headers: { authorization: slot.authorization, 'content-length': body.length, ...headers },
    body,
  });
}

/** The <error/> of an error reply, as XML text without its whitespace. */
function errorXml(reply: Element): string {
  assert.equal(reply.attrs.type, 'error', reply.toString());
  return reply.getChild('error')!.toString();
}

function uploadsOnDisk(): string[] {
  try {
    return readdirSync(join(ts.dataDir, 'uploads'));
  } catch {
    return [];
  }
}

before(async () => {
  ts = await startTestServer({
    'modules.http_upload.max_file_size': MAX,
    'modules.http_upload.daily_quota_bytes': 250_000,
    'modules.http_upload.forbidden_types': 'text/html, image/svg+xml',
  });
  ts.server.events.on('http-upload-stored', (record) => void stored.push(record));
  ts.server.events.on('http-upload-served', (record) => void served.push(record));
  await ts.addUser('alice');
  await ts.addUser('carol');
  alice = await connectClient({ port: ts.ports.c2s, username: 'alice' });
  carol = await connectClient({ port: ts.ports.c2s, username: 'carol' });
});

after(async () => {
  await alice?.stop();
  await carol?.stop();
  await ts?.stop();
});

describe('discovery (XEP-0363 §3)', () => {
  it('lists upload.localhost in the server disco#items', async () => {
    const reply = await iqGet(alice, 'localhost', xml('query', { xmlns: NS.DISCO_ITEMS }));
    const items = reply
      .getChild('query')!
      .getChildren('item')
      .map((item) => item.attrs);
    assert.ok(
      items.some((item) => item.jid === UPLOAD && item.name === 'HTTP File Upload'),
      JSON.stringify(items),
    );
  });

  it('answers disco#info with store/file, the feature, purposes and max-file-size in a form', async () => {
    const query = (await iqGet(alice, UPLOAD, xml('query', { xmlns: NS.DISCO_INFO }))).getChild('query')!;
    assert.deepEqual(query.getChild('identity')!.attrs, { category: 'store', type: 'file', name: 'HTTP File Upload' });
    const features = query.getChildren('feature').map((feature) => feature.attrs.var);
    assert.ok(features.includes(NS.HTTP_UPLOAD));
    assert.ok(features.includes('urn:xmpp:http:upload:purpose:0#ephemeral'));
    // Files expire after 7 days and permanent is not configured: not offered.
    assert.ok(!features.includes('urn:xmpp:http:upload:purpose:0#permanent'));
    const form = query.getChild('x', NS.DATA_FORMS)!;
    const fields = Object.fromEntries(
      form.getChildren('field').map((field) => [field.attrs.var, field.getChildText('value')]),
    );
    assert.deepEqual(fields, { FORM_TYPE: NS.HTTP_UPLOAD, 'max-file-size': String(MAX) });
  });
});

describe('slot → PUT → GET', () => {
  const body = randomBytes(40_000);
  let slot: Awaited<ReturnType<typeof slotFor>>;

  it('hands out a PUT and GET URL on the HTTPS port, with the name as last segment', async () => {
    slot = await slotFor(alice, 'très cool.jpg', body.length, 'image/jpeg');
    const url = new URL(slot.getUrl);
    assert.equal(url.protocol, 'https:');
    assert.equal(url.port, String(ts.ports.https));
    const [, prefix, id, name] = url.pathname.split('/');
    assert.equal(prefix, 'upload');
    assert.match(id!, /^[A-Za-z0-9_-]{22,}$/); // ≥ 128 random bits
    assert.equal(name, 'tr%C3%A8s%20cool.jpg');
    assert.equal(slot.putUrl, slot.getUrl);
    assert.match(slot.authorization, /^Bearer \S+$/);
  });

  it('stores the PUT (201), and GET returns the same bytes', async () => {
    const answer = await put(slot, body, { 'content-type': 'image/jpeg' });
    assert.equal(answer.status, 201);
    assert.equal(answer.headers['access-control-allow-origin'], '*');
    const got = await https(slot.getUrl, { method: 'GET' });
    assert.equal(got.status, 200);
    assert.equal(sha256(got.body), sha256(body));
    const record = stored.find((entry) => slot.getUrl.includes(entry.id));
    assert.equal(record?.owner, 'alice');
    assert.equal(record?.bytes, body.length);
    assert.equal(record?.name, 'très cool.jpg');
  });

  it('HEAD gives the headers without a body', async () => {
    const head = await https(slot.getUrl, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers['content-length'], String(body.length));
    assert.equal(head.headers['content-type'], 'image/jpeg');
    assert.equal(head.headers['accept-ranges'], 'bytes');
    assert.equal(head.headers.etag, `"${sha256(body)}"`);
    assert.ok(!Number.isNaN(Date.parse(head.headers['last-modified']!)));
    assert.equal(
      head.headers['content-disposition'],
      `inline; filename="tr_s cool.jpg"; filename*=UTF-8''tr%C3%A8s%20cool.jpg`,
    );
    assert.equal(head.headers['x-content-type-options'], 'nosniff');
    assert.match(String(head.headers['content-security-policy']), /default-src 'none'.*sandbox/);
  });

  it('resumes with a Range (206 and the right bytes); 416 beyond the end; 200 for several ranges', async () => {
    const partial = await https(slot.getUrl, { method: 'GET', headers: { range: 'bytes=30000-' } });
    assert.equal(partial.status, 206);
    assert.equal(partial.headers['content-range'], `bytes 30000-39999/${body.length}`);
    assert.deepEqual(partial.body, body.subarray(30_000));
    const suffix = await https(slot.getUrl, { method: 'GET', headers: { range: 'bytes=-500' } });
    assert.deepEqual(suffix.body, body.subarray(-500));
    const beyond = await https(slot.getUrl, { method: 'GET', headers: { range: 'bytes=50000-' } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers['content-range'], `bytes */${body.length}`);
    const several = await https(slot.getUrl, { method: 'GET', headers: { range: 'bytes=0-1,5-6' } });
    assert.equal(several.status, 200);
    assert.equal(several.body.length, body.length);
    const range = served.find((entry) => entry.range?.start === 30_000);
    assert.equal(range?.bytes, 10_000);
    assert.equal(range?.isComplete, true);
  });

  it('answers If-None-Match with 304', async () => {
    const answer = await https(slot.getUrl, { method: 'GET', headers: { 'if-none-match': `"${sha256(body)}"` } });
    assert.equal(answer.status, 304);
  });

  it('refuses a second PUT to the same slot with 409 and keeps the first file', async () => {
    const again = await put(slot, randomBytes(body.length), { 'content-type': 'image/jpeg' });
    assert.equal(again.status, 409);
    assert.equal(sha256((await https(slot.getUrl, { method: 'GET' })).body), sha256(body));
  });

  it('answers the CORS preflight', async () => {
    const answer = await https(slot.putUrl, {
      method: 'OPTIONS',
      headers: { origin: 'https://web.example', 'access-control-request-method': 'PUT' },
    });
    assert.equal(answer.status, 204);
    assert.equal(answer.headers['access-control-allow-origin'], '*');
    assert.match(String(answer.headers['access-control-allow-methods']), /PUT/);
    assert.equal(answer.headers['access-control-allow-headers'], 'Authorization, Content-Type');
  });

  it('serves HTML as an attachment, never inline', async () => {
    // text/html is forbidden here, but a slot without a type gets the PUT's octet-stream.
    const page = Buffer.from('<script>alert(1)</script>');
    const htmlSlot = await slotFor(alice, 'page.html', page.length);
    assert.equal((await put(htmlSlot, page)).status, 201);
    const got = await https(htmlSlot.getUrl, { method: 'GET' });
    assert.equal(got.headers['content-type'], 'application/octet-stream');
    assert.match(got.headers['content-disposition']!, /^attachment;/);
  });

  it('answers 404 for an unknown id', async () => {
    const unknown = slot.getUrl.replace(/\/upload\/[^/]+\//, '/upload/AAAAAAAAAAAAAAAAAAAAAA/');
    assert.equal((await https(unknown, { method: 'GET' })).status, 404);
  });
});

describe('refusals over HTTP', () => {
  it('403 for a forged, a tampered or an expired token', async () => {
    const body = Buffer.from('hello');
    const slot = await slotFor(alice, 'a.txt', body.length);
    const [payload, mac] = slot.authorization.slice('Bearer '.length).split('.');
    const forged = { ...slot, authorization: `Bearer ${payload}.${Buffer.alloc(32).toString('base64url')}` };
    assert.equal((await put(forged, body)).status, 403);
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as SlotClaims;
    const tampered = Buffer.from(JSON.stringify({ ...claims, owner: 'carol' })).toString('base64url');
    assert.equal((await put({ ...slot, authorization: `Bearer ${tampered}.${mac}` }, body)).status, 403);
    // Signed with the server's own key, but already expired.
    const key = readFileSync(join(ts.dataDir, 'http_upload.key'));
    const expired = signSlot(key, { ...claims, expires: Date.now() - 1 });
    const answer = await put({ ...slot, authorization: `Bearer ${expired}` }, body);
    assert.equal(answer.status, 403);
    assert.equal(answer.body.toString(), 'invalid or expired upload slot\n');
    assert.equal((await put({ ...slot, authorization: '' }, body)).status, 403);
    // The genuine token still works.
    assert.equal((await put(slot, body)).status, 201);
  });

  it('400 for a Content-Type other than the slot named', async () => {
    const body = Buffer.from('png?');
    const slot = await slotFor(alice, 'a.png', body.length, 'image/png');
    assert.equal((await put(slot, body, { 'content-type': 'text/plain' })).status, 400);
    assert.equal((await put(slot, body, { 'content-type': 'image/png' })).status, 201);
  });

  it('400 for a smaller Content-Length than the slot, 413 for a larger one', async () => {
    const slot = await slotFor(alice, 'b.bin', 1000);
    assert.equal((await put(slot, randomBytes(999))).status, 400);
    assert.equal((await put(slot, randomBytes(1001))).status, 413);
  });

  it('411 without Content-Length (chunked)', async () => {
    const slot = await slotFor(alice, 'c.bin', 10);
    const answer = await new Promise<number>((resolve, reject) => {
      const target = new URL(slot.putUrl);
      target.hostname = '127.0.0.1';
      const req = httpsRequest(target, {
        method: 'PUT',
        headers: { authorization: slot.authorization, 'transfer-encoding': 'chunked' },
        rejectUnauthorized: false,
        agent: false,
      });
      req.on('error', reject);
      req.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      req.end(randomBytes(10));
    });
    assert.equal(answer, 411);
  });

  it('403 on plain HTTP: the slot must not travel in clear', async () => {
    const slot = await slotFor(alice, 'd.bin', 1);
    const plain = slot.putUrl.replace('https:', 'http:').replace(`:${ts.ports.https}`, `:${ts.ports.http}`);
    const { request: httpRequest } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(plain.replace('localhost', '127.0.0.1'), { method: 'GET' }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 403);
  });

  it('an aborted PUT leaves nothing: no blob, no record, and the slot can be used again', async () => {
    const size = 60_000;
    const slot = await slotFor(alice, 'aborted.bin', size);
    const before = uploadsOnDisk().length;
    await new Promise<void>((resolve) => {
      const target = new URL(slot.putUrl);
      target.hostname = '127.0.0.1';
      const req = httpsRequest(target, {
        method: 'PUT',
        headers: { authorization: slot.authorization, 'content-length': size },
        rejectUnauthorized: false,
        agent: false,
      });
      req.on('error', () => resolve());
      req.write(randomBytes(20_000), () => {
        req.destroy();
        resolve();
      });
    });
    // Wait (bounded) until the server has thrown its temp file away.
    await withTimeout(
      (async () => {
        while (uploadsOnDisk().length !== before) await new Promise((resolve) => setTimeout(resolve, 20));
      })(),
      5_000,
      'the temp file of the aborted PUT to go',
    );
    assert.equal((await https(slot.getUrl, { method: 'GET' })).status, 404);
    assert.equal((await put(slot, randomBytes(size))).status, 201);
  });
});

describe('refusals over XMPP (XEP-0363 §5)', () => {
  it('file-too-large with max-file-size', async () => {
    const reply = await iqGet(alice, UPLOAD, request('big.bin', MAX + 1));
    assert.equal(
      errorXml(reply),
      '<error type="modify"><not-acceptable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>' +
        `<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">File too large. The maximum file size is ${MAX} bytes</text>` +
        `<file-too-large xmlns="urn:xmpp:http:upload:0"><max-file-size>${MAX}</max-file-size></file-too-large></error>`,
    );
  });

  it('not-acceptable for a forbidden type', async () => {
    const reply = await iqGet(alice, UPLOAD, request('x.svg', 10, 'image/svg+xml'));
    assert.equal(
      errorXml(reply),
      '<error type="modify"><not-acceptable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>' +
        '<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">Files of type image/svg+xml are not accepted here</text></error>',
    );
  });

  it('not-acceptable for a permanent purpose this server does not keep', async () => {
    const reply = await iqGet(
      alice,
      UPLOAD,
      request('p.jpg', 10, 'image/jpeg', xml('permanent', { xmlns: NS.HTTP_UPLOAD_PURPOSE })),
    );
    assert.match(errorXml(reply), /^<error type="modify"><not-acceptable .*keeps files for 7 days/);
  });

  it('bad-request for a file name that is a path', async () => {
    const reply = await iqGet(alice, UPLOAD, request('../../etc/passwd', 10));
    assert.match(errorXml(reply), /^<error type="modify"><bad-request /);
  });

  it('daily quota: resource-constraint (wait) with <retry stamp/> when an upload ages out', async () => {
    const uploadsBefore = Date.now();
    for (let i = 0; i < 2; i += 1) {
      const slot = await slotFor(carol, `q${i}.bin`, MAX);
      assert.equal((await put(slot, randomBytes(MAX))).status, 201);
    }
    const reply = await iqGet(carol, UPLOAD, request('q2.bin', MAX));
    const error = reply.getChild('error')!;
    assert.equal(error.attrs.type, 'wait');
    assert.ok(error.getChild('resource-constraint', 'urn:ietf:params:xml:ns:xmpp-stanzas'));
    const retry = error.getChild('retry', NS.HTTP_UPLOAD)!;
    assert.match(retry.attrs.stamp as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // The first upload turns 24 hours old then.
    const stamp = Date.parse(retry.attrs.stamp as string);
    assert.ok(stamp >= uploadsBefore + 86_400_000 - 1000 && stamp <= Date.now() + 86_400_000, retry.toString());
    // Alice's quota is her own.
    assert.equal((await iqGet(alice, UPLOAD, request('a.bin', MAX))).attrs.type, 'result');
  });
});
