// Interop: a slixmpp client (Debian python3-slixmpp) logs in to Ferry over STARTTLS with
// SCRAM and exchanges messages and IQs with an xmpp.js client.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.js';
import { connectClient, xml, type TestClient } from '../helpers/xmpp-client.js';
import { hasPythonModule, startPythonPeer, type PythonPeer } from '../helpers/python-peer.js';

const SCRIPT = fileURLToPath(new URL('./peers/slixmpp_chat_peer.py', import.meta.url));
const skip = hasPythonModule('slixmpp') ? false : 'python3-slixmpp is not installed (apt-get install python3-slixmpp)';

describe('slixmpp ⇄ Ferry ⇄ xmpp.js', { skip }, () => {
  let ferry: TestServer;
  let alice: TestClient;
  let sly: PythonPeer;
  let slyJid: string;
  before(async () => {
    ferry = await startTestServer();
    await ferry.addUser('alice');
    await ferry.addUser('sly');
    alice = await connectClient({ port: ferry.ports.c2s, username: 'alice', resource: 'js' });
    alice.xmpp.iqCallee.get('urn:xmpp:ping', 'ping', () => ({}));
    sly = startPythonPeer(SCRIPT, [
      '--jid',
      'sly@localhost/slix',
      '--password',
      PASSWORD,
      '--port',
      String(ferry.ports.c2s),
    ]);
    slyJid = (await sly.waitForLine(/^READY /)).slice('READY '.length);
  });
  after(async () => {
    await sly?.stop();
    await alice?.stop();
    await ferry?.stop();
  });

  it('binds the resource slixmpp asked for', () => {
    assert.equal(slyJid, 'sly@localhost/slix');
  });

  it('delivers an xmpp.js message to slixmpp and its reply back', async () => {
    await alice.xmpp.send(
      xml('message', { to: 'sly@localhost', type: 'chat' }, xml('body', null, 'hello from xmpp.js')),
    );
    const reply = await alice.waitFor(
      (s) => s.is('message') && s.getChildText('body') === 'echo: hello from xmpp.js',
      'echo',
    );
    assert.equal(reply.attrs.from, 'sly@localhost/slix');
  });

  it('delivers a slixmpp message to xmpp.js', async () => {
    sly.send('SAY alice@localhost/js hello from slixmpp');
    const message = await alice.waitFor(
      (s) => s.is('message') && s.getChildText('body') === 'hello from slixmpp',
      'message',
    );
    assert.equal(message.attrs.from, 'sly@localhost/slix');
  });

  it('routes an xmpp.js version query to slixmpp and its answer back', async () => {
    const result = await alice.xmpp.iqCaller.request(
      xml('iq', { type: 'get', to: slyJid }, xml('query', { xmlns: 'jabber:iq:version' })),
      5_000,
    );
    assert.match(result.getChild('query')?.getChildText('name') ?? '', /slixmpp/i);
  });

  it('routes a slixmpp ping to xmpp.js and the result back', async () => {
    sly.send('PING alice@localhost/js');
    await sly.waitForLine(/^PONG alice@localhost\/js$/);
  });

  it('answers a slixmpp ping to an offline resource with service-unavailable', async () => {
    sly.send('PING alice@localhost/gone');
    const line = await sly.waitForLine(/^PINGFAIL /);
    assert.equal(line, 'PINGFAIL service-unavailable');
  });
});
