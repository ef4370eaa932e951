// XEP-0077: off by default; when enabled, an account can be created before authentication.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { openRawStream, STREAM_OPEN } from '../helpers/raw-stream.js';
import { connectClient } from '../helpers/xmpp-client.js';

const REGISTER_SET =
  "<iq type='set' id='reg1'><query xmlns='jabber:iq:register'><username>newbie</username><password>long enough</password></query></iq>";

describe('in-band registration', () => {
  it('is not offered by default', async () => {
    const ferry = await startTestServer({ 'c2s.require_tls': false });
    const raw = await openRawStream(ferry.ports.c2s);
    raw.write(STREAM_OPEN);
    const features = await raw.waitForText('</stream:features>');
    assert.ok(!features.includes('iq-register'));
    raw.destroy();
    await ferry.stop();
  });

  it('creates an account before authentication when enabled, and refuses a taken name', async () => {
    const ferry = await startTestServer({ 'c2s.require_tls': false, 'modules.register.enabled': true });
    const raw = await openRawStream(ferry.ports.c2s);
    raw.write(STREAM_OPEN);
    const features = await raw.waitForText('</stream:features>');
    assert.match(features, /<register xmlns=['"]http:\/\/jabber.org\/features\/iq-register['"]\/>/);
    raw.write("<iq type='get' id='form'><query xmlns='jabber:iq:register'/></iq>");
    await raw.waitForText(/<iq type="result" id="form"><query xmlns="jabber:iq:register"><instructions>/);
    raw.write(REGISTER_SET);
    await raw.waitForText(/<iq type="result" id="reg1"\/>/);
    raw.write(REGISTER_SET.replace("id='reg1'", "id='reg2'"));
    await raw.waitForText(/id="reg2"[^>]*type="error"|type="error"[^>]*id="reg2"/);
    assert.match(raw.text(), /<conflict xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"\/>/);
    raw.destroy();

    const newbie = await connectClient({ port: ferry.ports.c2s, username: 'newbie', password: 'long enough' });
    assert.match(newbie.jid, /^newbie@localhost\//);
    await newbie.stop();
    await ferry.stop();
  });
});
