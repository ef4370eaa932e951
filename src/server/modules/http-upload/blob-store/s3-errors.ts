// What went wrong talking to the object store, said so an operator can act on it: the bucket is
// missing, the credentials were refused, the endpoint does not answer. Not-found and
// precondition-failed are answers, not errors: the store turns them into undefined/false and
// BlobExistsError before anything reaches here.

/** Shape of the SDK's service exceptions and of Node's network errors, read defensively. */
interface ErrorFacts {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export class S3BlobStoreError extends Error {
  readonly code = 'FERRY_ERR_BLOB_STORE';
  /** The provider's error code (`NoSuchBucket`, `InvalidAccessKeyId`…) or Node's (`ECONNREFUSED`), when known. */
  readonly s3Code: string | undefined;
  readonly status: number | undefined;
  constructor(operation: string, target: string, cause: unknown) {
    const facts = factsOf(cause);
    super(`S3 ${operation} of ${target} failed: ${explain(facts)}`, { cause });
    this.name = 'S3BlobStoreError';
    this.s3Code = facts.code ?? facts.name;
    this.status = facts.$metadata?.httpStatusCode;
  }
}

/** The object is not there. A HEAD has no body, so a missing bucket looks the same: see isMissingBucket. */
export function isNotFound(error: unknown): boolean {
  const { name, $metadata } = factsOf(error);
  if (name === 'NoSuchBucket') return false;
  return name === 'NotFound' || name === 'NoSuchKey' || $metadata?.httpStatusCode === 404;
}

export function isMissingBucket(error: unknown): boolean {
  const { name, $metadata } = factsOf(error);
  return name === 'NoSuchBucket' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
}

/**
 * An `If-None-Match: *` write lost: the key exists (412), or another conditional write to it is
 * in flight (409 ConditionalRequestConflict, AWS): either way the key is taken.
 */
export function isKeyTaken(error: unknown): boolean {
  const { name, $metadata } = factsOf(error);
  return (
    name === 'PreconditionFailed' ||
    name === 'ConditionalRequestConflict' ||
    $metadata?.httpStatusCode === 412 ||
    (name !== undefined && name.includes('Conflict') && $metadata?.httpStatusCode === 409)
  );
}

function factsOf(error: unknown): ErrorFacts {
  return typeof error === 'object' && error !== null ? (error as ErrorFacts) : { message: String(error) };
}

function explain({ name, code, message, $metadata }: ErrorFacts): string {
  const status = $metadata?.httpStatusCode;
  switch (name) {
    case 'NoSuchBucket':
      return 'the bucket does not exist (NoSuchBucket)';
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
    case 'InvalidToken':
    case 'ExpiredToken':
    case 'AccessDenied':
      return `the credentials were refused (${name}): ${message ?? ''}`.trimEnd();
    case 'TimeoutError':
      return `the endpoint did not answer in time: ${message ?? ''}`.trimEnd();
  }
  if (code && /^E[A-Z]+$/.test(code)) return `cannot reach the endpoint (${code}): ${message ?? ''}`.trimEnd();
  if (status === 403)
    return `access denied (HTTP 403, ${name ?? 'no error code'}): check the credentials and the bucket policy`;
  const label = [name, status === undefined ? undefined : `HTTP ${status}`].filter(Boolean).join(', ');
  return label ? `${label}: ${message ?? ''}`.trimEnd() : (message ?? 'unknown error');
}
