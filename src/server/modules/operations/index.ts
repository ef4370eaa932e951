// What an operator sees of the running server and can do to it: the `operations` service that the
// control socket (`ferry status`, `sessions`, `transfers`, `kick`) and the admin console read.
// Not a protocol: nothing here is visible to XMPP clients. It keeps no table of its own: sessions
// come from the session directory, live transfers from the tables their owners keep (the router's
// IBB sessions, the proxy65 and http_upload services, looked up when asked so that either may be
// off), totals from the core counters and the modules' transfer events.
import { Jid } from '@ferry/protocol/jid';
import { StreamError } from '@ferry/protocol/errors/stream-error';
import { FERRY_VERSION } from '../../../version.js';
import { defineModule, type ModuleContext } from '../../core/module.js';
import type { LiveTransferSnapshot } from '../../core/live-transfers.js';
import type { LocalSession, SessionInfo } from '../../core/session.js';
import {
  OperationError,
  type Operations,
  type SessionView,
  type StatusView,
  type TransferView,
} from './operations-service.js';

/** How long kick() waits for the kicked sessions to be gone before it answers anyway. */
const KICK_WAIT_MS = 5_000;
const MAX_REASON_LENGTH = 1_000;

export default defineModule({
  name: 'operations',
  spec: [], // not a protocol: no row in docs/protocol-support.md
  setup(ctx) {
    const startedAt = Date.now();
    const totals = { transfersCompleted: 0, bytesRelayed: 0, bytesUploaded: 0, bytesDownloaded: 0 };
    let listeners: Readonly<Record<string, string>> = {};
    ctx.onTeardown(ctx.events.on('listening', (addresses) => (listeners = addresses)));
    ctx.onTeardown(
      ctx.events.on('proxy65-relay', (record) => {
        if (!record.isAborted) totals.transfersCompleted += 1;
        totals.bytesRelayed += record.bytesToTarget + record.bytesToInitiator;
      }),
    );
    ctx.onTeardown(
      ctx.events.on('http-upload-stored', (record) => {
        totals.transfersCompleted += 1;
        totals.bytesUploaded += record.bytes;
      }),
    );
    ctx.onTeardown(
      ctx.events.on('http-upload-served', (record) => {
        if (record.isComplete) totals.transfersCompleted += 1;
        totals.bytesDownloaded += record.bytes;
      }),
    );

    const transfers = (): TransferView[] =>
      [
        ...(ctx.service('proxy65')?.transfers() ?? []),
        ...ctx.router.ibbSessions.snapshot(),
        ...(ctx.service('http_upload')?.transfers() ?? []),
      ]
        .map(transferView)
        .sort((a, b) => a.since.localeCompare(b.since));

    const operations: Operations = {
      status(): StatusView {
        const { ibb } = ctx.counters;
        const proxy = ctx.service('proxy65');
        const cluster = ctx.service('cluster');
        return {
          version: FERRY_VERSION,
          domain: ctx.domain,
          pid: process.pid,
          startedAt: new Date(startedAt).toISOString(),
          uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
          sessions: ctx.sessions.size,
          transfers: transfers().length,
          // IBB has no outcome beyond <close/> at the server: a closed IBB session counts as completed.
          totals: {
            ...totals,
            transfersCompleted: totals.transfersCompleted + ibb.closed,
            bytesRelayed: totals.bytesRelayed + ibb.dataBytes,
          },
          listeners: {
            ...listeners,
            ...(proxy ? { proxy65: `${proxy.listening.host}:${proxy.listening.port}` } : {}),
          },
          ...(cluster ? { cluster: cluster.view() } : {}),
        };
      },
      sessions: () => [...ctx.sessions.local()].map(sessionView),
      transfers,
      kick: (jid, reason) => kick(ctx, jid, reason),
    };
    ctx.provide('operations', operations);
  },
});

/** `203.0.113.7:51234`, `[2001:db8::1]:51234`: what the operator matches against firewall and proxy logs. */
export function addressWithPort(address: string, port: number | undefined): string {
  if (port === undefined) return address;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function sessionView(session: LocalSession): SessionView {
  return {
    jid: session.jid.toString(),
    address: addressWithPort(session.remoteAddress, session.remotePort),
    transport: session.transport,
    tls: session.isSecure,
    since: new Date(session.since).toISOString(),
    available: session.presence !== undefined,
  };
}

function transferView(transfer: LiveTransferSnapshot): TransferView {
  const { id, method, from, to, address, size, bytes, bytesPerSecond, since } = transfer;
  return {
    id,
    method,
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(address !== undefined ? { address } : {}),
    bytes,
    ...(size !== undefined ? { size } : {}),
    bytesPerSecond,
    since,
  };
}

/** Closes the sessions of a bare JID (all) or a full JID (that one); waits, bounded, until they are gone. */
async function kick(ctx: ModuleContext, address: string, reason: string | undefined): Promise<number> {
  const jid = Jid.tryParse(address);
  if (jid === undefined || jid.local === '') {
    throw new OperationError(
      'bad-request',
      `"${address}" is not an account or session address (user@domain[/resource])`,
    );
  }
  if (reason !== undefined && reason.length > MAX_REASON_LENGTH) {
    throw new OperationError('bad-request', `the reason is longer than ${MAX_REASON_LENGTH} characters`);
  }
  const found: (SessionInfo | undefined)[] =
    jid.resource === '' ? ctx.sessions.resources(jid) : [ctx.sessions.get(jid)];
  const targets = found.filter((session): session is SessionInfo => session?.isLocal === true);
  if (targets.length === 0) return 0;
  const open = new Set<SessionInfo>(targets);
  let off = (): void => {};
  let timer: NodeJS.Timeout | undefined;
  const gone = new Promise<void>((resolve) => {
    off = ctx.events.on('session-closed', (session) => {
      if (open.delete(session) && open.size === 0) resolve();
    });
    timer = setTimeout(resolve, KICK_WAIT_MS);
    timer.unref();
  });
  const error = new StreamError('policy-violation', reason === undefined || reason === '' ? undefined : reason);
  ctx.logger.info({ jid: jid.toString(), sessions: targets.length, reason }, 'kicking sessions');
  for (const session of targets) ctx.sessions.close(session, error);
  try {
    await gone;
  } finally {
    off();
    clearTimeout(timer);
  }
  return targets.length;
}
