#!/usr/bin/python3
"""A slixmpp (Debian python3-slixmpp 1.8.3) XEP-0363 HTTP File Upload peer driven by an interop test.

It logs in, finds the server's upload service by disco, uploads FILE with slixmpp's own xep_0363
(slot request, then the HTTPS PUT through aiohttp), sends the GET URL to --to the way slixmpp's
example and Conversations do:

  <message type='chat' to='TO'><body>URL</body><x xmlns='jabber:x:oob'><url>URL</url></x></message>

prints one JSON line and exits:

  {"event": "uploaded", "url": URL, "service": JID, "max_file_size": N|null, "size": N, "sha256": HEX}
  {"event": "failed", "error": "ExceptionName: text"}     (exit status 1)

The HTTPS PUT trusts --cafile (a PEM, hostname checked), or nothing is checked with --insecure.
Every wait is bounded (--timeout) and it gives up after --lifetime seconds, so a broken test never
leaves it running.
"""
import argparse
import asyncio
import hashlib
import json
import os
import ssl
import sys

import aiohttp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.plugins.xep_0363 import http_upload as xep_0363_module
from peer_base import LoopbackPeer, emit, run_for

UPLOAD = 'urn:xmpp:http:upload:0'


def trust_for_put(cafile, insecure):
    """Makes slixmpp's HTTPS PUT trust the test server's self-signed certificate.

    COMPAT: slixmpp 1.8.3 upload_file() builds its aiohttp ClientSession itself, with no way to
    pass TLS settings, so every PUT uses the system CA store. Swap the ClientSession it uses for
    one whose connector has our SSL context (--cafile: that PEM only, hostname still checked;
    --insecure: no check at all, for a loopback test server only).
    """
    if cafile:
        context = ssl.create_default_context(cafile=cafile)
    elif insecure:
        context = False  # aiohttp: ssl=False skips certificate verification
    else:
        return

    def trusting_session(*args, **kwargs):
        kwargs.setdefault('connector', aiohttp.TCPConnector(ssl=context))
        return aiohttp.ClientSession(*args, **kwargs)

    xep_0363_module.ClientSession = trusting_session


class UploadPeer(LoopbackPeer):
    def __init__(self, args):
        super().__init__(args.jid, args.password, args.host, args.port)
        self.args = args
        self.outcome = 1
        for plugin in ('xep_0030', 'xep_0066', 'xep_0128', 'xep_0363'):
            self.register_plugin(plugin)
        self.add_event_handler('session_start', self.on_start)

    async def on_start(self, _event):
        try:
            emit(json.dumps(await self.upload_and_share()))
            self.outcome = 0
        except IqError as error:
            condition = error.iq['error']['condition']
            text = error.iq['error']['text']
            emit(json.dumps({'event': 'failed', 'error': f'IqError: {condition} {text}'.rstrip()}))
        except IqTimeout:
            emit(json.dumps({'event': 'failed', 'error': 'IqTimeout'}))
        except Exception as error:  # report, never hang the test
            emit(json.dumps({'event': 'failed', 'error': f'{type(error).__name__}: {error}'}))
        self.disconnect()

    async def find_upload_service(self):
        """disco#items on our domain, then disco#info on each item: the first `store/file`
        identity with the upload feature. Returns (jid, max-file-size or None).

        COMPAT: slixmpp 1.8.3 xep_0363.find_upload_service() raises TypeError on Python 3.11: it
        goes through xep_0030.get_info_from_domain(), which hands bare coroutines to
        asyncio.wait(). Do the same discovery here and give xep_0363 the service's JID.
        """
        timeout = self.args.timeout
        items = await self['xep_0030'].get_items(jid=self.boundjid.domain, timeout=timeout)
        for item in items['disco_items']['items']:
            try:
                info = await self['xep_0030'].get_info(jid=item[0], timeout=timeout)
            except (IqError, IqTimeout):
                continue
            query = info['disco_info']
            has_identity = any(cat == 'store' and kind == 'file' for cat, kind, *_ in query['identities'])
            if not has_identity or UPLOAD not in query['features']:
                continue
            max_size = None
            for form in query.iterables:
                values = form['values']
                if values.get('FORM_TYPE') == [UPLOAD] and values.get('max-file-size'):
                    max_size = int(values['max-file-size'])
            return info['from'], max_size
        raise RuntimeError(f'no upload service among the disco#items of {self.boundjid.domain}')

    async def upload_and_share(self):
        path = self.args.file
        service, max_size = await self.find_upload_service()
        plugin = self['xep_0363']
        plugin.upload_service = service
        # As upload_file() itself would after its own discovery: it refuses a larger file
        # before asking for a slot (slixmpp bug 7), so a test of the server's own refusal must
        # use a different peer.
        plugin.max_file_size = max_size if max_size is not None else float('+inf')
        with open(path, 'rb') as f:
            sha256 = hashlib.sha256(f.read()).hexdigest()
        size = os.path.getsize(path)
        url = await plugin.upload_file(path, timeout=self.args.timeout)
        message = self.make_message(mto=self.args.to, mbody=url, mtype='chat')
        message['oob']['url'] = url
        message.send()
        return {
            'event': 'uploaded',
            'url': url,
            'service': service.full,
            'max_file_size': max_size,
            'size': size,
            'sha256': sha256,
        }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--jid', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--file', required=True, help='the file to upload')
    parser.add_argument('--to', required=True, help='who gets the link (bare or full JID)')
    trust = parser.add_mutually_exclusive_group()
    trust.add_argument('--cafile', help='PEM the HTTPS PUT trusts (e.g. the test server certificate)')
    trust.add_argument('--insecure', action='store_true', help='no certificate check on the PUT (loopback only)')
    parser.add_argument('--timeout', type=float, default=20)
    parser.add_argument('--lifetime', type=float, default=60)
    args = parser.parse_args()
    trust_for_put(args.cafile, args.insecure)
    peer = UploadPeer(args)
    run_for(peer, args.lifetime)
    sys.exit(peer.outcome)


if __name__ == '__main__':
    main()
