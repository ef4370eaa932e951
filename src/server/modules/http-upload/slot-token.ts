// XEP-0363 §4/§6: the slot, as a signed, self-contained token. The PUT carries it (Authorization:
// Bearer, a header §4 allows the slot to name), and the token carries everything the PUT needs —
// owner, file id, name, size, type, purpose, expiries — so there is no slot table to fill, share
// across a cluster or lose on restart (Prosody signs a JWT for the same reason). HMAC-SHA256 over
// the payload with a 32-byte key kept in the data dir (in the shared database on a cluster);
// compared in constant time.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { UPLOAD_PURPOSES } from '@ferry/protocol/payloads/http-upload';
import type { KeyValueStore } from '../../storage/types.js';

export const SLOT_KEY_BYTES = 32;
export const SLOT_KEY_FILE = 'http_upload.key';

const claimsSchema = z.strictObject({
  /** The uploader's prepared username. */
  owner: z.string().min(1),
  /** The file id: random, ≥ 128 bits, the unguessable part of the GET URL and the blob key. */
  id: z.string().regex(/^[A-Za-z0-9_-]{22,}$/),
  name: z.string().min(1),
  size: z.number().int().min(0),
  contentType: z.string().optional(),
  purpose: z.enum(UPLOAD_PURPOSES),
  /** When the slot stops accepting a PUT, ms since the epoch. */
  expires: z.number().int(),
  /** When the file stops being served, ms since the epoch; absent = kept until deleted. */
  fileExpires: z.number().int().optional(),
});

export type SlotClaims = z.infer<typeof claimsSchema>;

/** Domain separation: a MAC made for anything else with the same key can never pass as a slot. */
const CONTEXT = 'ferry http_upload slot v1.';

export function signSlot(key: Buffer, claims: SlotClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** The claims of a genuine, unexpired token; undefined for anything else (forged, tampered, expired, garbage). */
export function verifySlot(key: Buffer, token: string, now: number): SlotClaims | undefined {
  const dot = token.indexOf('.');
  if (dot < 0) return undefined;
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = mac(key, payload);
  // timingSafeEqual needs equal lengths; a wrong length says nothing about the key.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const claims = claimsSchema.safeParse(parsed);
  if (!claims.success || claims.data.expires <= now) return undefined;
  return claims.data;
}

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(CONTEXT).update(payload).digest();
}

/**
 * The signing key at `<data_dir>/http_upload.key`: created (0600, exclusively, so two starting
 * processes cannot each write their own) on first start, reused after, so slots handed out before
 * a restart still work.
 */
export async function loadSlotKey(dataDir: string): Promise<Buffer> {
  const path = join(dataDir, SLOT_KEY_FILE);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  try {
    await writeFile(path, randomBytes(SLOT_KEY_BYTES), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const key = await readFile(path);
  if (key.length !== SLOT_KEY_BYTES) {
    throw new Error(`${path} holds ${key.length} bytes, not a ${SLOT_KEY_BYTES}-byte key; delete it to make a new one`);
  }
  return key;
}

/** The module's store for the cluster-wide slot key (full name: http_upload:keys). */
export const KEYS_STORE = 'keys';
const SHARED_KEY = 'slot-key';

/**
 * On a cluster the slot key lives in the shared database, so that a slot one node hands out is
 * valid on every node: the first node to start writes it (only if none is there), all read it.
 */
export async function sharedSlotKey(store: KeyValueStore<string>): Promise<Buffer> {
  await store.add('', SHARED_KEY, randomBytes(SLOT_KEY_BYTES).toString('base64'));
  const stored = await store.get('', SHARED_KEY);
  const key = stored === undefined ? undefined : Buffer.from(stored, 'base64');
  if (key?.length !== SLOT_KEY_BYTES) {
    throw new Error(
      `the shared HTTP upload slot key (store http_upload:${KEYS_STORE}) is not a ${SLOT_KEY_BYTES}-byte key`,
    );
  }
  return key;
}
