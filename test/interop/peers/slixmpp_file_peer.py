#!/usr/bin/python3
"""A slixmpp (Debian python3-slixmpp 1.8.3) file-transfer peer driven by an interop test.

It logs in, prints `READY <full jid>`, then obeys commands on stdin, one per line:
  SEND <tag> <ibb|socks5> <full jid> <path>
      Offers the file with slixmpp's XEP-0096/0095 (only the one method), then sends it with
      slixmpp's XEP-0047 (IBB) or XEP-0065 (SOCKS5, through the proxy slixmpp finds by disco).
      -> `OFFERED <tag> <sid>`, then `SENT <tag> <method> <sid> <bytes>` or `SENDFAIL <tag> <reason>`
  EXPECT <tag> <ibb|socks5> <path>
      -> `EXPECTING <tag>`; accepts the next SI file offer choosing that method and receives it
      with slixmpp's XEP-0047 / XEP-0065 into PATH.
      -> `OFFER <tag> <sid> <name> <size>`, then `RECEIVED <tag> <method> <sid> <bytes> <sha256>`
         or `RECVFAIL <tag> <reason>`
  QUIT
The tag (any word) is echoed so that a test waits for the lines of its own command.
Every wait is bounded (--timeout), and it exits on its own after --lifetime seconds, so a broken
test never leaves it running.
"""
import argparse
import asyncio
import hashlib
import os
import sys
import uuid

from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import CoroutineCallback
from slixmpp.xmlstream.matcher import StanzaPath
from peer_base import LoopbackPeer, emit, run_for

IBB = 'http://jabber.org/protocol/ibb'
SOCKS5 = 'http://jabber.org/protocol/bytestreams'
METHODS = {'ibb': IBB, 'socks5': SOCKS5}
BLOCK_SIZE = 4096


class FilePeer(LoopbackPeer):
    def __init__(self, jid, password, host, port, timeout):
        super().__init__(jid, password, host, port)
        self.timeout = timeout
        for plugin in ('xep_0030', 'xep_0047', 'xep_0065', 'xep_0095', 'xep_0096'):
            self.register_plugin(plugin)
        # COMPAT: slixmpp 1.8.3 xep_0095 registers its coroutine _handle_request with a plain
        # Callback, so it is never awaited and no SI offer is ever answered. Answer them here.
        self.remove_handler('SI Request')
        self.register_handler(CoroutineCallback('Test SI Request', StanzaPath('iq@type=set/si'), self.on_si_offer))
        self.expected = None  # (tag, method, path) armed by EXPECT
        # asyncio keeps only weak references to tasks: an unreferenced one can be collected
        # mid-await ("Task was destroyed but it is pending"), so hold them until they end.
        self.tasks = set()
        self.add_event_handler('session_start', self.on_start)

    async def on_start(self, _event):
        self.send_presence()
        emit(f'READY {self.boundjid.full}')
        self.spawn(self.read_commands())

    def spawn(self, coroutine):
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def read_commands(self):
        reader = asyncio.StreamReader()
        await self.loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = (await reader.readline()).decode().strip()
            if not line or line == 'QUIT':
                break
            command, *args = line.split(' ')
            if command == 'SEND' and len(args) == 4 and args[1] in METHODS:
                self.spawn(self.send_file(*args))
            elif command == 'EXPECT' and len(args) == 3 and args[1] in METHODS:
                self.expected = tuple(args)
                emit(f'EXPECTING {args[0]}')
            else:
                emit(f'BADCOMMAND {line}')
        self.disconnect()

    # --- sending -------------------------------------------------------------------------

    async def send_file(self, tag, method, to, path):
        try:
            size = os.path.getsize(path)
            with open(path, 'rb') as f:
                md5 = hashlib.md5(f.read()).hexdigest()
            sid = uuid.uuid4().hex
            # COMPAT: xep_0095.offer() builds the options with add_option(**option): plain
            # namespace strings raise TypeError, so pass {'value': ...} dicts.
            accepted = await self['xep_0096'].request_file_transfer(
                to, sid=sid, name=os.path.basename(path), size=size, hash=md5,
                methods=[{'value': METHODS[method]}], timeout=self.timeout)
            emit(f'OFFERED {tag} {sid}')
            chosen = accepted['si']['feature_neg']['form'].get_fields()['stream-method']['value']
            if chosen != METHODS[method]:
                raise RuntimeError(f'the receiver chose {chosen}')
            if method == 'ibb':
                sent = await self.send_ibb(to, sid, path)
            else:
                sent = await self.send_socks5(to, sid, path)
            emit(f'SENT {tag} {method} {sid} {sent}')
        except IqError as error:
            emit(f"SENDFAIL {tag} {error.iq['error']['condition']} {error.iq['error']['text']}".rstrip())
        except IqTimeout:
            emit(f'SENDFAIL {tag} timeout')
        except Exception as error:  # report, never hang the test
            emit(f'SENDFAIL {tag} {type(error).__name__}: {error}')

    async def send_ibb(self, to, sid, path):
        stream = await self['xep_0047'].open_stream(to, sid=sid, block_size=BLOCK_SIZE, timeout=self.timeout)
        with open(path, 'rb') as f:
            await stream.sendfile(f, timeout=self.timeout)
        await stream.close(timeout=self.timeout)
        return os.path.getsize(path)

    async def send_socks5(self, to, sid, path):
        # slixmpp has no direct streamhost (no SOCKS5 server side): handshake() finds the server's
        # proxy by disco, offers it, connects to it after streamhost-used and activates it.
        sock = await asyncio.wait_for(self['xep_0065'].handshake(to, sid=sid, timeout=self.timeout), self.timeout)
        if sock is None:
            raise RuntimeError('xep_0065 handshake gave no connection')
        closed = asyncio.get_running_loop().create_future()
        forward = sock.event

        def on_event(name, data=None):
            if name == 'socks5_closed' and not closed.done():
                closed.set_result(data)
            elif name != 'socks5_data':
                forward(name, data)

        sock.event = on_event
        sent = 0
        with open(path, 'rb') as f:
            while chunk := f.read(64 * 1024):
                await asyncio.wait_for(sock.write(chunk), self.timeout)
                sent += len(chunk)
        # COMPAT: slixmpp's SOCKS5 session has no close() (xep_0065.deactivate() calls one and
        # raises AttributeError): close the asyncio transport, which flushes, then sends FIN.
        sock.transport.close()
        await asyncio.wait_for(closed, self.timeout)
        return sent

    # --- receiving -----------------------------------------------------------------------

    async def on_si_offer(self, iq):
        sid = iq['si']['id']
        sender = iq['from']
        if self.expected is None:
            reply = iq.reply(clear=True)
            reply['type'] = 'error'
            reply['error']['type'] = 'cancel'
            reply['error']['condition'] = 'forbidden'
            reply['error']['text'] = 'Offer declined'
            reply.send()
            return
        tag, method, path = self.expected
        self.expected = None
        offered = [option['value'] for option in iq['si']['feature_neg']['form'].get_fields()['stream-method']['options']]
        emit(f"OFFER {tag} {sid} {iq['si']['file']['name']} {iq['si']['file']['size']}")
        if METHODS[method] not in offered:
            emit(f'RECVFAIL {tag} {method} not offered: {" ".join(offered)}')
            reply = iq.reply(clear=True)
            reply['type'] = 'error'
            reply['error']['type'] = 'cancel'
            reply['error']['condition'] = 'bad-request'
            reply.send()
            return
        sink = Sink(tag, method, sid, path)
        timer = self.loop.call_later(self.timeout * 2, lambda: sink.fail('no complete bytestream in time'))
        sink.on_done = timer.cancel
        # Let exactly this bytestream in (slixmpp refuses unknown sids unless auto_accept).
        if method == 'ibb':
            await self['xep_0047'].api['preauthorize_sid'](self.boundjid, sid, sender)
            self.receive_ibb(sid, sender, sink)
        else:
            await self['xep_0065'].api['preauthorize_sid'](self.boundjid, sid, sender)
            self.receive_socks5(sid, sender, sink)
        reply = iq.reply(clear=True)
        form = reply['si']['feature_neg']['form']
        form['type'] = 'submit'
        form.add_field(var='stream-method', value=METHODS[method])
        reply.send()

    def receive_ibb(self, sid, sender, sink):
        def matches(stream):
            return stream.sid == sid and stream.peer_jid == sender

        def on_data(stream):
            if matches(stream):
                sink.write(stream.read())

        def on_end(stream):
            # slixmpp fires ibb_stream_end for local and remote closes alike; we never close.
            if matches(stream):
                self.del_event_handler('ibb_stream_data', on_data)
                self.del_event_handler('ibb_stream_end', on_end)
                sink.finish()

        self.add_event_handler('ibb_stream_data', on_data)
        self.add_event_handler('ibb_stream_end', on_end)

    def receive_socks5(self, sid, sender, sink):
        def on_stream(conn):
            # COMPAT: slixmpp reports SOCKS5 data and closes through global events that do not say
            # which connection they came from (and leaves the streamhosts it did not use open), so
            # route this connection's own events to this transfer.
            def on_event(name, data=None):
                if name == 'socks5_data':
                    sink.write(data)
                elif name == 'socks5_closed':
                    sink.finish()

            conn.event = on_event

        self.add_event_handler(f'stream:{sid}:{sender}', on_stream, disposable=True)


class Sink:
    """Writes a received file, hashing it, and reports the outcome once."""

    def __init__(self, tag, method, sid, path):
        self.tag, self.method, self.sid = tag, method, sid
        self.file = open(path, 'wb')
        self.hash = hashlib.sha256()
        self.bytes = 0
        self.is_done = False
        self.on_done = lambda: None

    def write(self, data):
        if self.is_done:
            return
        self.file.write(data)
        self.hash.update(data)
        self.bytes += len(data)

    def finish(self):
        if self.is_done:
            return
        self._close()
        emit(f'RECEIVED {self.tag} {self.method} {self.sid} {self.bytes} {self.hash.hexdigest()}')

    def fail(self, reason):
        if self.is_done:
            return
        self._close()
        emit(f'RECVFAIL {self.tag} {reason} after {self.bytes} bytes')

    def _close(self):
        self.is_done = True
        self.file.close()
        self.on_done()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--jid', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--timeout', type=float, default=15)
    parser.add_argument('--lifetime', type=float, default=90)
    args = parser.parse_args()
    if os.environ.get('FERRY_PEER_DEBUG'):
        import logging
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    peer = FilePeer(args.jid, args.password, '127.0.0.1', args.port, args.timeout)
    run_for(peer, args.lifetime)


if __name__ == '__main__':
    main()
