// Request bodies and parameters, decoded at the edge: zod schemas with lengths bounded, and one
// 400 naming what is wrong. Handlers see typed values only.
import { z } from 'zod';
import { Jid } from '@ferry/protocol/jid';
import { apiErrors } from './api-errors.js';

/** What an XMPP password may be here: non-empty, and not a megabyte for PBKDF2 to chew. */
const password = z.string().min(1, 'the password is empty').max(1024, 'the password is too long');

export const loginBody = z.object({ jid: z.string().min(1).max(3071), password });
export const createUserBody = z.object({ username: z.string().min(1).max(1023), password });
export const passwordBody = z.object({ password });
export const kickBody = z.object({
  jid: z
    .string()
    .min(1)
    .max(3071)
    .refine((value) => Jid.tryParse(value)?.local, 'must be a JID such as alice@example.org[/resource]'),
  reason: z.string().max(200).optional(),
});

/** A setting's new value: typed JSON, or the text of a form field (coerced like `ferry settings set`). */
export const settingBody = z.object({
  value: z.unknown().refine((value) => value !== undefined && value !== null, 'give a value'),
});

/** @throws ApiError 400 naming the first problem */
export function decode<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  throw apiErrors.invalid(`${where}${issue?.message ?? 'invalid body'}`);
}
