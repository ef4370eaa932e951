// Storing one blob in S3 with the BlobStore's promises: exactly `size` bytes or nothing visible.
//
// Why buffered parts rather than one streaming PutObject: a streaming PUT that fails half-way may
// leave a partial object on lenient servers (s3rver writes straight to the object's file and does
// not check Content-Length), and a consumed stream cannot be retried. So the body is cut into
// parts counted by fixedSizeParts: a blob of one part goes up as a single PutObject sent only
// after the whole body arrived with the right size; a larger one as a multipart upload, whose
// parts stay invisible until CompleteMultipartUpload, sent only after the body ended exactly on
// `size`. Memory: one part (8 MiB by default) plus the body's stream buffers, whatever the size.
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { fixedSizeParts } from './fixed-size-parts.js';
import { isKeyTaken, S3BlobStoreError } from './s3-errors.js';
import { BlobExistsError, BlobSizeError, type BlobPutOptions } from './types.js';

/** S3 allows at most 10,000 parts; past 8 MiB × 10,000 the parts grow instead. */
const MAX_PARTS = 10_000;

export interface S3PutTarget {
  client: S3Client;
  bucket: string;
  key: string;
  objectName: string;
  /** Where errors say it happened: `s3://bucket/object`. */
  label: string;
  partSize: number;
}

export async function putObject(target: S3PutTarget, body: Readable, size: number, options: BlobPutOptions = {}) {
  const partSize = Math.max(target.partSize, Math.ceil(size / MAX_PARTS));
  const parts = fixedSizeParts(body, size, partSize, options.signal);
  if (size <= partSize) await putSinglePart(target, parts, size, options);
  else await putMultipart(target, parts, options);
}

async function putSinglePart(
  target: S3PutTarget,
  parts: AsyncGenerator<Buffer>,
  size: number,
  { contentType, signal }: BlobPutOptions,
) {
  const { value: part } = await parts.next();
  await parts.return(undefined); // the body has ended: the last part is yielded only then
  // fixedSizeParts yields at least one part or throws; this guards the type, not a real case.
  if (!part) throw new BlobSizeError(size, 0);
  await commit(target, 'PutObject', signal, () =>
    target.client.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: target.objectName,
        Body: part,
        ContentLength: part.length,
        ContentType: contentType,
        IfNoneMatch: '*',
      }),
    ),
  );
}

async function putMultipart(target: S3PutTarget, parts: AsyncGenerator<Buffer>, options: BlobPutOptions) {
  const { client, bucket, objectName } = target;
  const { signal } = options;
  const created = await client
    .send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: objectName, ContentType: options.contentType }), {
      abortSignal: signal,
    })
    .catch((error: unknown) => rethrow(target, 'CreateMultipartUpload', error, signal));
  const uploadId = created.UploadId;
  if (!uploadId)
    throw new S3BlobStoreError('CreateMultipartUpload', target.label, new Error('no UploadId in the answer'));
  try {
    const completed: CompletedPart[] = [];
    for await (const part of parts) {
      const PartNumber = completed.length + 1;
      const { ETag } = await client
        .send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: objectName,
            UploadId: uploadId,
            PartNumber,
            Body: part,
            ContentLength: part.length,
          }),
          { abortSignal: signal },
        )
        .catch((error: unknown) => rethrow(target, 'UploadPart', error, signal));
      completed.push({ PartNumber, ETag });
    }
    signal?.throwIfAborted();
    await commit(target, 'CompleteMultipartUpload', signal, () =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: objectName,
          UploadId: uploadId,
          MultipartUpload: { Parts: completed },
          IfNoneMatch: '*',
        }),
      ),
    );
  } catch (error) {
    // Parts are never visible as an object; aborting frees their storage. Best effort: some
    // servers (s3rver) do not implement it, and a bucket lifecycle rule reaps what is left.
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: objectName, UploadId: uploadId }))
      .catch(() => undefined);
    throw error;
  }
}

/**
 * Sends the request that makes the object visible. It is not cut by `signal`: cut mid-flight, the
 * object might or might not exist. Instead it runs to its answer (bounded by the request timeout),
 * and when the signal fired meanwhile the new object is deleted — it is ours: the key was free
 * and the write carried If-None-Match.
 */
async function commit(
  target: S3PutTarget,
  operation: string,
  signal: AbortSignal | undefined,
  send: () => Promise<unknown>,
) {
  await send().catch((error: unknown) => rethrow(target, operation, error, signal));
  if (!signal?.aborted) return;
  await target.client
    .send(new DeleteObjectCommand({ Bucket: target.bucket, Key: target.objectName }))
    .catch((error: unknown) => {
      throw new S3BlobStoreError('DeleteObject (after an aborted put)', target.label, error);
    });
  signal.throwIfAborted();
}

function rethrow(target: S3PutTarget, operation: string, error: unknown, signal?: AbortSignal): never {
  if (signal?.aborted) throw signal.reason;
  if (error instanceof BlobSizeError || error instanceof BlobExistsError) throw error;
  if (isKeyTaken(error)) throw new BlobExistsError(target.key);
  throw new S3BlobStoreError(operation, target.label, error);
}
