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
import sys

from slixmpp.exceptions import IqError, IqTimeout
from peer_base import LoopbackPeer, emit, run_for


class ChatPeer(LoopbackPeer):
    def __init__(self, jid, password, host, port):
        super().__init__(jid, password, host, port)
        for plugin in ('xep_0030', 'xep_0092', 'xep_0199'):
            self.register_plugin(plugin)
        self.add_event_handler('session_start', self.on_start)
        self.add_event_handler('message', self.on_message)

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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--jid', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--lifetime', type=float, default=30)
    args = parser.parse_args()
    peer = ChatPeer(args.jid, args.password, '127.0.0.1', args.port)
    run_for(peer, args.lifetime)


if __name__ == '__main__':
    main()
