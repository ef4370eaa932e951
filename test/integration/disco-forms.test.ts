// XEP-0128 on the wire: extension forms modules add to the server's and a component's disco#info.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NS } from '@ferry/protocol/namespaces';
import { decodeDiscoInfo, extensionForm, findExtensionForm } from '@ferry/protocol/payloads/disco';
import { findField } from '@ferry/protocol/payloads/data-form';
import { defineModule } from '../../src/server/core/module.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, xml, type TestClient } from '../helpers/xmpp-client.js';

const formsModule = defineModule({
  name: 'forms-test',
  spec: { xep: 128, status: 'complete' },
  depends: ['disco'],
  setup(ctx) {
    const disco = ctx.require('disco');
    const component = `files.${ctx.domain}`; // not upload.<domain>: the real http_upload module has that
    ctx.onTeardown(ctx.router.addHost(component));
    disco.addComponent(component, {
      name: 'HTTP File Upload',
      identities: [{ category: 'store', type: 'file', name: 'HTTP File Upload' }],
      features: [NS.HTTP_UPLOAD],
      forms: [extensionForm(NS.HTTP_UPLOAD, [{ var: 'max-file-size', values: ['5242880'], options: [] }])],
    });
    disco.addServerForm(
      extensionForm('http://jabber.org/network/serverinfo', [
        { var: 'admin-addresses', type: 'list-multi', values: ['xmpp:admin@localhost'], options: [] },
      ]),
    );
  },
});

describe('disco#info extension forms (XEP-0128)', () => {
  let ferry: TestServer;
  let alice: TestClient;
  before(async () => {
    ferry = await startTestServer({}, { extraModules: [formsModule] });
    await ferry.addUser('alice');
    alice = await connectClient({ port: ferry.ports.c2s, username: 'alice' });
  });
  after(async () => {
    await alice.stop();
    await ferry.stop();
  });

  const info = async (to: string) => {
    const result = await alice.xmpp.iqCaller.request(
      xml('iq', { type: 'get', to }, xml('query', { xmlns: NS.DISCO_INFO })),
      5_000,
    );
    return result.getChild('query', NS.DISCO_INFO)!;
  };

  it("a component answers disco#info with its form after its features: HTTP upload's max-file-size", async () => {
    const query = await info('files.localhost');
    assert.equal(
      query.toString(),
      '<query xmlns="http://jabber.org/protocol/disco#info">' +
        '<identity category="store" type="file" name="HTTP File Upload"/>' +
        '<feature var="http://jabber.org/protocol/disco#info"/>' +
        '<feature var="urn:xmpp:http:upload:0"/>' +
        '<x xmlns="jabber:x:data" type="result">' +
        '<field var="FORM_TYPE" type="hidden"><value>urn:xmpp:http:upload:0</value></field>' +
        '<field var="max-file-size"><value>5242880</value></field>' +
        '</x></query>',
    );
  });

  it("the server's own disco#info carries the form added with addServerForm", async () => {
    const form = findExtensionForm(decodeDiscoInfo(await info('localhost')), 'http://jabber.org/network/serverinfo');
    assert.ok(form, 'serverinfo form present');
    assert.deepEqual(findField(form, 'admin-addresses')?.values, ['xmpp:admin@localhost']);
  });
});
