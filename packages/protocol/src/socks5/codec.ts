// RFC 1928: the SOCKS5 subset XEP-0065 uses (§10.2 "SOCKS5 Parameter Mapping"): a no-auth
// greeting, a CONNECT whose DST.ADDR is the SHA-1 hash as a DOMAINNAME, and the reply echoing it.
// Pure: no sockets, no state. Decoders take whatever is buffered (a partial message, or a message
// followed by more bytes) and say how much they consumed, so callers never assume chunk boundaries.
//
// Decision on address types: the decoders frame ATYP 01 (IPv4) and 04 (IPv6) as well as 03,
// because their length is known and a well-formed-but-unsupported request deserves a proper
// "address type not supported" reply rather than a dropped connection. Whether a type is
// *acceptable* is the handshakes' call (they accept only DOMAINNAME, XEP-0065 §10.2). Any other
// ATYP cannot be framed, so it is an error here.

export const SOCKS_VERSION = 0x05;

// RFC 1928 §3: METHOD values we care about.
export const METHOD = { NO_AUTH: 0x00, NO_ACCEPTABLE: 0xff } as const;

// RFC 1928 §4: CMD.
export const COMMAND = { CONNECT: 0x01, BIND: 0x02, UDP_ASSOCIATE: 0x03 } as const;

// RFC 1928 §5: ATYP.
export const ATYP = { IPV4: 0x01, DOMAINNAME: 0x03, IPV6: 0x04 } as const;
export type AddressType = (typeof ATYP)[keyof typeof ATYP];

// RFC 1928 §6: REP.
export const REPLY = {
  SUCCEEDED: 0x00,
  GENERAL_FAILURE: 0x01,
  NOT_ALLOWED: 0x02,
  NETWORK_UNREACHABLE: 0x03,
  HOST_UNREACHABLE: 0x04,
  CONNECTION_REFUSED: 0x05,
  TTL_EXPIRED: 0x06,
  COMMAND_NOT_SUPPORTED: 0x07,
  ADDRESS_TYPE_NOT_SUPPORTED: 0x08,
} as const;

const REPLY_NAMES: Record<number, string> = {
  0x00: 'succeeded',
  0x01: 'general SOCKS server failure',
  0x02: 'connection not allowed by ruleset',
  0x03: 'network unreachable',
  0x04: 'host unreachable',
  0x05: 'connection refused',
  0x06: 'TTL expired',
  0x07: 'command not supported',
  0x08: 'address type not supported',
};

/** "0x05 (connection refused)": for error messages a human will read. */
export function describeReply(rep: number): string {
  return `${hex(rep)} (${REPLY_NAMES[rep] ?? 'unassigned'})`;
}

export type Decoded<T> =
  { kind: 'need-more' } | { kind: 'ok'; value: T; consumed: number } | { kind: 'error'; reason: string };

/** RFC 1928 §3: VER NMETHODS METHODS. */
export interface Greeting {
  methods: number[];
}

/** RFC 1928 §3: VER METHOD. */
export interface MethodSelection {
  method: number;
}

/**
 * DST.ADDR / BND.ADDR. For DOMAINNAME, `host` is the bytes read as latin1 so any byte string
 * survives a decode/encode round trip unchanged (the server echoes it back, XEP-0065 §5.3.2).
 * IPv4 is dotted decimal, IPv6 eight uncompressed hex groups.
 */
export interface Address {
  atyp: AddressType;
  host: string;
}

/** RFC 1928 §4: VER CMD RSV ATYP DST.ADDR DST.PORT. */
export interface Request {
  command: number;
  address: Address;
  port: number;
}

/** RFC 1928 §6: VER REP RSV ATYP BND.ADDR BND.PORT. */
export interface Reply {
  rep: number;
  address: Address;
  port: number;
}

const NEED_MORE = { kind: 'need-more' } as const;

function fail(reason: string): { kind: 'error'; reason: string } {
  return { kind: 'error', reason };
}

export function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

// A wrong VER is usually the wrong protocol on the port (HTTP, XMPP, SOCKS4): say which byte.
function badVersion(what: string, byte: number): string {
  const printable = byte >= 0x20 && byte < 0x7f ? ` ('${String.fromCharCode(byte)}')` : '';
  return `${what}: VER is ${hex(byte)}${printable}, expected 0x05 (SOCKS5)`;
}

export function decodeGreeting(buf: Buffer): Decoded<Greeting> {
  if (buf.length < 1) return NEED_MORE;
  const version = buf.readUInt8(0);
  if (version !== SOCKS_VERSION) return fail(badVersion('greeting', version));
  if (buf.length < 2) return NEED_MORE;
  const count = buf.readUInt8(1);
  // RFC 1928 §3: NMETHODS is 1 to 255.
  if (count === 0) return fail('greeting: NMETHODS is 0, at least one method is required');
  const end = 2 + count;
  if (buf.length < end) return NEED_MORE;
  return { kind: 'ok', value: { methods: [...buf.subarray(2, end)] }, consumed: end };
}

export function decodeMethodSelection(buf: Buffer): Decoded<MethodSelection> {
  if (buf.length < 1) return NEED_MORE;
  const version = buf.readUInt8(0);
  if (version !== SOCKS_VERSION) return fail(badVersion('method selection', version));
  if (buf.length < 2) return NEED_MORE;
  return { kind: 'ok', value: { method: buf.readUInt8(1) }, consumed: 2 };
}

// Requests and replies share one layout (RFC 1928 §4, §6); `code` is CMD or REP.
function decodeAddressed(buf: Buffer, what: string): Decoded<{ code: number; address: Address; port: number }> {
  if (buf.length < 1) return NEED_MORE;
  const version = buf.readUInt8(0);
  if (version !== SOCKS_VERSION) return fail(badVersion(what, version));
  if (buf.length < 3) return NEED_MORE;
  const reserved = buf.readUInt8(2);
  if (reserved !== 0x00) return fail(`${what}: RSV is ${hex(reserved)}, expected 0x00`);
  if (buf.length < 4) return NEED_MORE;
  const atyp = buf.readUInt8(3);
  let type: AddressType;
  let start: number;
  let length: number;
  switch (atyp) {
    case ATYP.IPV4:
      type = ATYP.IPV4;
      start = 4;
      length = 4;
      break;
    case ATYP.IPV6:
      type = ATYP.IPV6;
      start = 4;
      length = 16;
      break;
    case ATYP.DOMAINNAME:
      if (buf.length < 5) return NEED_MORE;
      type = ATYP.DOMAINNAME;
      start = 5;
      length = buf.readUInt8(4);
      if (length === 0) return fail(`${what}: DOMAINNAME length is 0`);
      break;
    default:
      return fail(`${what}: unknown ATYP ${hex(atyp)} (expected 0x03 DOMAINNAME)`);
  }
  const end = start + length + 2;
  if (buf.length < end) return NEED_MORE;
  const raw = buf.subarray(start, start + length);
  const address: Address = { atyp: type, host: addressToString(type, raw) };
  const port = buf.readUInt16BE(start + length);
  return { kind: 'ok', value: { code: buf.readUInt8(1), address, port }, consumed: end };
}

export function decodeRequest(buf: Buffer): Decoded<Request> {
  const decoded = decodeAddressed(buf, 'request');
  if (decoded.kind !== 'ok') return decoded;
  const { code, address, port } = decoded.value;
  return { kind: 'ok', value: { command: code, address, port }, consumed: decoded.consumed };
}

export function decodeReply(buf: Buffer): Decoded<Reply> {
  const decoded = decodeAddressed(buf, 'reply');
  if (decoded.kind !== 'ok') return decoded;
  const { code, address, port } = decoded.value;
  return { kind: 'ok', value: { rep: code, address, port }, consumed: decoded.consumed };
}

function addressToString(atyp: AddressType, raw: Buffer): string {
  if (atyp === ATYP.IPV4) return [...raw].join('.');
  if (atyp === ATYP.IPV6) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(raw.readUInt16BE(i).toString(16));
    return groups.join(':');
  }
  return raw.toString('latin1');
}

// Encoders throw on values we could never put on the wire: that is a programmer error, not a
// peer's (a hostile `dstaddr` must be rejected where it is decoded, before it gets here).

function assertByte(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new RangeError(`${what} must be an integer 0–255, got ${value}`);
  }
}

export function encodeGreeting(methods: readonly number[] = [METHOD.NO_AUTH]): Buffer {
  if (methods.length < 1 || methods.length > 255) {
    throw new RangeError(`a greeting carries 1–255 methods, got ${methods.length}`);
  }
  methods.forEach((method) => assertByte(method, 'METHOD'));
  return Buffer.from([SOCKS_VERSION, methods.length, ...methods]);
}

export function encodeMethodSelection(method: number): Buffer {
  assertByte(method, 'METHOD');
  return Buffer.from([SOCKS_VERSION, method]);
}

function encodeAddress(address: Address): Buffer {
  const { atyp, host } = address;
  if (atyp === ATYP.DOMAINNAME) {
    // RFC 1928 §5: one length octet, so 1–255 octets; latin1 keeps one char = one octet.
    if (host.length < 1 || host.length > 255 || /[^\x00-\xff]/.test(host)) {
      throw new RangeError(`DOMAINNAME must be 1–255 single-byte characters, got ${host.length}`);
    }
    return Buffer.concat([Buffer.from([atyp, host.length]), Buffer.from(host, 'latin1')]);
  }
  if (atyp === ATYP.IPV4) {
    const parts = host.split('.').map(Number);
    if (parts.length !== 4) throw new RangeError(`not a dotted IPv4 address: ${host}`);
    parts.forEach((part) => assertByte(part, 'IPv4 octet'));
    return Buffer.from([atyp, ...parts]);
  }
  const groups = host.split(':');
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) {
    throw new RangeError(`IPv6 must be eight uncompressed hex groups, got ${host}`);
  }
  const out = Buffer.alloc(17);
  out.writeUInt8(atyp, 0);
  groups.forEach((group, i) => out.writeUInt16BE(parseInt(group, 16), 1 + i * 2));
  return out;
}

function encodeAddressed(code: number, address: Address, port: number): Buffer {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new RangeError(`port must be an integer 0–65535, got ${port}`);
  }
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16BE(port, 0);
  return Buffer.concat([Buffer.from([SOCKS_VERSION, code, 0x00]), encodeAddress(address), portBytes]);
}

export function encodeRequest(request: Request): Buffer {
  assertByte(request.command, 'CMD');
  return encodeAddressed(request.command, request.address, request.port);
}

export function encodeReply(reply: Reply): Buffer {
  assertByte(reply.rep, 'REP');
  return encodeAddressed(reply.rep, reply.address, reply.port);
}

/** XEP-0065 §10.2: CMD = CONNECT, ATYP = DOMAINNAME, DST.ADDR = the hash, DST.PORT = 0. */
export function encodeConnectRequest(hash: string): Buffer {
  return encodeRequest({
    command: COMMAND.CONNECT,
    address: { atyp: ATYP.DOMAINNAME, host: hash },
    port: 0,
  });
}
