// XEP-0160 §3 delivery of offline messages, made lossless. XEP-0160 itself deletes messages as
// they are sent, so a connection that drops during the batch loses them (Prosody does the same).
// Without stream management (XEP-0198) nothing acknowledges single stanzas, but a stream is
// ordered: once the client answers a ping sent after the batch, it has read every message before
// it. Only then are they deleted; a session that ends first gets them again at its next login.
import { NS } from '@ferry/protocol/namespaces';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { xml } from '@ferry/protocol/xml/element';
import { parseElement } from '@ferry/protocol/xml/parse-element';
import type { ModuleContext } from '../../core/module.js';
import type { LocalSession } from '../../core/session.js';

export interface OfflineDeliveryOptions {
  /** How long the client has to answer the ping after the batch; the messages stay otherwise. */
  ackTimeoutMs: number;
}

/** Sends the account's stored messages to `session`; deletes them once the client has them. */
export async function deliverOffline(
  ctx: ModuleContext,
  session: LocalSession,
  options: OfflineDeliveryOptions,
): Promise<void> {
  const username = session.jid.local;
  const stored = await ctx.storage.offline.list(username);
  const last = stored.at(-1);
  if (last === undefined || !ctx.sessions.get(session.jid)) return;
  for (const { stanza, stamp } of stored) {
    const message = parseElement(stanza);
    if (!message) continue;
    message.cnode(xml('delay', { xmlns: NS.DELAY, from: ctx.domain, stamp: stamp.toISOString() }, 'Offline storage'));
    ctx.send(session, message);
  }
  if (!(await acknowledged(ctx, session, options.ackTimeoutMs))) {
    ctx.logger.info(
      { jid: session.jid.toString(), messages: stored.length },
      'offline messages not acknowledged; kept for the next login',
    );
    return;
  }
  await ctx.storage.offline.deleteThrough(username, last.id);
}

/**
 * True once the client answered a ping (with a result or an error: either way it read the batch).
 * An answer that comes after the session ended is the router bouncing the ping, not the client.
 */
async function acknowledged(ctx: ModuleContext, session: LocalSession, timeoutMs: number): Promise<boolean> {
  let isClosed = false;
  let offClosed = (): void => {};
  const closed = new Promise<false>((resolve) => {
    offClosed = ctx.events.on('session-closed', (gone) => {
      if (gone !== session) return;
      isClosed = true;
      resolve(false);
    });
  });
  const ping = xml(
    'iq',
    { type: 'get', from: ctx.domain, to: session.jid.toString() },
    xml('ping', { xmlns: NS.PING }),
  );
  const answered = ctx.router.request(ping, timeoutMs).then(
    () => true,
    (error: unknown) => error instanceof StanzaError,
  );
  try {
    return (await Promise.race([answered, closed])) && !isClosed;
  } finally {
    offClosed();
  }
}
