// GET users (a page: ?after=NAME&limit=N, with `next`), POST users, POST users/:name/password, DELETE users/:name. A deleted account's
// sessions end and the `account-deleted` event takes its uploads with it, as for in-band removal.
import { StreamError } from '@ferry/protocol/errors/stream-error';
import { Jid } from '@ferry/protocol/jid';
import { AccountExistsError, AccountNotFoundError, InvalidUsernameError } from '../../storage/types.js';
import type { AdminContext } from './admin-context.js';
import { apiErrors } from './api-errors.js';
import { createUserBody, decode, passwordBody } from './api-input.js';
import type { Endpoint } from './api-table.js';
import type { UsersPage } from './console/views.js';

/** The most accounts one page of GET users (or the users page) holds. */
export const MAX_USERS_PAGE = 500;

/**
 * One page of accounts in name order (code point), those after `after`: the account table can be
 * far larger than a page, and each row asks the session directory and the upload index.
 */
export async function listUsers(
  admin: AdminContext,
  page: { after?: string; limit?: number } = {},
): Promise<UsersPage> {
  const { ctx } = admin;
  const limit = page.limit ?? MAX_USERS_PAGE;
  const uploads = ctx.service('http_upload');
  const names = (await ctx.storage.accounts.list())
    .filter((name) => page.after === undefined || name > page.after)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const shown = names.slice(0, limit);
  const users = shown.map((name) => {
    const jid = `${name}@${ctx.domain}`;
    const files = uploads?.list({ owner: name });
    return {
      name,
      jid,
      isAdmin: admin.admins.has(jid),
      sessions: ctx.sessions.resources(jid).length,
      ...(files ? { uploads: { count: files.length, bytes: files.reduce((sum, file) => sum + file.size, 0) } } : {}),
    };
  });
  return names.length > limit ? { users, next: shown[shown.length - 1]! } : { users };
}

/** `?after=NAME&limit=N` of GET users. @throws ApiError 400 */
export function usersPageQuery(query: URLSearchParams): { after?: string; limit: number } {
  const after = query.get('after');
  const limitText = query.get('limit');
  const limit = limitText === null || limitText === '' ? MAX_USERS_PAGE : Number(limitText);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_USERS_PAGE) {
    throw apiErrors.invalid(`limit must be a whole number from 1 to ${MAX_USERS_PAGE}`);
  }
  if (after !== null && after.length > 1023) throw apiErrors.invalid('after is too long');
  return after === null || after === '' ? { limit } : { after, limit };
}

export function userEndpoints(admin: AdminContext): Endpoint[] {
  const { ctx } = admin;
  /** 'alice' or 'alice@<domain>' → the prepared username. @throws ApiError 400 */
  const username = (given: string): string => {
    const jid = Jid.tryParse(given.includes('@') ? given : `${given}@${ctx.domain}`);
    if (!jid || jid.local === '' || !jid.isBare || jid.domain !== Jid.parse(ctx.domain).domain) {
      throw apiErrors.invalid(`"${given.slice(0, 100)}" is not a username of this server`);
    }
    return jid.local;
  };
  return [
    {
      method: 'GET',
      path: 'users',
      handler: async ({ request }) => ({ body: await listUsers(admin, usersPageQuery(request.query)) }),
    },
    {
      method: 'POST',
      path: 'users',
      async handler({ session, body }) {
        const input = decode(createUserBody, await body());
        const name = username(input.username);
        try {
          await ctx.storage.accounts.create(name, input.password);
        } catch (error) {
          if (error instanceof AccountExistsError) throw apiErrors.conflict(`${name} already exists`);
          if (error instanceof InvalidUsernameError) throw apiErrors.invalid(`"${name}" is not a valid username`);
          throw error;
        }
        admin.audit(session!, 'user.create', name);
        return { status: 201, body: { name, jid: `${name}@${ctx.domain}` } };
      },
    },
    {
      method: 'POST',
      path: 'users/:name/password',
      async handler({ session, params, body }) {
        const name = username(params.name!);
        const { password } = decode(passwordBody, await body());
        try {
          await ctx.storage.accounts.setPassword(name, password);
        } catch (error) {
          if (error instanceof AccountNotFoundError) throw apiErrors.notFound(`no account ${name}`);
          throw error;
        }
        admin.audit(session!, 'user.password', name);
        return { body: { ok: true } };
      },
    },
    {
      method: 'DELETE',
      path: 'users/:name',
      async handler({ session, params }) {
        const name = username(params.name!);
        if (!(await ctx.storage.accounts.delete(name))) throw apiErrors.notFound(`no account ${name}`);
        const jid = `${name}@${ctx.domain}`;
        // Modules keeping data outside the database (HTTP upload's blobs) clean up on this.
        ctx.events.emit('account-deleted', name);
        for (const resource of ctx.sessions.resources(jid)) {
          ctx.sessions.close(resource, new StreamError('not-authorized', 'account removed'));
        }
        admin.sessions.endAllOf(jid);
        admin.audit(session!, 'user.delete', name);
        return { body: { ok: true } };
      },
    },
  ];
}
