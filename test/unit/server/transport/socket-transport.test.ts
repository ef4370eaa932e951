// Output batching: what a stream sends in one turn of the event loop leaves in one socket write,
// latin1-encoded when it is known to be ASCII; closing flushes first.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { SocketTransport } from '../../../../src/server/transport/socket-transport.js';
import { StreamError } from '@ferry/protocol/errors/stream-error';
import { xml, type Element } from '@ferry/protocol/xml/element';

class FakeSocket extends EventEmitter {
  readonly remoteAddress = '192.0.2.1';
  writable = true;
  readonly writes: Array<{ data: string; encoding: string }> = [];
  isEnded = false;
  setNoDelay(): this {
    return this;
  }
  write(data: string, encoding: string): boolean {
    this.writes.push({ data, encoding });
    return true;
  }
  end(): void {
    this.isEnded = true;
    this.writable = false;
  }
  destroy(): void {
    this.writable = false;
  }
  pause(): void {}
  resume(): void {}
}

function setup() {
  const socket = new FakeSocket();
  const transport = new SocketTransport(socket as unknown as Socket, {
    kind: 'tcp',
    maxStanzaBytes: 65_536,
    receiveRateBytesPerSecond: 0,
    receiveBurstBytes: 0,
  });
  const stanzas: Element[] = [];
  transport.setHandlers({
    onOpen: () => {},
    onStanza: (element) => stanzas.push(element),
    onClose: () => {},
    onError: () => {},
    onEnd: () => {},
  });
  return { socket, transport, stanzas };
}

const tick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('SocketTransport output', () => {
  it('writes everything sent in one turn as one socket write, after the turn', async () => {
    const { socket, transport } = setup();
    for (let i = 0; i < 100; i++) transport.send(xml('message', { id: `m${i}` }, xml('body', null, 'hi')));
    assert.equal(socket.writes.length, 0, 'nothing written synchronously');
    await tick();
    assert.equal(socket.writes.length, 1);
    assert.ok(socket.writes[0]!.data.startsWith('<message id="m0"><body>hi</body></message><message id="m1">'));
    assert.ok(socket.writes[0]!.data.endsWith('<message id="m99"><body>hi</body></message>'));
    assert.equal(socket.writes[0]!.encoding, 'latin1', 'ASCII goes out as latin1');
  });

  it('encodes a batch with any non-ASCII character as UTF-8', async () => {
    const { socket, transport } = setup();
    transport.send(xml('message', null, xml('body', null, 'plain')));
    transport.send(xml('message', null, xml('body', null, 'caf\u00e9')));
    await tick();
    assert.deepEqual(socket.writes, [
      { data: '<message><body>plain</body></message><message><body>caf\u00e9</body></message>', encoding: 'utf8' },
    ]);
  });

  it('forwards a received stanza with its content as received', async () => {
    const { socket, transport, stanzas } = setup();
    socket.emit(
      'data',
      Buffer.from(
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>" +
          "<message to='b@localhost/r'><body a='1'>x &amp; y</body></message>",
      ),
    );
    stanzas[0]!.attrs.from = 'a@localhost/r';
    transport.send(stanzas[0]!);
    await tick();
    assert.equal(
      socket.writes[0]!.data,
      `<message to="b@localhost/r" xmlns="jabber:client" from="a@localhost/r"><body a='1'>x &amp; y</body></message>`,
    );
  });

  it('flushes what is queued before the stream error and the closing tag, then ends', () => {
    const { socket, transport } = setup();
    transport.sendHeader({ from: 'localhost', id: 'abc' });
    transport.send(xml('presence'));
    transport.close(new StreamError('system-shutdown'));
    assert.equal(socket.writes.length, 1);
    assert.equal(
      socket.writes[0]!.data,
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' " +
        "id='abc' from='localhost' version='1.0' xml:lang='en'><presence/>" +
        '<stream:error><system-shutdown xmlns="urn:ietf:params:xml:ns:xmpp-streams"/></stream:error></stream:stream>',
    );
    assert.equal(socket.isEnded, true);
  });

  it('drops queued output when the socket goes away', async () => {
    const { socket, transport } = setup();
    transport.send(xml('presence'));
    socket.emit('close');
    await tick();
    assert.deepEqual(socket.writes, []);
  });
});

describe('SocketTransport STARTTLS', () => {
  it('ends the stream (onEnd) when the TLS handshake fails, so nothing outlives the connection', async () => {
    const { createServer, connect } = await import('node:net');
    const { createSecureContext } = await import('node:tls');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const client = connect((server.address() as { port: number }).port, '127.0.0.1');
    const transport = new SocketTransport(await accepted, {
      kind: 'tcp',
      maxStanzaBytes: 65_536,
      receiveRateBytesPerSecond: 0,
      receiveBurstBytes: 0,
    });
    let ends = 0;
    transport.setHandlers({
      onOpen: () => {},
      onStanza: () => {},
      onClose: () => {},
      onError: () => {},
      onEnd: () => void (ends += 1),
    });
    const upgrading = transport.startTls(createSecureContext({}));
    client.write('this is not a TLS ClientHello\r\n\r\n');
    await assert.rejects(upgrading);
    assert.equal(ends, 1);
    client.destroy();
    server.close();
  });

  it('ends the stream when it is closed while the client stalls its handshake', async () => {
    const { createServer, connect } = await import('node:net');
    const { createSecureContext } = await import('node:tls');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const client = connect((server.address() as { port: number }).port, '127.0.0.1');
    const transport = new SocketTransport(await accepted, {
      kind: 'tcp',
      maxStanzaBytes: 65_536,
      receiveRateBytesPerSecond: 0,
      receiveBurstBytes: 0,
    });
    let ends = 0;
    transport.setHandlers({
      onOpen: () => {},
      onStanza: () => {},
      onClose: () => {},
      onError: () => {},
      onEnd: () => void (ends += 1),
    });
    const upgrading = transport.startTls(createSecureContext({}));
    // The client sends nothing; the pre-auth timeout closes the stream (here: at once).
    transport.destroy();
    await assert.rejects(upgrading, /closed during the TLS handshake|ECONNRESET|socket/);
    assert.equal(ends, 1);
    client.destroy();
    server.close();
  });
});
