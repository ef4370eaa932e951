"""What every slixmpp interop peer needs: loopback connection, self-signed trust, one line of
output per event, and a bounded lifetime so a broken test never leaves a peer running."""
import ssl

import slixmpp


def emit(line):
    print(line, flush=True)


class LoopbackPeer(slixmpp.ClientXMPP):
    def __init__(self, jid, password, host, port):
        super().__init__(jid, password)
        self.target = (host, port)
        # The test server's certificate is self-signed.
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.add_event_handler('failed_auth', lambda _: emit('AUTHFAIL'))
        self.add_event_handler('disconnected', lambda _: emit('DISCONNECTED'))

    async def get_dns_records(self, domain, port=None):
        # COMPAT: slixmpp 1.8 resolves the domain by DNS even when given an address.
        return [(self.target[0], self.target[0], self.target[1])]


def run_for(peer, lifetime):
    """Connects and runs until disconnected, or `lifetime` seconds at most."""
    peer.connect()
    peer.loop.call_later(lifetime, lambda: (emit('LIFETIME'), peer.disconnect()))
    peer.loop.run_until_complete(peer.disconnected)
