// XEP-0092 on the module harness (the example docs/adding-a-module.md walks through).
import { describe, it } from 'node:test';
import disco from '../../../../src/server/modules/disco/index.js';
import version from '../../../../src/server/modules/version/index.js';
import { assertXml, loadModules } from '../../../helpers/module-harness.js';

describe('version module', () => {
  it('answers with the name and version, and no OS unless show_os', async () => {
    const harness = await loadModules([disco, version], { config: { 'modules.version.show_os': false } });
    const alice = harness.connect('alice@localhost/a');
    await harness.send(alice, "<iq type='get' id='v1' to='localhost'><query xmlns='jabber:iq:version'/></iq>");
    assertXml(alice.take(), [
      "<iq type='result' id='v1' to='alice@localhost/a' from='localhost'><query xmlns='jabber:iq:version'>" +
        '<name>Ferry</name><version>*</version></query></iq>',
    ]);
    await harness.stop();
  });

  it('names the OS when show_os is on', async () => {
    const harness = await loadModules([disco, version], { config: { 'modules.version.show_os': true } });
    const alice = harness.connect('alice@localhost/a');
    await harness.send(alice, "<iq type='get' id='v2' to='localhost'><query xmlns='jabber:iq:version'/></iq>");
    assertXml(alice.take(), [
      "<iq type='result' id='v2' to='alice@localhost/a' from='localhost'><query xmlns='jabber:iq:version'>" +
        '<name>Ferry</name><version>*</version><os>*</os></query></iq>',
    ]);
    await harness.stop();
  });
});
