import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ATYP,
  COMMAND,
  REPLY,
  decodeGreeting,
  decodeMethodSelection,
  decodeReply,
  decodeRequest,
  describeReply,
  encodeConnectRequest,
  encodeGreeting,
  encodeMethodSelection,
  encodeReply,
  encodeRequest,
  type Decoded,
} from '@ferry/protocol/socks5/codec';
import { GREETING, HASH, REPLY_OK, REQUEST, SELECTION, bytes } from './fixtures.js';

function reasonOf<T>(decoded: Decoded<T>): string {
  assert.equal(decoded.kind, 'error', `expected an error, got ${JSON.stringify(decoded)}`);
  return decoded.kind === 'error' ? decoded.reason : '';
}

/** Every strict prefix of a message must ask for more, never guess. */
function assertEveryPrefixNeedsMore<T>(decode: (buf: Buffer) => Decoded<T>, message: Buffer): void {
  for (let length = 0; length < message.length; length++) {
    assert.deepEqual(decode(message.subarray(0, length)), { kind: 'need-more' }, `prefix of ${length} bytes`);
  }
}

describe('SOCKS5 codec: greeting (RFC 1928 §3)', () => {
  it('encodes the no-auth greeting as 05 01 00', () => {
    assert.deepEqual(encodeGreeting(), bytes('05 01 00'));
    assert.deepEqual(encodeGreeting([0x00, 0x02]), bytes('05 02 00 02'));
  });

  it('decodes a greeting and reports what it consumed when more bytes follow', () => {
    assert.deepEqual(decodeGreeting(Buffer.concat([bytes('05 02 02 00'), REQUEST])), {
      kind: 'ok',
      value: { methods: [0x02, 0x00] },
      consumed: 4,
    });
  });

  it('asks for more on every partial greeting', () => {
    assertEveryPrefixNeedsMore(decodeGreeting, bytes('05 03 00 01 02'));
  });

  it('rejects a wrong version at the first byte, naming it', () => {
    assert.match(reasonOf(decodeGreeting(bytes('04'))), /VER is 0x04, expected 0x05/);
    assert.match(reasonOf(decodeGreeting(Buffer.from('GET / HTTP/1.1'))), /VER is 0x47 \('G'\)/);
    assert.match(reasonOf(decodeGreeting(Buffer.from("<?xml version='1.0'?>"))), /0x3c \('<'\)/);
  });

  it('rejects NMETHODS = 0', () => {
    assert.match(reasonOf(decodeGreeting(bytes('05 00'))), /NMETHODS is 0/);
  });

  it('refuses to encode 0 or more than 255 methods', () => {
    assert.throws(() => encodeGreeting([]), RangeError);
    assert.throws(() => encodeGreeting(new Array(256).fill(0)), RangeError);
    assert.throws(() => encodeGreeting([256]), RangeError);
  });
});

describe('SOCKS5 codec: method selection (RFC 1928 §3)', () => {
  it('round-trips 05 00 and 05 FF', () => {
    assert.deepEqual(encodeMethodSelection(0x00), SELECTION);
    assert.deepEqual(encodeMethodSelection(0xff), bytes('05 ff'));
    assert.deepEqual(decodeMethodSelection(bytes('05 ff')), {
      kind: 'ok',
      value: { method: 0xff },
      consumed: 2,
    });
  });

  it('asks for more, then rejects a wrong version', () => {
    assertEveryPrefixNeedsMore(decodeMethodSelection, SELECTION);
    assert.match(reasonOf(decodeMethodSelection(bytes('00 00'))), /method selection: VER is 0x00/);
  });
});

describe('SOCKS5 codec: CONNECT request (RFC 1928 §4, XEP-0065 §10.2)', () => {
  it('encodes 05 01 00 03 28 <40 hex chars> 00 00', () => {
    const encoded = encodeConnectRequest(HASH);
    assert.deepEqual(encoded, REQUEST);
    assert.equal(encoded.length, 4 + 1 + 40 + 2);
    assert.deepEqual(encoded.subarray(0, 5), bytes('05 01 00 03 28'));
    assert.equal(encoded.subarray(5, 45).toString('ascii'), HASH);
    assert.deepEqual(encoded.subarray(45), bytes('00 00'));
  });

  it('decodes the request and stops at its end', () => {
    assert.deepEqual(decodeRequest(Buffer.concat([REQUEST, bytes('de ad')])), {
      kind: 'ok',
      value: { command: COMMAND.CONNECT, address: { atyp: ATYP.DOMAINNAME, host: HASH }, port: 0 },
      consumed: REQUEST.length,
    });
  });

  it('asks for more on every partial request', () => {
    assertEveryPrefixNeedsMore(decodeRequest, REQUEST);
  });

  it('frames IPv4 and IPv6 addresses (the handshake, not the codec, refuses them)', () => {
    assert.deepEqual(decodeRequest(bytes('05 01 00 01 7f 00 00 01 04 38')), {
      kind: 'ok',
      value: { command: 1, address: { atyp: ATYP.IPV4, host: '127.0.0.1' }, port: 1080 },
      consumed: 10,
    });
    const v6 = bytes('05 01 00 04 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 00 50');
    assert.deepEqual(decodeRequest(v6), {
      kind: 'ok',
      value: { command: 1, address: { atyp: ATYP.IPV6, host: '2001:db8:0:0:0:0:0:1' }, port: 80 },
      consumed: 22,
    });
    assertEveryPrefixNeedsMore(decodeRequest, v6);
  });

  it('decodes any CMD byte (BIND, UDP ASSOCIATE…) for the handshake to answer 07', () => {
    const decoded = decodeRequest(bytes('05 02 00 03 01 61 00 00'));
    assert.equal(decoded.kind, 'ok');
    assert.equal(decoded.kind === 'ok' && decoded.value.command, COMMAND.BIND);
  });

  it('rejects a wrong version, a non-zero RSV, an unknown ATYP and a zero-length DOMAINNAME', () => {
    assert.match(reasonOf(decodeRequest(bytes('04 01 00 03'))), /request: VER is 0x04/);
    assert.match(reasonOf(decodeRequest(bytes('05 01 01 03 01 61 00 00'))), /request: RSV is 0x01/);
    assert.match(reasonOf(decodeRequest(bytes('05 01 00 02'))), /unknown ATYP 0x02/);
    assert.match(reasonOf(decodeRequest(bytes('05 01 00 ff'))), /unknown ATYP 0xff/);
    assert.match(reasonOf(decodeRequest(bytes('05 01 00 03 00 00 00'))), /DOMAINNAME length is 0/);
  });

  it('keeps arbitrary DST.ADDR bytes intact (latin1), so an echo is byte-exact', () => {
    const raw = bytes('05 01 00 03 03 ff 00 e9 00 00');
    const decoded = decodeRequest(raw);
    assert.equal(decoded.kind, 'ok');
    if (decoded.kind !== 'ok') return;
    assert.deepEqual(encodeRequest(decoded.value), raw);
  });

  it('refuses to encode a DST.ADDR of 0 or more than 255 bytes, or with non-byte characters', () => {
    assert.throws(() => encodeConnectRequest(''), RangeError);
    assert.throws(() => encodeConnectRequest('a'.repeat(256)), RangeError);
    assert.throws(() => encodeConnectRequest('ф'), RangeError);
    assert.equal(encodeConnectRequest('a'.repeat(255)).length, 4 + 1 + 255 + 2);
  });

  it('refuses to encode an out-of-range port or CMD', () => {
    const address = { atyp: ATYP.DOMAINNAME, host: HASH };
    assert.throws(() => encodeRequest({ command: 1, address, port: 65536 }), RangeError);
    assert.throws(() => encodeRequest({ command: 256, address, port: 0 }), RangeError);
  });
});

describe('SOCKS5 codec: reply (RFC 1928 §6)', () => {
  it('encodes the success reply echoing the hash: 05 00 00 03 28 <hash> 00 00', () => {
    assert.deepEqual(
      encodeReply({ rep: REPLY.SUCCEEDED, address: { atyp: ATYP.DOMAINNAME, host: HASH }, port: 0 }),
      REPLY_OK,
    );
  });

  it('decodes a failure reply with an IPv4 BND.ADDR, as generic SOCKS5 servers send', () => {
    assert.deepEqual(decodeReply(bytes('05 05 00 01 00 00 00 00 00 00')), {
      kind: 'ok',
      value: { rep: REPLY.CONNECTION_REFUSED, address: { atyp: ATYP.IPV4, host: '0.0.0.0' }, port: 0 },
      consumed: 10,
    });
  });

  it('round-trips IPv4 and IPv6 BND.ADDR', () => {
    for (const address of [
      { atyp: ATYP.IPV4, host: '10.1.2.3' },
      { atyp: ATYP.IPV6, host: '2001:db8:0:0:0:0:0:1' },
    ] as const) {
      const encoded = encodeReply({ rep: 0, address, port: 7625 });
      assert.deepEqual(decodeReply(encoded), {
        kind: 'ok',
        value: { rep: 0, address, port: 7625 },
        consumed: encoded.length,
      });
    }
  });

  it('asks for more on every partial reply and names the reply in errors', () => {
    assertEveryPrefixNeedsMore(decodeReply, REPLY_OK);
    assert.match(reasonOf(decodeReply(bytes('06'))), /^reply: VER is 0x06/);
  });

  it('describes REP codes for humans', () => {
    assert.equal(describeReply(0x05), '0x05 (connection refused)');
    assert.equal(describeReply(0x02), '0x02 (connection not allowed by ruleset)');
    assert.equal(describeReply(0x42), '0x42 (unassigned)');
  });
});

describe('SOCKS5 codec fixtures', () => {
  it('are the XEP-0065 greeting and selection', () => {
    assert.deepEqual(GREETING, encodeGreeting());
    assert.deepEqual(SELECTION, encodeMethodSelection(0));
  });
});
