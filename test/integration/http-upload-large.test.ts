// A large upload and download through the server in this process, generated and hashed on the
// fly: neither side keeps the file, so the process's memory must stay flat (the PUT streams into
// the blob store, the GET pipes with back-pressure). About 20 s on loopback.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { after, before, it } from 'node:test';
import { NS } from '@ferry/protocol/namespaces';
import { https, iqGet, readSlot } from '../helpers/http-upload-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, xml, type TestClient } from '../helpers/xmpp-client.js';

const MiB = 1024 * 1024;

let ts: TestServer;
let alice: TestClient;

before(async () => {
  ts = await startTestServer({
    'modules.http_upload.max_file_size': 1100 * MiB,
    'modules.http_upload.daily_quota_bytes': 0,
  });
  await ts.addUser('alice');
  alice = await connectClient({ port: ts.ports.c2s, username: 'alice' });
});

after(async () => {
  await alice?.stop();
  await ts?.stop();
});

/** `size` bytes made from one random MiB with a counter stamped in, hashed as they are read. */
function generated(size: number): { stream: Readable; digest: () => string } {
  const block = randomBytes(MiB);
  const hash = createHash('sha256');
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const chunk = Buffer.from(block.subarray(0, Math.min(MiB, size - sent)));
      chunk.writeUInt32BE(sent / MiB, 0);
      sent += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

async function roundTrip(size: number): Promise<void> {
  const slot = readSlot(
    await iqGet(alice, 'upload.localhost', xml('request', { xmlns: NS.HTTP_UPLOAD, filename: 'big.bin', size })),
  );
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  sampler.unref();
  try {
    const body = generated(size);
    const put = await https(slot.putUrl, {
      method: 'PUT',
      headers: { authorization: slot.authorization, 'content-length': size },
      body: body.stream,
    });
    assert.equal(put.status, 201);
    const downloaded = createHash('sha256');
    let received = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        downloaded.update(chunk);
        received += chunk.length;
        callback();
      },
    });
    const get = await https(slot.getUrl, { method: 'GET', sink });
    assert.equal(get.status, 200);
    assert.equal(received, size);
    const expected = body.digest();
    assert.equal(downloaded.digest('hex'), expected);
    assert.equal(get.headers.etag, `"${expected}"`);
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  const growth = (peak - baseline) / MiB;
  assert.ok(growth < 100, `RSS grew by ${growth.toFixed(1)} MiB for a ${size / MiB} MiB upload + download`);
}

it('uploads and downloads 1 GiB intact with the memory flat', { timeout: 600_000 }, () => roundTrip(1024 * MiB));
