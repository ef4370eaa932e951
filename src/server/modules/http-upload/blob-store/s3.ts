// The S3 BlobStore: uploads live in a bucket of any S3-compatible provider (AWS, MinIO, Garage,
// Ceph RGW). Key `k` is the object `${prefix}k`. How a put stays atomic: s3-put.ts.
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { fitToRange } from './range-fit.js';
import { putObject } from './s3-put.js';
import { isMissingBucket, isNotFound, S3BlobStoreError } from './s3-errors.js';
import { BlobExistsError, isValidBlobKey, type BlobStore, type ByteRange } from './types.js';

export { S3BlobStoreError } from './s3-errors.js';

export interface S3BlobStoreOptions {
  /** The provider's URL, e.g. `http://127.0.0.1:9000`; omitted for AWS itself. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key`; most self-hosted providers need it. */
  forcePathStyle?: boolean;
  /** Prepended to every key: lets Ferry share a bucket. Include the trailing '/' if you want one. */
  prefix?: string;
  /** Connecting, waiting for an answer, and any silence while bytes flow, each bounded by this. */
  requestTimeoutMs?: number;
}

/** Knobs for tests and tuning, not configuration. */
export interface S3BlobStoreTuning {
  /** Bytes held per part; at least 5 MiB for real providers (S3's minimum part size). */
  partSize?: number;
  /** Keys asked per ListObjectsV2 page. */
  listPageSize?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

export function createS3BlobStore(options: S3BlobStoreOptions, tuning: S3BlobStoreTuning = {}): BlobStore {
  const { bucket, prefix = '' } = options;
  if (!bucket) throw new TypeError('s3 blob store: bucket is required');
  if (!options.region) throw new TypeError('s3 blob store: region is required');
  const partSize = tuning.partSize ?? DEFAULT_PART_SIZE;
  const client = createClient(options);
  const objectName = (key: string): string => {
    // Programmer error: keys come from the upload module, which only makes valid ones.
    if (!isValidBlobKey(key)) throw new TypeError(`invalid blob key ${JSON.stringify(key)}`);
    return `${prefix}${key}`;
  };
  const label = (key: string): string => `s3://${bucket}/${prefix}${key}`;
  let closed = false;

  /** HeadObject, undefined when there is no such object; a missing bucket is an error, not a miss. */
  async function head(key: string, operation: string) {
    const name = objectName(key);
    try {
      return await client.send(new HeadObjectCommand({ Bucket: bucket, Key: name }));
    } catch (error) {
      if (!isNotFound(error)) throw new S3BlobStoreError(operation, label(key), error);
    }
    // A 404 to a HEAD cannot say whether the object or the bucket is missing: ask the bucket.
    await client.send(new HeadBucketCommand({ Bucket: bucket })).catch((error: unknown) => {
      throw new S3BlobStoreError(operation, label(key), isMissingBucket(error) ? bucketMissing(error) : error);
    });
    return undefined;
  }

  return {
    description: `s3 bucket ${bucket}${prefix ? ` under ${prefix}` : ''} at ${options.endpoint ?? `AWS ${options.region}`}`,

    async put(key, body, size, putOptions = {}) {
      putOptions.signal?.throwIfAborted();
      // The body is read only after the HEAD: an error it emits meanwhile must not go unhandled
      // (it would crash the process); the stream keeps it and the read rethrows it.
      const holdError = (): void => undefined;
      body.on('error', holdError);
      try {
        // If-None-Match on the write is the real guard; this HEAD is for providers that ignore it.
        if (await head(key, 'HeadObject (before put)')) throw new BlobExistsError(key);
        await putObject(
          { client, bucket, key, objectName: objectName(key), label: label(key), partSize },
          body,
          size,
          putOptions,
        );
      } finally {
        body.off('error', holdError);
      }
    },

    async get(key, range?: ByteRange) {
      const name = objectName(key);
      try {
        const { Body, ContentRange } = await client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: name,
            Range: range ? `bytes=${range.start}-${range.end}` : undefined,
          }),
        );
        if (!(Body instanceof Readable)) throw new Error('the SDK returned no Node stream for the body');
        return range ? fitToRange(Body, range, ContentRange) : Body;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw new S3BlobStoreError('GetObject', label(key), error);
      }
    },

    async stat(key) {
      const found = await head(key, 'HeadObject');
      return found ? { size: found.ContentLength ?? 0 } : undefined;
    },

    async delete(key) {
      // DeleteObject answers 204 whether or not the object existed: only the HEAD can tell.
      if (!(await head(key, 'HeadObject (before delete)'))) return false;
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectName(key) })).catch((error: unknown) => {
        throw new S3BlobStoreError('DeleteObject', label(key), error);
      });
      return true;
    },

    async *keys() {
      const pages = paginateListObjectsV2(
        { client, pageSize: tuning.listPageSize ?? 1000 },
        { Bucket: bucket, Prefix: prefix || undefined },
      );
      try {
        for await (const page of pages) {
          for (const { Key } of page.Contents ?? []) {
            const key = Key?.startsWith(prefix) ? Key.slice(prefix.length) : undefined;
            // Objects that are not Ferry-made keys (someone else's, in a shared bucket) are not ours to sweep.
            if (key !== undefined && isValidBlobKey(key)) yield key;
          }
        }
      } catch (error) {
        throw new S3BlobStoreError('ListObjectsV2', `s3://${bucket}/${prefix}`, error);
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      client.destroy();
    },
  };
}

function createClient(options: S3BlobStoreOptions): S3Client {
  const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return new S3Client({
    endpoint: options.endpoint,
    region: options.region,
    forcePathStyle: options.forcePathStyle ?? true,
    // Explicit credentials: the SDK's default chain (environment, ~/.aws, instance metadata) is never consulted.
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    // COMPAT: since 3.729 the SDK adds CRC32 checksums (aws-chunked bodies with trailers) to every
    // upload by default; many S3-compatible servers (older MinIO, Garage, Ceph RGW, s3rver) reject them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Its own agents (destroyed by close()), never the process-wide ones. throwOnRequestTimeout: without
    // it the SDK only logs a warning when an answer takes longer than requestTimeout.
    requestHandler: {
      connectionTimeout: timeout,
      requestTimeout: timeout,
      socketTimeout: timeout,
      throwOnRequestTimeout: true,
    },
  });
}

function bucketMissing(cause: unknown): Error {
  return Object.assign(new Error('the bucket does not exist', { cause }), { name: 'NoSuchBucket' });
}
