// RFC 1928 §3–§6, client side: what a XEP-0065 Target (§5.3.2, §6.3.2) and a Requester
// connecting to a proxy (§6.3.4) run. A buffered state machine with no sockets.
import {
  ATYP,
  METHOD,
  SOCKS_VERSION,
  decodeMethodSelection,
  decodeReply,
  describeReply,
  encodeConnectRequest,
  encodeGreeting,
  hex,
} from './codec.js';

/** A DST.ADDR hash: SHA-1 in lower-case hex (XEP-0065 §5.3.2). */
const SHA1_HEX = /^[0-9a-f]{40}$/i;

export type ClientHandshakeState = 'initial' | 'wait-selection' | 'wait-reply' | 'done' | 'failed';

/**
 * `refused`: the StreamHost understood us and said no (X'FF' method, or REP ≠ 0).
 * `protocol`: the StreamHost sent something that is not the XEP-0065 subset of SOCKS5.
 */
export type ClientFailure = 'refused' | 'protocol';

export type ClientAction =
  | { kind: 'send'; bytes: Buffer }
  /** The bytestream is open; `leftover` is its first bytes if they arrived with the reply. */
  | { kind: 'connected'; leftover: Buffer }
  | { kind: 'error'; failure: ClientFailure; reason: string; rep?: number };

export class ClientHandshake {
  readonly hash: string;
  #state: ClientHandshakeState = 'initial';
  #buffer: Buffer = Buffer.alloc(0);
  readonly #request: Buffer;

  /** `hash` is the DST.ADDR (see dstAddrHash); an unencodable one throws RangeError here. */
  constructor(hash: string) {
    this.hash = hash;
    this.#request = encodeConnectRequest(hash);
  }

  get state(): ClientHandshakeState {
    return this.#state;
  }

  /** The greeting: one method, X'00' no authentication (XEP-0065 §5.3.2: auth is out of scope). */
  start(): Buffer {
    if (this.#state !== 'initial') throw new Error(`ClientHandshake.start() called in state ${this.#state}`);
    this.#state = 'wait-selection';
    return encodeGreeting([METHOD.NO_AUTH]);
  }

  feed(chunk: Buffer): ClientAction[] {
    if (this.#state !== 'wait-selection' && this.#state !== 'wait-reply') {
      throw new Error(`ClientHandshake.feed() called in state ${this.#state}`);
    }
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    return this.#state === 'wait-selection' ? this.#readSelection() : this.#readReply();
  }

  #readSelection(): ClientAction[] {
    const decoded = decodeMethodSelection(this.#buffer);
    if (decoded.kind === 'need-more') return [];
    if (decoded.kind === 'error') return [this.#fail('protocol', decoded.reason)];
    const { method } = decoded.value;
    if (method === METHOD.NO_ACCEPTABLE) {
      return [this.#fail('refused', "method selection: the StreamHost accepts none of our methods (X'FF')")];
    }
    if (method !== METHOD.NO_AUTH) {
      return [this.#fail('protocol', `method selection: the StreamHost chose ${hex(method)}, we offered only 0x00`)];
    }
    // The StreamHost cannot know our hash yet, so anything after its selection is not a reply.
    if (this.#buffer.length > decoded.consumed) {
      return [this.#fail('protocol', 'method selection: unexpected bytes before our CONNECT was sent')];
    }
    this.#buffer = Buffer.alloc(0);
    this.#state = 'wait-reply';
    // COMPAT: only now send the CONNECT. Prosody's mod_proxy65 reads the greeting and the request
    // as one exact-size read each, so a CONNECT pipelined after the greeting is rejected.
    return [{ kind: 'send', bytes: this.#request }];
  }

  #readReply(): ClientAction[] {
    const buf = this.#buffer;
    // A failure ends the attempt whatever BND fields follow (RFC 1928 §6 leaves them undefined
    // on failure, and some servers close before sending them), so decide on REP alone.
    if (buf.length >= 2 && buf[0] === SOCKS_VERSION && buf[1] !== 0x00) {
      const rep = buf.readUInt8(1);
      const reason = `reply: the StreamHost refused the CONNECT with REP ${describeReply(rep)}`;
      return [{ ...this.#fail('refused', reason), rep }];
    }
    const decoded = decodeReply(buf);
    if (decoded.kind === 'need-more') return [];
    if (decoded.kind === 'error') return [this.#fail('protocol', decoded.reason)];
    const { address } = decoded.value;
    // XEP-0065 §5.3.2: BND.ADDR echoes our DST.ADDR. A different hash means we reached a
    // StreamHost that is answering for another session: never use that stream.
    if (address.atyp !== ATYP.DOMAINNAME) {
      return [this.#fail('protocol', `reply: BND.ADDR has ATYP ${hex(address.atyp)}, expected 0x03 echoing our hash`)];
    }
    // COMPAT: libpurple (Pidgin 2.14) as a direct StreamHost answers with its own IP address as
    // the domain-name BND.ADDR ("192.0.2.2"), not the hash. Only another hash (40 hex digits)
    // says the StreamHost means another session; anything else names the host, and is ignored.
    if (address.host !== this.hash && SHA1_HEX.test(address.host)) {
      return [
        this.#fail('protocol', `reply: BND.ADDR ${JSON.stringify(address.host)} is not our DST.ADDR ${this.hash}`),
      ];
    }
    const leftover = buf.subarray(decoded.consumed);
    this.#buffer = Buffer.alloc(0);
    this.#state = 'done';
    return [{ kind: 'connected', leftover }];
  }

  #fail(failure: ClientFailure, reason: string): { kind: 'error'; failure: ClientFailure; reason: string } {
    this.#state = 'failed';
    this.#buffer = Buffer.alloc(0);
    return { kind: 'error', failure, reason };
  }
}
