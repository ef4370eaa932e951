// Hostile bytes get the right stream error, the stream closes, and the server keeps serving.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { openRawStream, STREAM_OPEN } from '../helpers/raw-stream.js';
import { connectClient, xml } from '../helpers/xmpp-client.js';

const STREAMS = 'urn:ietf:params:xml:ns:xmpp-streams';

function streamError(condition: string): RegExp {
  return new RegExp(`<stream:error><${condition} xmlns=['"]${STREAMS}['"]/>`);
}

describe('hostile input', () => {
  let ferry: TestServer;
  before(async () => {
    ferry = await startTestServer({ 'limits.max_stanza_bytes': 65536 });
    await ferry.addUser('alice');
  });
  after(() => ferry.stop());

  async function expectStreamError(bytes: string[], condition: string): Promise<string> {
    const raw = await openRawStream(ferry.ports.c2s);
    for (const chunk of bytes) raw.write(chunk);
    const text = await raw.waitForText(streamError(condition));
    await raw.closed;
    assert.match(text, /<\/stream:stream>$/, 'the server closes its stream');
    return text;
  }

  it('answers ill-formed XML with not-well-formed', async () => {
    await expectStreamError([STREAM_OPEN, '<message><body>hi</message>'], 'not-well-formed');
  });

  it('answers a DOCTYPE with restricted-xml', async () => {
    await expectStreamError(
      ["<?xml version='1.0'?><!DOCTYPE lol [<!ENTITY lol 'lol'>]>" + STREAM_OPEN.slice("<?xml version='1.0'?>".length)],
      'restricted-xml',
    );
  });

  it('answers a comment with restricted-xml', async () => {
    await expectStreamError([STREAM_OPEN, '<!-- hello -->'], 'restricted-xml');
  });

  it('answers a processing instruction with restricted-xml', async () => {
    await expectStreamError([STREAM_OPEN, '<?evil stuff?>'], 'restricted-xml');
  });

  it('answers an undeclared entity reference with restricted-xml or not-well-formed', async () => {
    const raw = await openRawStream(ferry.ports.c2s);
    raw.write(STREAM_OPEN + '<message><body>&lol;</body></message>');
    const text = await raw.waitForText(/<stream:error>/);
    assert.match(text, /restricted-xml|not-well-formed/);
    await raw.closed;
  });

  it('answers an oversize stanza with policy-violation before it ends', async () => {
    const raw = await openRawStream(ferry.ports.c2s);
    raw.write(STREAM_OPEN + '<message><body>');
    const chunk = 'a'.repeat(16 * 1024);
    // Keep writing well past the 64 KiB limit without ever closing the stanza.
    for (let i = 0; i < 8; i++) raw.write(chunk);
    const text = await raw.waitForText(streamError('policy-violation'));
    assert.ok(!text.includes('</message>'));
    await raw.closed;
  });

  it('answers a stream to a foreign domain with host-unknown', async () => {
    await expectStreamError([STREAM_OPEN.replace("to='localhost'", "to='example.org'")], 'host-unknown');
  });

  it('answers an invalid stream "to" with improper-addressing', async () => {
    await expectStreamError([STREAM_OPEN.replace("to='localhost'", "to='a@@b'")], 'improper-addressing');
  });

  it('answers a stanza before authentication with not-authorized', async () => {
    await expectStreamError([STREAM_OPEN, "<message to='alice@localhost'><body>hi</body></message>"], 'not-authorized');
  });

  it('refuses authentication without TLS when TLS is required', async () => {
    const raw = await openRawStream(ferry.ports.c2s);
    raw.write(STREAM_OPEN);
    const features = await raw.waitForText('</stream:features>');
    assert.match(features, /<starttls xmlns=['"]urn:ietf:params:xml:ns:xmpp-tls['"]><required\/><\/starttls>/);
    assert.ok(!features.includes('<mechanisms'), 'no SASL before TLS');
    raw.write("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHg=</auth>");
    await raw.waitForText(streamError('policy-violation'));
    await raw.closed;
  });

  it('closes an unauthenticated connection with connection-timeout', async () => {
    // Its own server: a one-second limit would also cut off slow honest logins in the other tests.
    const strict = await startTestServer({ 'limits.auth_timeout_seconds': 1 });
    try {
      const raw = await openRawStream(strict.ports.c2s);
      raw.write(STREAM_OPEN);
      await raw.waitForText(streamError('connection-timeout'), 5_000);
      await raw.closed;
    } finally {
      await strict.stop();
    }
  });

  it('keeps serving other clients after all of the above', async () => {
    const alice = await connectClient({ port: ferry.ports.c2s, username: 'alice' });
    const pong = await alice.xmpp.iqCaller.request(
      xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
      5_000,
    );
    assert.equal(pong.attrs.type, 'result');
    await alice.stop();
  });
});
