// XEP-0065 §5.3.2 / §6.3.2–§6.3.3, Target side: wait for the Requester's streamhosts for one sid,
// connect to the first that works in document order (only the proxies when direct connections
// are off), answer streamhost-used (or item-not-found
// when none does), and hand the connected socket over without reading from it.
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { Jid } from '@ferry/protocol/jid';
import { NS } from '@ferry/protocol/namespaces';
import {
  decodeStreamhosts,
  encodeStreamhostUsed,
  type Streamhost,
  type StreamhostsQuery,
} from '@ferry/protocol/payloads/bytestreams';
import type { Element } from '@ferry/protocol/xml/element';
import { dstAddrHash } from '@ferry/protocol/socks5/hash';
import { abortError } from '@ferry/protocol/socks5/errors';
import { TransferError } from '../../transfer-error.js';
import type { BytestreamContext } from '../bytestream.js';
import { connectFirst } from './seam.js';
import { IncomingSocks5Bytestream } from './incoming-stream.js';
import { assertDuration, type Socks5Settings } from './settings.js';

export interface Socks5Expectation {
  established: Promise<IncomingSocks5Bytestream>;
  cancel(): void;
}

export function expectSocks5(
  context: BytestreamContext,
  timeoutMs: number,
  settings: Socks5Settings,
): Socks5Expectation {
  assertDuration(timeoutMs, 'timeoutMs');
  const { connection, sid, initiator, target, signal } = context;
  const where = `SOCKS5 bytestream ${sid} from ${initiator.toString()}`;
  let resolveEstablished!: (stream: IncomingSocks5Bytestream) => void;
  let rejectEstablished!: (error: Error) => void;
  const established = new Promise<IncomingSocks5Bytestream>((resolve, reject) => {
    resolveEstablished = resolve;
    rejectEstablished = reject;
  });
  // Whoever cancels may not be awaiting `established`: never an unhandled rejection.
  established.catch(() => {});

  let state: 'waiting' | 'connecting' | 'settled' = 'waiting';
  const attempts = new AbortController();
  const timer = setTimeout(
    () => settle(new TransferError('FERRY_ERR_TIMEOUT', `${where}: no streamhost offer within ${timeoutMs} ms`)),
    timeoutMs,
  );
  const onAbort = (): void => settle(abortError(`${where}: aborted`, signal));
  // A function, because the state changes while the handler awaits (TypeScript cannot see that).
  const isSettled = (): boolean => state === 'settled';

  function settle(outcome: IncomingSocks5Bytestream | Error): void {
    if (state === 'settled') return;
    state = 'settled';
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    removeHandler();
    if (outcome instanceof Error) {
      attempts.abort(outcome);
      rejectEstablished(outcome);
    } else {
      resolveEstablished(outcome);
    }
  }

  const removeHandler = connection.onIq('set', NS.BYTESTREAMS, 'query', async (stanza, payload) => {
    // Several transfers share the namespace: only this sid from this initiator is ours.
    if (payload.attrs.sid !== sid || !isFrom(stanza, initiator)) return undefined;
    if (state !== 'waiting') {
      throw new StanzaError('unexpected-request', { text: 'this bytestream is already being negotiated' });
    }
    state = 'connecting';
    clearTimeout(timer); // from here the streamhost attempts bound the wait
    let offer: StreamhostsQuery;
    try {
      offer = decodeStreamhosts(payload);
    } catch (error) {
      // bad-request (malformed) or not-acceptable (UDP): the Requester learns why from the reply.
      settle(
        new TransferError('FERRY_ERR_NO_STREAMHOST', `${where}: unusable offer: ${message(error)}`, { cause: error }),
      );
      throw error;
    }
    // §7: behind a MUC room the Requester gives the hash it will use; otherwise compute it.
    const hash = offer.dstaddr ?? dstAddrHash(sid, initiator.toString(), target.toString());
    // Direct connections off: a streamhost that is the Requester itself (§5) is skipped, so only
    // proxies (§6) are tried, still in document order.
    const streamhosts = settings.direct
      ? offer.streamhosts
      : offer.streamhosts.filter((streamhost) => !Jid.tryParse(streamhost.jid)?.equals(initiator));
    if (streamhosts.length === 0) {
      const why = `direct connections are off and none of the ${offer.streamhosts.length} streamhosts is a proxy`;
      settle(new TransferError('FERRY_ERR_NO_STREAMHOST', `${where}: ${why}`));
      // §5.3.2: item-not-found; the Requester may fall back to another method.
      throw new StanzaError('item-not-found', { text: why });
    }
    const outcome = await connectFirst(streamhosts, hash, settings, attempts.signal);
    if (isSettled()) {
      // Aborted or cancelled while connecting: §5.3.1, a Target unwilling to go on says not-acceptable.
      if (outcome.ok) outcome.value.destroy();
      throw new StanzaError('not-acceptable', { text: 'the transfer was cancelled' });
    }
    if (!outcome.ok) {
      const tried = outcome.failures.map(({ candidate, error }) => `${describe(candidate)}: ${error.message}`);
      settle(
        new TransferError('FERRY_ERR_NO_STREAMHOST', `${where}: could connect to no streamhost (${tried.join('; ')})`),
      );
      // §5.3.2: "If the Target is unable to connect to any of the StreamHosts … item-not-found".
      throw new StanzaError('item-not-found', {
        text: `could not connect to any of the ${streamhosts.length} streamhosts${streamhosts.length < offer.streamhosts.length ? ' tried (direct connections are off)' : ''}`,
      });
    }
    settle(new IncomingSocks5Bytestream(outcome.value, outcome.candidate, signal, settings.idleTimeoutMs));
    return encodeStreamhostUsed({ sid, jid: outcome.candidate.jid });
  });

  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });

  return {
    established,
    cancel() {
      settle(new TransferError('FERRY_ERR_CANCELLED', `${where}: no longer expected`));
    },
  };
}

function isFrom(stanza: Element, initiator: Jid): boolean {
  const from = Jid.tryParse(String(stanza.attrs.from ?? ''));
  return from !== undefined && from.equals(initiator);
}

function describe(streamhost: Streamhost): string {
  return `${streamhost.jid} ${streamhost.host}:${streamhost.port}`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
