// What a Jingle case may have left open, seen from outside the managers: a session either side
// still answers for (XEP-0166 §7.2: an unknown session is item-not-found + <unknown-session/>),
// and a direct SOCKS5 candidate (our listener) that still accepts connections.
import { connect } from 'node:net';
import type { XmppConnection } from '@ferry/client/internal/connection';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { decodeS5bTransport } from '@ferry/protocol/payloads/jingle-s5b';
import { NS } from '@ferry/protocol/namespaces';
import { xml } from '@ferry/protocol/xml/element';
import type { SentJingle } from './jingle-conformance-wire.js';

const PROBE_MS = 5_000;

/** Whether `peer` still has session `sid` with `from`: a bare session-info is answered only then. */
export async function sessionLeft(from: XmppConnection, peer: string, sid: string): Promise<string | undefined> {
  const probe = xml('iq', { type: 'set', to: peer }, xml('jingle', { xmlns: NS.JINGLE, action: 'session-info', sid }));
  try {
    await from.request(probe, PROBE_MS);
    return `${peer} still has Jingle session ${sid}`;
  } catch (error) {
    if (error instanceof StanzaError && error.condition === 'item-not-found') return undefined;
    return `${peer} answered a session-info for ${sid} with ${String(error)}`;
  }
}

/** The direct candidates (our own listeners) offered in these actions that still accept a connection. */
export async function listenersLeft(sent: readonly SentJingle[]): Promise<string[]> {
  const direct = sent.flatMap(({ jingle }) =>
    jingle.contents.flatMap((content) => {
      if (content.transport?.getNS() !== NS.JINGLE_S5B) return [];
      return decodeS5bTransport(content.transport).candidates.filter((candidate) => candidate.type === 'direct');
    }),
  );
  const open = await Promise.all(
    direct.map(async ({ host, port, cid }) =>
      (await accepts(host, port)) ? `listener ${cid} on ${host}:${port}` : '',
    ),
  );
  return open.filter((line) => line !== '');
}

/** Whether something listens on host:port (a refused or failed connect: no). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (isOpen: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(isOpen);
    };
    const timer = setTimeout(() => done(false), PROBE_MS);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
