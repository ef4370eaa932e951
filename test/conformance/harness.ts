// The conformance suite's plumbing: contexts for one sid, connections that count their handlers,
// a session opened the way the file-transfer layer opens one (expect on the target first, then
// open on the initiator), a hashing tap for the sender and a draining reader for the target.
// Every wait is bounded by WAIT_MS.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import type { ConnectionPair } from '../helpers/connection-pair.js';
import { withTimeout } from '../helpers/xmpp-client.js';
import type { XmppConnection } from '@ferry/client/internal/connection';
import { TransferError, type TransferErrorCode } from '@ferry/client/internal/transfer-error';
import type {
  BytestreamContext,
  BytestreamTransport,
  IncomingBytestream,
  OutgoingBytestream,
} from '@ferry/client/internal/transports/bytestream';
import { StanzaError, type StanzaErrorCondition } from '@ferry/protocol/errors/stanza-error';
import type { Element } from '@ferry/protocol/xml/element';

export { withTimeout };

/** The bound on every await of the suite. */
export const WAIT_MS = 10_000;
/** The bound on a size case: 4 MiB over IBB is 1 024 acknowledged blocks, slow on a busy machine. */
export const CARRY_MS = 30_000;

let sidCount = 0;
export const nextSid = (): string => `conformance-${process.pid}-${++sidCount}`;

/**
 * A connection whose onIq/onMessage registrations are counted (`active()` is what is still
 * registered) and whose outgoing stanzas are recorded by addressee (`sentTo`).
 */
export function tracked(connection: XmppConnection): {
  connection: XmppConnection;
  active(): number;
  sentTo(jid: string): number;
} {
  let active = 0;
  const addressees: string[] = [];
  const record = (stanza: Element) => addressees.push(String(stanza.attrs.to));
  const counted = (remove: () => unknown) => {
    active += 1;
    let isRemoved = false;
    return () => {
      if (!isRemoved) active -= 1;
      isRemoved = true;
      remove();
    };
  };
  const wrapped: XmppConnection = {
    ...connection,
    onIq: (type, namespace, name, handler) => counted(connection.onIq(type, namespace, name, handler)),
    onMessage: (listener) => counted(connection.onMessage(listener)),
    send: (stanza) => (record(stanza), connection.send(stanza)),
    request: (iq, timeoutMs) => (record(iq), connection.request(iq, timeoutMs)),
  };
  return {
    connection: wrapped,
    active: () => active,
    sentTo: (jid) => addressees.filter((to) => to === jid).length,
  };
}

export interface Ends {
  sid: string;
  alice: BytestreamContext;
  bob: BytestreamContext;
  /** IQ and message handlers the transports still hold on either connection. */
  handlersLeft(): number;
  /** Stanzas the initiator's transport has sent to the target. */
  sentToTarget(): number;
}

/** Both ends' contexts for a fresh sid, alice the initiator; each side may have its own signal. */
export function ends(pair: ConnectionPair, signals: { alice?: AbortSignal; bob?: AbortSignal } = {}): Ends {
  const sid = nextSid();
  const alice = tracked(pair.alice);
  const bob = tracked(pair.bob);
  const common = { sid, initiator: pair.alice.jid, target: pair.bob.jid };
  return {
    sid,
    alice: { ...common, connection: alice.connection, signal: signals.alice ?? new AbortController().signal },
    bob: { ...common, connection: bob.connection, signal: signals.bob ?? new AbortController().signal },
    handlersLeft: () => alice.active() + bob.active(),
    sentToTarget: () => alice.sentTo(pair.bob.jid.toString()),
  };
}

export interface Session extends Ends {
  outgoing: OutgoingBytestream;
  incoming: IncomingBytestream;
}

/** expect() on bob, then open() on alice: an established bytestream alice → bob. */
export async function openSession(
  pair: ConnectionPair,
  transports: { initiator: BytestreamTransport; target: BytestreamTransport },
  signals: { alice?: AbortSignal; bob?: AbortSignal } = {},
): Promise<Session> {
  const sides = ends(pair, signals);
  const expectation = transports.target.expect(sides.bob, WAIT_MS);
  const outgoing = await withTimeout(transports.initiator.open(sides.alice), WAIT_MS, 'open() on the initiator');
  const incoming = await withTimeout(expectation.established, WAIT_MS, 'established on the target');
  return { ...sides, outgoing, incoming };
}

/** A pass-through that hashes and counts what the sender hands to the bytestream. */
export function hashingTap(): Transform & { digest(): string; bytes: number } {
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      tap.bytes += chunk.length;
      callback(null, chunk);
    },
  }) as Transform & { digest(): string; bytes: number };
  tap.bytes = 0;
  tap.digest = () => hash.digest('hex');
  return tap;
}

/** `total` bytes of `pattern` repeated, produced on demand, as the sender of a mid-stream case. */
export function repeating(pattern: Buffer, total: number): Readable {
  let produced = 0;
  return new Readable({
    read() {
      const length = Math.min(pattern.length, total - produced);
      produced += length;
      this.push(length > 0 ? pattern.subarray(0, length) : null);
    },
  });
}

/** The sha256 of the first `length` bytes of `pattern` repeated: what a cut-short stream holds. */
export function prefixSha256(pattern: Buffer, length: number): string {
  const hash = createHash('sha256');
  for (let left = length; left > 0; left -= pattern.length)
    hash.update(pattern.subarray(0, Math.min(left, pattern.length)));
  return hash.digest('hex');
}

export interface Drained {
  bytes: number;
  sha256: string;
  /** How the readable ended: normally (undefined) or with this error. */
  error: unknown;
}

/** Reads to the end or the first error, never rejecting; `onChunk` sees the running count. */
export async function drain(readable: Readable, onChunk?: (bytes: number) => void): Promise<Drained> {
  const hash = createHash('sha256');
  let bytes = 0;
  let error: unknown;
  try {
    for await (const chunk of readable) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      onChunk?.(bytes);
    }
  } catch (caught) {
    error = caught;
  }
  return { bytes, sha256: hash.digest('hex'), error };
}

/**
 * Notices the initiator's first request for one sid arriving at the target (the IBB <open/>, the
 * SOCKS5 offer) without claiming it; with `hold`, claims it and answers only at release().
 */
export function watchOpening(
  connection: XmppConnection,
  opening: { namespace: string; name: string },
  sid: string,
  options: { hold?: boolean; onArrival?: () => void } = {},
): { arrived: Promise<void>; release(error: StanzaError): void; stop(): void } {
  let arrive!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  let answer: ((error: StanzaError) => void) | undefined;
  // Registered before the transport's own handler, so it runs first: onArrival() acts before
  // the transport has seen the opening.
  const stop = connection.onIq('set', opening.namespace, opening.name, (_stanza: Element, payload: Element) => {
    if (payload.attrs.sid !== sid) return undefined;
    options.onArrival?.();
    arrive();
    if (!options.hold) return undefined;
    return new Promise<never>((_, reject) => (answer = reject));
  });
  return { arrived, release: (error) => answer?.(error), stop };
}

export function isAbortError(error: unknown): boolean {
  assert.ok(error instanceof Error, `expected an AbortError, got ${String(error)}`);
  assert.equal(error.name, 'AbortError', `expected an AbortError, got ${error.name}: ${error.message}`);
  return true;
}

export function isTransferError(code: TransferErrorCode, pattern?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof TransferError, `expected a TransferError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

export function isStanzaError(condition: StanzaErrorCondition): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof StanzaError, `expected a StanzaError ${condition}, got ${String(error)}`);
    assert.equal(error.condition, condition);
    return true;
  };
}
