// Interop: slixmpp (Debian python3-slixmpp 1.8.3) ⇄ Ferry's client library on a server we did not
// write: a private Prosody 0.12 (test/helpers/prosody.ts), SOCKS5 relayed by its mod_proxy65.
// Prosody's proxy holds the last 4 KiB of a relay until the sender half-closes: the suite's sizes
// are not multiples of 4096, so a missing half-close shows as a short file, not a pass.
import assert from 'node:assert/strict';
import { prosodyUnavailable, startProsody } from '../helpers/prosody.js';
import { hasPythonModule } from '../helpers/python-peer.js';
import { PASSWORD } from '../helpers/server.js';
import { describeSlixmppFileTransfer } from '../helpers/slixmpp-file-suite.js';
import { connect } from '@ferry/client/internal/connection';
import { xml } from '@ferry/protocol/xml/element';

describeSlixmppFileTransfer({
  name: 'slixmpp ⇄ Ferry client on Prosody 0.12: file transfer',
  skip:
    prosodyUnavailable() ||
    (hasPythonModule('slixmpp') ? false : 'python3-slixmpp is not installed (apt-get install python3-slixmpp)'),
  proxyName: "Prosody's mod_proxy65",
  async start() {
    const prosody = await startProsody({ users: { bob: PASSWORD, sly: PASSWORD } });
    const bob = await connect({
      jid: `bob@${prosody.domain}/ferry`,
      password: PASSWORD,
      host: '127.0.0.1',
      port: prosody.ports.c2s,
      timeoutMs: 10_000,
    });
    await bob.send(xml('presence'));
    return {
      domain: prosody.domain,
      c2sPort: prosody.ports.c2s,
      bob,
      describe: () => prosody.logTail(),
      // mod_proxy65's debug log names every relay it activates: proof the bytes went through it.
      assertRelayed(sid, initiator) {
        assert.ok(
          prosody.logTail(1_000_000).includes(`Transfer activated (sid: ${sid}, initiator: ${initiator}`),
          `mod_proxy65 activated ${sid} for ${initiator}\n--- prosody log ---\n${prosody.logTail()}`,
        );
      },
      async stop() {
        await bob.stop();
        await prosody.stop();
      },
    };
  },
});
