#!/usr/bin/python3
"""A slixmpp (Debian python3-slixmpp) client driven by an interop test over stdin/stdout.

Logs in, prints `READY <full jid>`, echoes chat messages as `echo: <body>`, answers pings and
version queries through slixmpp's own plugins, and obeys commands on stdin:
  PING <jid>          -> prints `PONG <jid>` or `PINGFAIL <condition>`
  SAY <jid> <text>    -> sends a chat message
  QUIT                -> disconnects and exits
It exits on its own after --lifetime seconds, so a broken test never leaves it running.
"""
import argparse
import asyncio
import ssl
import sys

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout


class ChatPeer(slixmpp.ClientXMPP):
    def __init__(self, jid, password, host, port):
        super().__init__(jid, password)
        self.target = (host, port)
        # The test server's certificate is self-signed.
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        for plugin in ('xep_0030', 'xep_0092', 'xep_0199'):
            self.register_plugin(plugin)
        self.add_event_handler('session_start', self.on_start)
        self.add_event_handler('message', self.on_message)
        self.add_event_handler('failed_auth', lambda _: emit('AUTHFAIL'))
        self.add_event_handler('disconnected', lambda _: emit('DISCONNECTED'))

    async def get_dns_records(self, domain, port=None):
        # COMPAT: slixmpp 1.8 resolves the domain by DNS even when given an address.
        return [(self.target[0], self.target[0], self.target[1])]

    async def on_start(self, _event):
        self.send_presence()
        await self.get_roster()
        emit(f'READY {self.boundjid.full}')
        # Keep a reference: asyncio holds tasks weakly, and a collected reader stops obeying.
        self.reader_task = asyncio.ensure_future(self.read_commands())

    def on_message(self, msg):
        if msg['type'] in ('chat', 'normal') and msg['body']:
            msg.reply(f"echo: {msg['body']}").send()

    async def read_commands(self):
        reader = asyncio.StreamReader()
        await self.loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = (await reader.readline()).decode().strip()
            if not line or line == 'QUIT':
                break
            command, _, rest = line.partition(' ')
            if command == 'PING':
                try:
                    await self['xep_0199'].send_ping(rest, timeout=5)
                    emit(f'PONG {rest}')
                except IqError as error:
                    emit(f"PINGFAIL {error.iq['error']['condition']}")
                except IqTimeout:
                    emit('PINGFAIL timeout')
            elif command == 'SAY':
                to, _, text = rest.partition(' ')
                self.send_message(mto=to, mbody=text, mtype='chat')
        self.disconnect()


def emit(line):
    print(line, flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--jid', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--lifetime', type=float, default=30)
    args = parser.parse_args()
    peer = ChatPeer(args.jid, args.password, '127.0.0.1', args.port)
    peer.connect()
    peer.loop.call_later(args.lifetime, lambda: (emit('LIFETIME'), peer.disconnect()))
    peer.loop.run_until_complete(peer.disconnected)


if __name__ == '__main__':
    main()
