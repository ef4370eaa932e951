// RFC 1928 §3–§6, StreamHost side (XEP-0065 §5.3.2 direct, §6.3.2 mediated): the proxy and a
// client's own direct listener both run this. A buffered state machine with no sockets: bytes in,
// actions out, correct however the peer's bytes are split or merged (Prosody's mod_proxy65
// assumes one read is one message; we must not).
import {
  ATYP,
  COMMAND,
  METHOD,
  REPLY,
  decodeGreeting,
  decodeRequest,
  encodeMethodSelection,
  encodeReply,
  hex,
  type Request,
} from './codec.js';

export type ServerHandshakeState = 'wait-greeting' | 'wait-request' | 'wait-decision' | 'done' | 'failed';

/**
 * What the owner must do, in order. `send` bytes go to the peer; `request` means the CONNECT
 * arrived and the owner must now call accept() or reject(); `error` means the handshake failed
 * (after writing any preceding `send`, close the connection).
 */
export type ServerAction =
  { kind: 'send'; bytes: Buffer } | { kind: 'request'; hash: string } | { kind: 'error'; reason: string };

export interface AcceptResult {
  /** The success reply to write. */
  reply: Buffer;
  /** Bytes the peer sent after its CONNECT (pipelined/early data): the start of the bytestream. */
  leftover: Buffer;
}

const COMMAND_NAMES: Record<number, string> = { 0x02: 'BIND', 0x03: 'UDP ASSOCIATE' };
const ATYP_NAMES: Record<number, string> = { 0x01: 'IPv4', 0x04: 'IPv6' };

export class ServerHandshake {
  #state: ServerHandshakeState = 'wait-greeting';
  #buffer: Buffer = Buffer.alloc(0);
  #request: Request | undefined;

  get state(): ServerHandshakeState {
    return this.#state;
  }

  feed(chunk: Buffer): ServerAction[] {
    if (this.#state === 'done' || this.#state === 'failed') {
      throw new Error(`ServerHandshake.feed() called after the handshake was ${this.#state}`);
    }
    // Always a private copy: the leftover we hand back must not alias the caller's chunk.
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    const actions: ServerAction[] = [];
    // Loop because one chunk may hold the greeting and the request (a pipelining client).
    for (;;) {
      if (this.#state === 'wait-greeting') {
        if (!this.#readGreeting(actions)) return actions;
      } else if (this.#state === 'wait-request') {
        this.#readRequest(actions);
        return actions;
      } else {
        // wait-decision: everything after the CONNECT is bytestream data, kept for accept().
        return actions;
      }
    }
  }

  /** The CONNECT is acceptable: returns the success reply echoing DST.ADDR/DST.PORT. */
  accept(): AcceptResult {
    const request = this.#decided('accept');
    this.#state = 'done';
    const leftover = this.#buffer;
    this.#buffer = Buffer.alloc(0);
    // XEP-0065 §5.3.2: BND.ADDR and BND.PORT are the DST.ADDR and DST.PORT of the request.
    const reply = encodeReply({ rep: REPLY.SUCCEEDED, address: request.address, port: request.port });
    return { reply, leftover };
  }

  /** Refuse the CONNECT (unknown hash, policy…): returns the failure reply; then close. */
  reject(rep: number = REPLY.GENERAL_FAILURE): Buffer {
    if (rep === REPLY.SUCCEEDED) throw new RangeError('reject() needs a failure REP, not 0x00');
    const request = this.#decided('reject');
    this.#state = 'failed';
    this.#buffer = Buffer.alloc(0);
    return encodeReply({ rep, address: request.address, port: request.port });
  }

  #decided(call: string): Request {
    if (this.#state !== 'wait-decision' || this.#request === undefined) {
      throw new Error(`ServerHandshake.${call}() called in state ${this.#state}`);
    }
    return this.#request;
  }

  /** Returns true when the greeting was consumed and the machine moved on. */
  #readGreeting(actions: ServerAction[]): boolean {
    const decoded = decodeGreeting(this.#buffer);
    if (decoded.kind === 'need-more') return false;
    if (decoded.kind === 'error') {
      actions.push(this.#fail(decoded.reason));
      return false;
    }
    this.#buffer = this.#buffer.subarray(decoded.consumed);
    const { methods } = decoded.value;
    if (!methods.includes(METHOD.NO_AUTH)) {
      // RFC 1928 §3: X'FF' tells the client none of its methods is acceptable; then we close.
      // XEP-0065 §5.3.2: authentication is out of scope, so "no authentication" is the only one.
      actions.push({ kind: 'send', bytes: encodeMethodSelection(METHOD.NO_ACCEPTABLE) });
      const offered = methods.map(hex).join(', ');
      actions.push(this.#fail(`greeting: no acceptable method (need 0x00 no-auth, offered ${offered})`));
      return false;
    }
    actions.push({ kind: 'send', bytes: encodeMethodSelection(METHOD.NO_AUTH) });
    this.#state = 'wait-request';
    return true;
  }

  #readRequest(actions: ServerAction[]): void {
    const decoded = decodeRequest(this.#buffer);
    if (decoded.kind === 'need-more') return;
    if (decoded.kind === 'error') {
      actions.push(this.#fail(decoded.reason));
      return;
    }
    const request = decoded.value;
    const { command, address, port } = request;
    // Well-formed but outside XEP-0065 §10.2: answer with the RFC 1928 §6 code, then close.
    if (command !== COMMAND.CONNECT) {
      const name = COMMAND_NAMES[command] ?? 'unknown';
      actions.push({
        kind: 'send',
        bytes: encodeReply({ rep: REPLY.COMMAND_NOT_SUPPORTED, address, port }),
      });
      actions.push(this.#fail(`request: CMD ${hex(command)} (${name}) is not supported, only CONNECT`));
      return;
    }
    if (address.atyp !== ATYP.DOMAINNAME) {
      const name = ATYP_NAMES[address.atyp] ?? 'unknown';
      actions.push({
        kind: 'send',
        bytes: encodeReply({ rep: REPLY.ADDRESS_TYPE_NOT_SUPPORTED, address, port }),
      });
      actions.push(
        this.#fail(`request: ATYP ${hex(address.atyp)} (${name}) is not supported, XEP-0065 uses DOMAINNAME`),
      );
      return;
    }
    // DST.PORT "MUST be 0" (XEP-0065 §5.3.2) but a StreamHost MAY ignore it (§10.1): we do, and
    // echo it back, so a sloppy client still works.
    this.#buffer = this.#buffer.subarray(decoded.consumed);
    this.#request = request;
    this.#state = 'wait-decision';
    actions.push({ kind: 'request', hash: address.host });
  }

  #fail(reason: string): ServerAction {
    this.#state = 'failed';
    this.#buffer = Buffer.alloc(0);
    return { kind: 'error', reason };
  }
}
