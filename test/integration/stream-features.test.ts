// RFC 6120 §4.3.2: the features offered after SASL succeeded and the stream restarted — resource
// binding, and RFC 6121 §2.6.1 roster versioning, contributed by the roster module.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';
import { openRawStream, STREAM_OPEN } from '../helpers/raw-stream.js';

describe('post-authentication stream features', () => {
  let ferry: TestServer;
  before(async () => {
    ferry = await startTestServer();
    ferry.addUser('alice');
  });
  after(() => ferry.stop());

  it('offers bind and roster versioning after SASL and the stream restart', async () => {
    // Direct TLS, so the stream is secure and SASL PLAIN is offered.
    const raw = await openRawStream(ferry.ports.directTls, { tls: true });
    try {
      raw.write(STREAM_OPEN);
      await raw.waitForText('</stream:features>');
      const plain = Buffer.from(`\0alice\0${PASSWORD}`).toString('base64');
      raw.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain}</auth>`);
      await raw.waitForText(/<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl"\s*\/?>/);
      const before = raw.text().length;
      raw.write(STREAM_OPEN);
      await raw.waitForText(/<success[\s\S]*<stream:features>[\s\S]*<\/stream:features>/);
      const features = /<stream:features>[\s\S]*<\/stream:features>/.exec(raw.text().slice(before))?.[0] ?? '';
      // <stream:features>
      //   <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>
      //   <session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>
      //   <ver xmlns='urn:xmpp:features:rosterver'/>
      // </stream:features>
      assert.match(features, /<bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"\/>/);
      assert.match(features, /<ver xmlns="urn:xmpp:features:rosterver"\/>/);
    } finally {
      raw.destroy();
    }
  });
});
