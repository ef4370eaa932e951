// POST login, POST logout, GET session: the console's session, made and ended.
import type { AdminContext } from './admin-context.js';
import { decode, loginBody } from './api-input.js';
import type { Endpoint } from './api-table.js';

export function authEndpoints(admin: AdminContext): Endpoint[] {
  return [
    {
      method: 'POST',
      path: 'login',
      isPublic: true,
      async handler({ request, body }) {
        const { jid: given, password } = decode(loginBody, await body());
        let jid: string;
        try {
          jid = await admin.login(given, password, request.remoteAddress);
        } catch (error) {
          admin.audit(given.slice(0, 200), 'login.failed', request.remoteAddress);
          throw error;
        }
        const { session, cookie } = admin.sessions.create(jid);
        admin.audit(session, 'login', request.remoteAddress);
        return { body: { jid, csrfToken: session.csrfToken }, headers: { 'set-cookie': cookie } };
      },
    },
    {
      method: 'POST',
      path: 'logout',
      handler({ request, session }) {
        const cookie = admin.sessions.end(request.headers);
        admin.audit(session!, 'logout', request.remoteAddress);
        return { body: { ok: true }, headers: { 'set-cookie': cookie } };
      },
    },
    {
      method: 'GET',
      path: 'session',
      handler: ({ session }) => ({ body: { jid: session!.jid, csrfToken: session!.csrfToken } }),
    },
  ];
}
