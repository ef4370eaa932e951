// XEP-0363 §4: a slot request becomes a signed slot, or one of the §5 errors. Everything checked
// here (size, type, purpose, quota) is carried in the token, so the PUT only verifies it.
import { randomBytes } from 'node:crypto';
import type { Jid } from '@ferry/protocol/jid';
import { decodeUploadRequest, encodeUploadSlot, type UploadPurpose } from '@ferry/protocol/payloads/http-upload';
import type { Element } from '@ferry/protocol/xml/element';
import { checkQuota, fileExpiry, isTypeAllowed } from './limits.js';
import type { UploadRuntime } from './runtime.js';
import { signSlot, type SlotClaims } from './slot-token.js';
import { uploadErrors } from './upload-errors.js';

/** 128 bits: the GET URL is the only key to the file (XEP-0363 §2: "impossible to guess"). */
const FILE_ID_BYTES = 16;
/** Most filesystems and browsers stop at 255 bytes; XEP-0363 1.1 counts the name in bytes too. */
const MAX_NAME_BYTES = 255;

/** Who owns what `from` uploads: the prepared username for our accounts, the bare JID for anyone else the ACL lets in. */
export function ownerOf(from: Jid, domain: string): string {
  return from.domain === domain && from.local !== '' ? from.local : from.bare().toString();
}

export function answerSlotRequest(runtime: UploadRuntime, owner: string, payload: Element): Element {
  const { options } = runtime;
  const request = decodeUploadRequest(payload);
  const purpose: UploadPurpose = request.purpose ?? { name: 'message' };
  const maxSize =
    purpose.name === 'profile' ? Math.min(options.profile_max_file_size, options.max_file_size) : options.max_file_size;
  if (request.size > maxSize) throw uploadErrors.fileTooLarge(maxSize);
  if (Buffer.byteLength(request.filename) > MAX_NAME_BYTES) {
    throw uploadErrors.notAcceptable(`File name longer than ${MAX_NAME_BYTES} bytes`);
  }
  if (
    request.contentType !== undefined &&
    !isTypeAllowed(request.contentType, options.allowed_types, options.forbidden_types)
  ) {
    throw uploadErrors.notAcceptable(`Files of type ${request.contentType} are not accepted here`);
  }
  const now = runtime.now();
  const fileExpires = fileExpiry(
    purpose,
    {
      expireAfterDays: options.expire_after_days,
      profileExpireAfterDays: options.profile_expire_after_days,
      isPermanentHonoured: options.permanent,
    },
    now,
  );
  if (fileExpires instanceof Error) throw fileExpires;
  const refusal = checkQuota(
    request.size,
    { files: runtime.records.ofOwner(owner), globalBytes: runtime.records.totalBytes },
    {
      dailyBytes: options.daily_quota_bytes,
      userBytes: options.user_quota_bytes,
      globalBytes: options.global_quota_bytes,
    },
    now,
  );
  if (refusal) throw refusal;

  const claims: SlotClaims = {
    owner,
    id: randomBytes(FILE_ID_BYTES).toString('base64url'),
    name: request.filename,
    size: request.size,
    ...(request.contentType !== undefined ? { contentType: request.contentType } : {}),
    purpose: purpose.name,
    expires: now + options.slot_expiry_seconds * 1000,
    ...(fileExpires !== undefined ? { fileExpires } : {}),
  };
  const url = runtime.fileUrl(claims.id, claims.name);
  // PUT and GET share the URL, as Prosody's do; the token rides in a header §4 allows, so it is
  // never in a link someone shares, and CORS lets web clients send it.
  return encodeUploadSlot({
    put: { url, headers: [{ name: 'Authorization', value: `Bearer ${signSlot(runtime.slotKey, claims)}` }] },
    get: { url },
  });
}
