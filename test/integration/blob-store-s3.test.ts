// The S3 BlobStore against a real S3-compatible server: s3rver, in-process on 127.0.0.1:0 with its
// buckets in a temp directory. The shared conformance cases first, then what only S3 has:
// prefixes, conditional writes, and errors an operator must be able to read.
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  createS3BlobStore,
  S3BlobStoreError,
  type S3BlobStoreOptions,
} from '../../src/server/modules/http-upload/blob-store/s3.js';
import { describeBlobStore } from '../helpers/blob-store-conformance.js';
import { localS3 } from '../helpers/s3rver.js';

const BUCKET = 'ferry-uploads';
const SECRET = 'S3RVER';
/** S3's smallest part: the multipart path runs from 5 MiB on, as it would against AWS. */
const PART_SIZE = 5 * 1024 * 1024;

const s3 = localS3([BUCKET]);
let endpoint = '';
/** What reached the server, for the cases about headers. */
const requests: { method: string; url: string; ifNoneMatch: string | undefined }[] = [];

before(async () => {
  await s3.start();
  endpoint = s3.endpoint();
  s3.s3rver.httpServer.prependListener('request', (request: IncomingMessage) => {
    requests.push({
      method: request.method ?? '',
      url: request.url ?? '',
      ifNoneMatch: request.headers['if-none-match'],
    });
  });
});

after(() => s3.stop());

function options(overrides: Partial<S3BlobStoreOptions> = {}): S3BlobStoreOptions {
  return {
    endpoint,
    region: 'us-east-1',
    bucket: BUCKET,
    accessKeyId: 'S3RVER',
    secretAccessKey: SECRET,
    requestTimeoutMs: 10_000,
    ...overrides,
  };
}

let caseNumber = 0;
// Each case gets its own prefix in the one bucket: a fresh, empty store without a new server.
describeBlobStore('s3 (s3rver)', async () =>
  createS3BlobStore(options({ prefix: `case-${++caseNumber}/` }), { partSize: PART_SIZE }),
);

describe('S3 blob store', () => {
  it('maps key k to the object `${prefix}k` and lists only its prefix', async () => {
    const inner = createS3BlobStore(options({ prefix: 'tenant-a/' }));
    const whole = createS3BlobStore(options({ prefix: 'prefix-test-' }));
    try {
      await inner.put('x/y', Readable.from([Buffer.from('hello')]), 5);
      await whole.put('z', Readable.from([Buffer.from('world')]), 5);
      const bare = createS3BlobStore(options());
      try {
        assert.deepEqual(await bare.stat('tenant-a/x/y'), { size: 5 });
        assert.deepEqual(await bare.stat('prefix-test-z'), { size: 5 });
      } finally {
        await bare.close();
      }
      assert.deepEqual(await collect(inner.keys()), ['x/y']);
      assert.deepEqual(await collect(whole.keys()), ['z']);
    } finally {
      await inner.close();
      await whole.close();
    }
  });

  it('sends If-None-Match: * on the request that makes an object visible', async () => {
    const store = createS3BlobStore(options({ prefix: 'conditional/' }), { partSize: PART_SIZE });
    try {
      requests.length = 0;
      await store.put('small', Readable.from([Buffer.alloc(10)]), 10);
      await store.put('large', Readable.from([Buffer.alloc(PART_SIZE + 1)]), PART_SIZE + 1);
      const put = requests.find((r) => r.method === 'PUT' && r.url.startsWith(`/${BUCKET}/conditional/small`));
      assert.equal(put?.ifNoneMatch, '*');
      const complete = requests.find(
        (r) => r.method === 'POST' && r.url.startsWith(`/${BUCKET}/conditional/large?uploadId`),
      );
      assert.equal(complete?.ifNoneMatch, '*');
      const parts = requests.filter((r) => r.method === 'PUT' && r.url.includes('partNumber='));
      assert.equal(parts.length, 2);
    } finally {
      await store.close();
    }
  });

  it('describes itself without its secret', async () => {
    const store = createS3BlobStore(options({ prefix: 'p/' }));
    assert.equal(store.description, `s3 bucket ${BUCKET} under p/ at ${endpoint}`);
    assert.ok(!store.description.includes(SECRET.toLowerCase()));
    await store.close();
  });

  it('says the bucket is missing, on every operation', async () => {
    const store = createS3BlobStore(options({ bucket: 'no-such-bucket' }));
    try {
      const missing = (error: unknown): boolean =>
        error instanceof S3BlobStoreError &&
        error.code === 'FERRY_ERR_BLOB_STORE' &&
        /no-such-bucket/.test(error.message) &&
        /bucket does not exist/.test(error.message);
      await assert.rejects(store.stat('k'), missing);
      await assert.rejects(store.get('k'), missing);
      await assert.rejects(store.delete('k'), missing);
      await assert.rejects(store.put('k', Readable.from([Buffer.from('x')]), 1), missing);
      await assert.rejects(collect(store.keys()), missing);
    } finally {
      await store.close();
    }
  });

  it('says the credentials were refused', async () => {
    const store = createS3BlobStore(options({ accessKeyId: 'WRONG', secretAccessKey: 'WRONG' }));
    try {
      await assert.rejects(store.stat('k'), (error: unknown) => {
        assert.ok(error instanceof S3BlobStoreError);
        assert.match(error.message, /credentials were refused|access denied/);
        return true;
      });
      await assert.rejects(store.put('k', Readable.from([Buffer.from('x')]), 1), /credentials were refused|denied/);
    } finally {
      await store.close();
    }
  });

  it('says the endpoint cannot be reached', async () => {
    const closed = await listenAndClose();
    const store = createS3BlobStore(options({ endpoint: `http://127.0.0.1:${closed}`, requestTimeoutMs: 2_000 }));
    try {
      await assert.rejects(store.stat('k'), /cannot reach the endpoint \(ECONNREFUSED\)/);
    } finally {
      await store.close();
    }
  });

  it('gives up on an endpoint that accepts and never answers, within the request timeout', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const store = createS3BlobStore(options({ endpoint: `http://127.0.0.1:${port}`, requestTimeoutMs: 300 }));
    const started = Date.now();
    try {
      await assert.rejects(store.stat('k'), (error: unknown) => {
        assert.ok(error instanceof S3BlobStoreError, String(error));
        assert.match(error.message, /did not answer in time/);
        return true;
      });
      // Three attempts (the SDK's retries) of 300 ms each, plus back-off: far below the test timeout.
      assert.ok(Date.now() - started < 8_000, `took ${Date.now() - started} ms`);
    } finally {
      await store.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  // s3rver cannot page (its continuation tokens use DES, which OpenSSL 3 refuses): a scripted
  // ListObjectsV2 endpoint shows keys() follows NextContinuationToken and strips the prefix.
  it('pages through ListObjectsV2 and yields only blob keys, without the prefix', async () => {
    const pages: Record<string, { keys: string[]; next?: string }> = {
      '': { keys: ['p/a', 'p/b'], next: 'token-1' },
      'token-1': { keys: ['p/c/d', 'p/not a blob key'], next: 'token-2' },
      'token-2': { keys: ['p/e'] },
    };
    const asked: string[] = [];
    const scripted = createHttpServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://x');
      asked.push(
        `${url.searchParams.get('prefix')} ${url.searchParams.get('max-keys')} ${url.searchParams.get('continuation-token') ?? ''}`,
      );
      const page = pages[url.searchParams.get('continuation-token') ?? ''];
      response.setHeader('content-type', 'application/xml');
      response.end(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
          `<Name>${BUCKET}</Name><Prefix>p/</Prefix><MaxKeys>2</MaxKeys><IsTruncated>${page?.next !== undefined}</IsTruncated>` +
          (page?.keys ?? []).map((key) => `<Contents><Key>${key}</Key><Size>1</Size></Contents>`).join('') +
          (page?.next ? `<NextContinuationToken>${page.next}</NextContinuationToken>` : '') +
          `</ListBucketResult>`,
      );
    });
    await new Promise<void>((resolve) => scripted.listen(0, '127.0.0.1', resolve));
    const { port } = scripted.address() as { port: number };
    const store = createS3BlobStore(options({ endpoint: `http://127.0.0.1:${port}`, prefix: 'p/' }), {
      listPageSize: 2,
    });
    try {
      assert.deepEqual(await collect(store.keys()), ['a', 'b', 'c/d', 'e']);
      assert.deepEqual(asked, ['p/ 2 ', 'p/ 2 token-1', 'p/ 2 token-2']);
    } finally {
      await store.close();
      await new Promise((resolve) => scripted.close(resolve));
    }
  });

  it('refuses keys that are not blob keys', async () => {
    const store = createS3BlobStore(options());
    try {
      await assert.rejects(store.stat('../escape'), TypeError);
      await assert.rejects(store.get('a//b'), TypeError);
    } finally {
      await store.close();
    }
  });
});

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const key of keys) all.push(key);
  return all.sort();
}

/** A port nothing listens on (it did, a moment ago). */
async function listenAndClose(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
