// The slot request on the module harness: stanza in, stanza out as XML.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import disco from '../../../../../src/server/modules/disco/index.js';
import httpUpload from '../../../../../src/server/modules/http-upload/index.js';
import { assertXml, loadModules, type ModuleHarness } from '../../../../helpers/module-harness.js';

let dataDir: string;
let harness: ModuleHarness;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ferry-upload-harness-'));
  harness = await loadModules([disco, httpUpload], {
    // Behind a reverse proxy: slot URLs are built on http.public_url.
    config: {
      data_dir: dataDir,
      'http.public_url': 'https://files.example.org',
      'modules.http_upload.permanent': true,
    },
  });
});

after(async () => {
  await harness.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('slot requests (XEP-0363 §4, §5)', () => {
  it('answers an account of this server with a slot: one URL, the token in an Authorization header', async () => {
    const romeo = harness.connect('romeo@localhost/garden');
    await harness.send(
      romeo,
      "<iq type='get' id='s1' to='upload.localhost'><request xmlns='urn:xmpp:http:upload:0' filename='avatar.png' size='100'>" +
        "<permanent xmlns='urn:xmpp:http:upload:purpose:0'/></request></iq>",
    );
    const [reply] = romeo.take();
    assert.match(reply!, /<put url="https:\/\/files\.example\.org\/upload\/[A-Za-z0-9_-]{22}\/avatar\.png">/);
    assertXml(
      [reply!],
      [
        "<iq type='result' id='s1' to='romeo@localhost/garden' from='upload.localhost'><slot xmlns='urn:xmpp:http:upload:0'>" +
          "<put url='*'><header name='Authorization'>*</header></put><get url='*'/></slot></iq>",
      ],
    );
  });

  it('refuses a JID of another server with forbidden (auth), as §5 example 9', async () => {
    const mallory = harness.connect('mallory@elsewhere.example/x');
    await harness.send(
      mallory,
      "<iq type='get' id='s2' to='upload.localhost'><request xmlns='urn:xmpp:http:upload:0' filename='a.jpg' size='1'/></iq>",
    );
    assertXml(mallory.take(), [
      "<iq type='error' id='s2' to='mallory@elsewhere.example/x' from='upload.localhost'><error type='auth'>" +
        "<forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>" +
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Only accounts of this server may upload files</text></error></iq>",
    ]);
  });

  it('refuses an ephemeral deadline in the past with not-acceptable', async () => {
    const romeo = harness.connect('romeo@localhost/garden');
    await harness.send(
      romeo,
      "<iq type='get' id='s3' to='upload.localhost'><request xmlns='urn:xmpp:http:upload:0' filename='s.jpg' size='1'>" +
        "<ephemeral xmlns='urn:xmpp:http:upload:purpose:0' expire-before='2001-01-01T00:00:00Z'/></request></iq>",
    );
    assertXml(romeo.take(), [
      "<iq type='error' id='s3' to='romeo@localhost/garden' from='upload.localhost'><error type='modify'>" +
        "<not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>" +
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>expire-before is in the past</text></error></iq>",
    ]);
  });
});
