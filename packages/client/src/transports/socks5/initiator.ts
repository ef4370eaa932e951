// XEP-0065 §5.3.1 (direct) and §6.3.1–§6.3.5 (mediated), Requester side: offer our streamhosts —
// our own listener first, then the proxies — to the Target; connect where it says it connected;
// activate a proxy before the first byte. Every step is bounded; a failure closes everything.
import type { Socket } from 'node:net';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { Jid } from '@ferry/protocol/jid';
import { NS } from '@ferry/protocol/namespaces';
import {
  decodeStreamhostUsed,
  encodeStreamhosts,
  type Streamhost,
  type StreamhostUsed,
} from '@ferry/protocol/payloads/bytestreams';
import { xml, type Element } from '@ferry/protocol/xml/element';
import { dstAddrHash } from '@ferry/protocol/socks5/hash';
import { abortError } from '@ferry/protocol/socks5/errors';
import { TransferError } from '../../transfer-error.js';
import type { BytestreamContext } from '../bytestream.js';
import type { DirectListener } from './direct-listener.js';
import { OutgoingSocks5Bytestream } from './outgoing-stream.js';
import type { ProxyDirectory } from './proxy-directory.js';
import { activateProxy, connectStreamhost, listenDirect } from './seam.js';
import type { Socks5Settings } from './settings.js';

export async function openSocks5(
  context: BytestreamContext,
  settings: Socks5Settings,
  proxies: ProxyDirectory,
): Promise<OutgoingSocks5Bytestream> {
  const { connection, sid, initiator, target, signal } = context;
  const hash = dstAddrHash(sid, initiator.toString(), target.toString());
  const where = `SOCKS5 bytestream ${sid} to ${target.toString()}`;
  let listener: DirectListener | undefined;
  let socket: Socket | undefined;
  const untilAborted = abortable(signal, `${where}: aborted`);

  try {
    // Our own streamhost first (§5: direct is faster and spares the proxy), then the proxies.
    const problems: string[] = [];
    const [direct, lookup] = await untilAborted(
      Promise.all([
        settings.direct ? openListener(settings, connection.localAddress, hash, problems) : undefined,
        proxies.lookup(connection),
      ]),
      (opened) => opened[0]?.close(),
    );
    listener = direct;
    problems.push(...lookup.problems);
    const streamhosts: Streamhost[] = [
      ...(listener ? [{ jid: initiator.toString(), host: listener.host, port: listener.port }] : []),
      ...lookup.streamhosts,
    ];
    if (streamhosts.length === 0) {
      // Decision: no offer at all. §5.3.1 requires one or more <streamhost/>, so there is nothing
      // valid to send; the caller falls back (IBB) and the Target's expect() ends by its timeout.
      const why = [
        settings.direct ? undefined : 'the direct streamhost is disabled',
        proxies.isEnabled ? 'no proxy found' : 'proxies are disabled',
        ...problems,
      ].filter(Boolean);
      throw new TransferError('FERRY_ERR_NO_STREAMHOST', `${where}: no streamhost to offer (${why.join('; ')})`);
    }

    // §5.3.1 / §6.3.1: the offer, then wait for the Target to connect to one of them.
    const offer = xml(
      'iq',
      { type: 'set', to: target.toString() },
      encodeStreamhosts({ sid, mode: 'tcp', streamhosts }),
    );
    let result: Element;
    try {
      result = await untilAborted(connection.request(offer, settings.negotiationTimeoutMs));
    } catch (error) {
      throw offerFailure(error, where, streamhosts);
    }
    let used: StreamhostUsed;
    try {
      used = decodeStreamhostUsed(queryOf(result));
    } catch (error) {
      throw new TransferError(
        'FERRY_ERR_NO_STREAMHOST',
        `${where}: the target's answer is malformed: ${message(error)}`,
        { cause: error },
      );
    }

    const chosen = streamhosts.filter((streamhost) => sameJid(streamhost.jid, used.jid));
    if (chosen.length === 0) {
      throw new TransferError(
        'FERRY_ERR_NO_STREAMHOST',
        `${where}: the target says it used ${used.jid}, which we did not offer (offered: ${list(streamhosts)})`,
      );
    }
    if (listener && sameJid(used.jid, initiator.toString())) {
      // §5.3.3: direct — the Target is already connected to our listener.
      socket = await listener.take(settings.candidateTimeoutMs, signal);
      listener.close();
      return new OutgoingSocks5Bytestream(socket, chosen[0] as Streamhost, {
        signal,
        lingerMs: settings.negotiationTimeoutMs,
      });
    }
    listener?.close();

    // §6.3.4: mediated — connect only now: the proxy takes the first connection with a hash for the
    // Target's, so connecting before streamhost-used would steal its role.
    let streamhost: Streamhost | undefined;
    const failures: string[] = [];
    for (const candidate of chosen) {
      try {
        socket = await connectStreamhost(candidate, hash, settings, signal);
        streamhost = candidate;
        break;
      } catch (error) {
        if (signal.aborted) throw error;
        failures.push(`${candidate.host}:${candidate.port} (${(error as Error).message})`);
      }
    }
    if (!socket || !streamhost) {
      proxies.forget(connection);
      throw new TransferError(
        'FERRY_ERR_ACTIVATION',
        `${where}: the target connected to proxy ${used.jid}, but we could not: ${failures.join('; ')}`,
      );
    }

    // §6.3.5: activate, and write nothing before the result (the proxy would drop or misroute it).
    try {
      await activateProxy(connection, {
        proxy: used.jid,
        sid,
        target: target.toString(),
        timeoutMs: settings.negotiationTimeoutMs,
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      const cause = (error as { cause?: unknown }).cause ?? error;
      throw new TransferError(
        'FERRY_ERR_ACTIVATION',
        `${where}: proxy ${used.jid} refused to activate: ${message(cause)}`,
        { cause },
      );
    }
    if (socket.destroyed) {
      throw new TransferError(
        'FERRY_ERR_ACTIVATION',
        `${where}: proxy ${used.jid} closed the connection at activation`,
      );
    }
    return new OutgoingSocks5Bytestream(socket, streamhost, { signal, lingerMs: settings.negotiationTimeoutMs });
  } catch (error) {
    listener?.close();
    socket?.destroy();
    if (signal.aborted && !(error instanceof Error && error.name === 'AbortError')) {
      throw abortError(`${where}: aborted`, signal);
    }
    throw error;
  }
}

/** §5.3.2: item-not-found means the Target reached none of them — the caller may fall back to IBB. */
function offerFailure(error: unknown, where: string, streamhosts: Streamhost[]): Error {
  if (error instanceof StanzaError && error.condition === 'item-not-found') {
    return new TransferError(
      'FERRY_ERR_NO_STREAMHOST',
      `${where}: the target could connect to none of the streamhosts offered (${list(streamhosts)})${
        error.text ? `: ${error.text}` : ''
      }`,
      { cause: error },
    );
  }
  // not-acceptable (the Target refuses the bytestream), a timeout, an abort: as they are.
  return error instanceof Error ? error : new Error(String(error));
}

/** A direct streamhost we cannot listen for is a problem to report, not a reason to give up. */
async function openListener(
  settings: Socks5Settings,
  localAddress: string | undefined,
  hash: string,
  problems: string[],
): Promise<DirectListener | undefined> {
  try {
    // The address our XMPP connection leaves from is one the peer's network can likely reach.
    return await listenDirect(settings, localAddress, hash);
  } catch (error) {
    problems.push(`direct streamhost: ${message(error)}`);
    return undefined;
  }
}

function queryOf(result: Element): Element {
  const query = result.getChild('query', NS.BYTESTREAMS);
  if (!query) throw new StanzaError('bad-request', { text: 'the result has no <streamhost-used/>' });
  return query;
}

function sameJid(a: string, b: string): boolean {
  const left = Jid.tryParse(a);
  const right = Jid.tryParse(b);
  return left !== undefined && right !== undefined && left.equals(right);
}

function list(streamhosts: Streamhost[]): string {
  return streamhosts.map((streamhost) => `${streamhost.jid} ${streamhost.host}:${streamhost.port}`).join(', ');
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Races a step against the signal; a value that arrives after the abort is released with
 * `release` (a listener opened too late) so nothing is left behind.
 */
function abortable(signal: AbortSignal, what: string) {
  return <T>(promise: Promise<T>, release?: (value: T) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (signal.aborted) {
        void promise.then(release, () => {});
        reject(abortError(what, signal));
        return;
      }
      const onAbort = (): void => {
        void promise.then(release, () => {});
        reject(abortError(what, signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
}
