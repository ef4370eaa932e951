// GET status, sessions, transfers and POST sessions/kick: the live view, read and acted on only
// through the `operations` service (the control socket uses the same one), looked up per request
// since its module may be off or loaded after this one.
import type { Services } from '../../core/services.js';
import type { AdminContext } from './admin-context.js';
import { apiErrors } from './api-errors.js';
import { decode, kickBody } from './api-input.js';
import type { Endpoint } from './api-table.js';

type Operations = Services['operations'];

export function liveEndpoints(admin: AdminContext): Endpoint[] {
  const operations = (): Operations => {
    const service = admin.ctx.service('operations');
    if (!service) throw apiErrors.unavailable('live view unavailable: the operations module is not loaded');
    return service;
  };
  return [
    { method: 'GET', path: 'status', handler: () => ({ body: operations().status() }) },
    { method: 'GET', path: 'sessions', handler: () => ({ body: { sessions: operations().sessions() } }) },
    { method: 'GET', path: 'transfers', handler: () => ({ body: { transfers: operations().transfers() } }) },
    {
      method: 'POST',
      path: 'sessions/kick',
      async handler({ session, body }) {
        const { jid, reason } = decode(kickBody, await body());
        const closed = await withTimeout(operations().kick(jid, reason ?? 'disconnected by an administrator'));
        admin.audit(session!, 'session.kick', jid, { closed });
        return { body: { closed } };
      },
    },
  ];
}

/** Closing streams should take moments; an answer is owed to the console either way. */
const KICK_TIMEOUT_MS = 10_000;

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(apiErrors.unavailable('the sessions did not close in time')), KICK_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
