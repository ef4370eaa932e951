// XEP-0047: In-Band Bytestreams as a BytestreamTransport — the last-resort method that works
// wherever the two clients can chat. open() is the initiator's side (ibb-initiator.ts), expect()
// the target's (ibb-target.ts). Each session's handlers claim only stanzas with its sid from its
// peer's full JID and return undefined for the rest, so any number of sessions share one
// connection; each session removes its handlers when it ends.
import { NS } from '@ferry/protocol/namespaces';
import { MAX_BLOCK_SIZE, RECOMMENDED_BLOCK_SIZE } from '@ferry/protocol/payloads/ibb';
import type { BytestreamContext } from '../bytestream.js';
import { openIbbSession, type IbbOutgoingBytestream } from './ibb-initiator.js';
import { expectIbbSession, type IbbExpectation } from './ibb-target.js';
import type { IbbSettings } from './session.js';

/** Options of createIbbTransport(). */
export interface IbbTransportOptions {
  /** Initiator: bytes per <data/> asked for in the <open/>, 1..65535; default 4096 (XEP-0047 §5). */
  blockSize?: number;
  /** Initiator: unacknowledged data iqs in flight; default 1, ack-paced as Spark and Openfire do. */
  window?: number;
  /** Initiator: which stanza carries the data; default 'iq'. The target accepts both. */
  stanza?: 'iq' | 'message';
  /** Bound on the answer to each open, data and close iq we send; default 30 000. */
  ackTimeoutMs?: number;
  /** Target: the largest block-size accepted; a larger <open/> gets resource-constraint. Default 65535. */
  maxBlockSize?: number;
  /** Target: how long the initiator may send nothing (while we hold no ack); default 60 000. */
  idleTimeoutMs?: number;
}

/** A BytestreamTransport whose ends also report what was negotiated. */
export interface IbbTransport {
  readonly method: 'ibb';
  readonly namespace: typeof NS.IBB;
  /** What the initiator asks for, and the largest the target accepts (Jingle offers and answers them). */
  readonly blockSize: number;
  readonly maxBlockSize: number;
  open(context: BytestreamContext): Promise<IbbOutgoingBytestream>;
  expect(context: BytestreamContext, timeoutMs: number): IbbExpectation;
}

/** The XEP-0047 In-Band Bytestreams transport: slow, but works wherever XMPP does. */
export function createIbbTransport(options: IbbTransportOptions = {}): IbbTransport {
  const settings = resolveSettings(options);
  return {
    method: 'ibb',
    namespace: NS.IBB,
    blockSize: settings.blockSize,
    maxBlockSize: settings.maxBlockSize,
    open: (context) => openIbbSession(context, settings),
    expect: (context, timeoutMs) => expectIbbSession(context, timeoutMs, settings),
  };
}

/** Options are programmer input: a bad value throws at once rather than failing a transfer later. */
function resolveSettings(options: IbbTransportOptions): IbbSettings {
  const settings: IbbSettings = {
    blockSize: options.blockSize ?? RECOMMENDED_BLOCK_SIZE,
    window: options.window ?? 1,
    stanza: options.stanza ?? 'iq',
    ackTimeoutMs: options.ackTimeoutMs ?? 30_000,
    maxBlockSize: options.maxBlockSize ?? MAX_BLOCK_SIZE,
    idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
  };
  const isIn = (value: number, min: number, max: number) => Number.isInteger(value) && value >= min && value <= max;
  if (!isIn(settings.blockSize, 1, MAX_BLOCK_SIZE)) throw new RangeError(`IBB blockSize must be 1..${MAX_BLOCK_SIZE}`);
  if (!isIn(settings.maxBlockSize, 1, MAX_BLOCK_SIZE)) {
    throw new RangeError(`IBB maxBlockSize must be 1..${MAX_BLOCK_SIZE}`);
  }
  if (!isIn(settings.window, 1, 1024)) throw new RangeError('IBB window must be 1..1024');
  if (!(settings.ackTimeoutMs > 0) || !(settings.idleTimeoutMs > 0)) throw new RangeError('IBB timeouts must be > 0');
  if (settings.stanza !== 'iq' && settings.stanza !== 'message')
    throw new RangeError("IBB stanza must be 'iq' or 'message'");
  return settings;
}
