// What an upload may be: size, type and quotas. Pure arithmetic over the files an account already
// has and a clock the caller passes in, so the rules are tested without waiting a day.
import type { UploadPurposeName } from '@ferry/protocol/payloads/http-upload';
import { mediaType } from './response-headers.js';
import { uploadErrors, type UploadError } from './upload-errors.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface QuotaLimits {
  /** Bytes per account in any rolling 24 hours; 0 = no limit. */
  dailyBytes: number;
  /** Bytes per account stored at once; 0 = no limit. */
  userBytes: number;
  /** Bytes stored for everyone; 0 = no limit. */
  globalBytes: number;
}

export interface Usage {
  /** The account's stored files. */
  files: readonly { size: number; created: number }[];
  /** Everyone's stored bytes. */
  globalBytes: number;
}

/** Null when `size` more bytes fit; otherwise the refusal, with <retry/> when waiting helps. */
export function checkQuota(size: number, usage: Usage, limits: QuotaLimits, now: number): UploadError | null {
  if (limits.globalBytes > 0 && usage.globalBytes + size > limits.globalBytes) {
    return uploadErrors.quotaReached('The upload service is full');
  }
  if (limits.userBytes > 0) {
    const stored = usage.files.reduce((sum, file) => sum + file.size, 0);
    if (stored + size > limits.userBytes) {
      return uploadErrors.quotaReached(`Storage quota reached: you may keep ${limits.userBytes} bytes of files`);
    }
  }
  if (limits.dailyBytes > 0) {
    const since = now - DAY_MS;
    const recent = usage.files.filter((file) => file.created > since).sort((a, b) => a.created - b.created);
    let used = recent.reduce((sum, file) => sum + file.size, 0);
    if (used + size > limits.dailyBytes) {
      const text = `Daily quota reached: you may upload ${limits.dailyBytes} bytes in 24 hours`;
      if (size > limits.dailyBytes) return uploadErrors.quotaReached(text);
      // The window rolls: room frees up as each earlier upload turns 24 hours old.
      for (const file of recent) {
        used -= file.size;
        if (used + size <= limits.dailyBytes) return uploadErrors.quotaReached(text, new Date(file.created + DAY_MS));
      }
    }
  }
  return null;
}

/** Whether a MIME type passes the allow- and deny-lists (`type/*` matches a family). */
export function isTypeAllowed(contentType: string, allowed: readonly string[], forbidden: readonly string[]): boolean {
  const type = mediaType(contentType);
  const matches = (pattern: string) => {
    const lowered = pattern.toLowerCase();
    return lowered.endsWith('/*') ? type.startsWith(lowered.slice(0, -1)) : type === lowered;
  };
  if (forbidden.some(matches)) return false;
  return allowed.length === 0 || allowed.some(matches);
}

export interface RetentionPolicy {
  /** 0 = kept until deleted. */
  expireAfterDays: number;
  profileExpireAfterDays: number;
  isPermanentHonoured: boolean;
}

/**
 * XEP-0363 1.2 purposes → when the file stops being served (undefined = kept until deleted), or a
 * refusal. 'ephemeral' gets the earlier of its expire-before and our own retention; 'permanent' is
 * kept when configured, refused otherwise (unless nothing expires anyway).
 */
export function fileExpiry(
  purpose: { name: UploadPurposeName; expireBefore?: Date },
  policy: RetentionPolicy,
  now: number,
): number | undefined | UploadError {
  const after = (days: number) => (days > 0 ? now + days * DAY_MS : undefined);
  switch (purpose.name) {
    case 'message':
      return after(policy.expireAfterDays);
    case 'profile':
      return after(policy.profileExpireAfterDays);
    case 'permanent':
      if (policy.isPermanentHonoured || policy.expireAfterDays === 0) return undefined;
      return uploadErrors.notAcceptable(
        `This service keeps files for ${policy.expireAfterDays} days; permanent storage is not offered`,
      );
    case 'ephemeral': {
      const requested = purpose.expireBefore?.getTime() ?? now;
      if (requested <= now) return uploadErrors.notAcceptable('expire-before is in the past');
      const ours = after(policy.expireAfterDays);
      return ours === undefined ? requested : Math.min(requested, ours);
    }
  }
}
