// The client library as a good XMPP citizen: a plain xmpp.js client asks a Ferry client's full
// JID for disco#info (XEP-0030), ping (XEP-0199) and version (XEP-0092), and reads XEP-0115 caps
// in its presence; send() asks the peer's disco#info first and offers only what the peer lists.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startConnectionPair, type ConnectionPair } from '../../helpers/connection-pair.js';
import { connectClient, xml, type TestClient } from '../../helpers/xmpp-client.js';
import { tempDir } from '../../helpers/files.js';
import { NS } from '@ferry/protocol/namespaces';
import type { Element } from '@ferry/protocol/xml/element';
import { decodeDiscoInfo, encodeDiscoInfo, type DiscoInfo } from '@ferry/protocol/payloads/disco';
import { capsVer, findCaps } from '@ferry/protocol/payloads/caps';
import { decodeSiOffer } from '@ferry/protocol/payloads/si';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { FERRY_CAPS_NODE, createIbbTransport, createSocks5Transport } from '@ferry/client';
import { FERRY_VERSION } from '../../../src/version.js';

const OFFER_TIMEOUT_MS = 4_000;
const transports = () => [createSocks5Transport({ discoverProxies: false }), createIbbTransport()];

describe('the client answers disco#info, ping and version, and announces caps', () => {
  let pair: ConnectionPair;
  let carol: TestClient;
  let bobManager: FileTransferManager;
  before(async () => {
    pair = await startConnectionPair();
    await pair.ferry.addUser('carol');
    carol = await connectClient({ port: pair.ferry.ports.c2s, username: 'carol', resource: 'plain' });
    bobManager = new FileTransferManager(pair.bob, { transports: transports() });
  });
  after(async () => {
    bobManager.close();
    await carol.stop();
    await pair.stop();
  });

  const ask = async (payload: Element): Promise<Element> =>
    (await carol.xmpp.iqCaller.request(
      xml('iq', { type: 'get', to: pair.bob.jid.toString() }, payload),
      5_000,
    )) as Element;
  const discoInfo = async (node?: string): Promise<DiscoInfo> =>
    decodeDiscoInfo((await ask(xml('query', { xmlns: NS.DISCO_INFO, node }))).getChild('query', NS.DISCO_INFO)!);

  it('disco#info of the full JID: client/pc "Ferry" and every feature the manager runs', async () => {
    const info = await discoInfo();
    assert.deepEqual(info.identities, [{ category: 'client', type: 'pc', name: 'Ferry' }]);
    assert.deepEqual(
      info.features,
      [
        NS.BYTESTREAMS,
        NS.CAPS,
        NS.DISCO_INFO,
        NS.IBB,
        NS.SI,
        NS.SI_FILE,
        NS.VERSION,
        NS.PING,
        // With the IBB transport, the manager also runs Jingle file transfer over it (XEP-0261),
        // and over SOCKS5 (XEP-0260) when it has that transport too.
        NS.JINGLE,
        NS.JINGLE_FT,
        NS.JINGLE_IBB,
        NS.JINGLE_S5B,
        // XEP-0353: files proposed to our bare JID are answered.
        NS.JINGLE_MESSAGE,
      ].sort(),
    );
  });

  it('ping: an empty result', async () => {
    const result = await ask(xml('ping', { xmlns: NS.PING }));
    assert.equal(result.attrs.type, 'result');
    assert.equal(result.getChildElements().length, 0);
  });

  it('version: name Ferry and its version', async () => {
    const query = (await ask(xml('query', { xmlns: NS.VERSION }))).getChild('query', NS.VERSION)!;
    assert.equal(query.getChildText('name'), 'Ferry');
    assert.equal(query.getChildText('version'), FERRY_VERSION);
  });

  it('presence carries caps whose ver is the hash of the disco#info answer; node#ver answers the same', async () => {
    await pair.bob.send(xml('presence', { to: carol.jid }));
    const presence = await carol.waitFor(
      (stanza) => stanza.name === 'presence' && stanza.attrs.from === pair.bob.jid.toString(),
      "bob's presence",
    );
    const caps = findCaps(presence);
    assert.ok(caps, presence.toString());
    assert.equal(caps.hash, 'sha-1');
    assert.equal(caps.node, FERRY_CAPS_NODE);
    const info = await discoInfo();
    assert.equal(caps.ver, capsVer(info));
    const byNode = await discoInfo(`${caps.node}#${caps.ver}`);
    assert.equal(byNode.node, `${caps.node}#${caps.ver}`);
    assert.equal(capsVer(byNode), caps.ver);
  });

  it('disco#info of an unknown node: item-not-found', async () => {
    await assert.rejects(discoInfo('urn:example:nothing'), (error: { condition?: string }) => {
      assert.equal(error.condition, 'item-not-found');
      return true;
    });
  });

  it('the CLI identity: type and name set by the application', async () => {
    const manager = new FileTransferManager(pair.alice, {
      transports: [createIbbTransport()],
      identity: { type: 'console', name: 'Ferry' },
    });
    try {
      const result = (await carol.xmpp.iqCaller.request(
        xml('iq', { type: 'get', to: pair.alice.jid.toString() }, xml('query', { xmlns: NS.DISCO_INFO })),
        5_000,
      )) as Element;
      const info = decodeDiscoInfo(result.getChild('query', NS.DISCO_INFO)!);
      assert.deepEqual(info.identities, [{ category: 'client', type: 'console', name: 'Ferry' }]);
      assert.ok(info.features.includes(NS.IBB));
      assert.ok(!info.features.includes(NS.BYTESTREAMS), 'only the transports enabled');
    } finally {
      manager.close();
    }
  });
});

describe('send() asks the peer first', () => {
  let pair: ConnectionPair;
  let alice: FileTransferManager;
  const peers: TestClient[] = [];
  const files = tempDir();
  const source = join(files.path, 'notes.txt');
  before(async () => {
    pair = await startConnectionPair();
    await pair.ferry.addUser('carol');
    writeFileSync(source, 'hello, carol\n');
    alice = new FileTransferManager(pair.alice, { transports: transports(), acceptTimeoutMs: OFFER_TIMEOUT_MS });
  });
  after(async () => {
    alice.close();
    for (const peer of peers) await peer.stop();
    await pair.stop();
    files.remove();
  });

  /** A plain xmpp.js client as carol/<resource>: answers disco#info as told, declines SI offers and keeps them. */
  async function peer(resource: string, disco: DiscoInfo | Element) {
    const client = await connectClient({ port: pair.ferry.ports.c2s, username: 'carol', resource });
    peers.push(client);
    const offers: string[][] = [];
    client.xmpp.iqCallee.get(NS.DISCO_INFO, 'query', () => ('features' in disco ? encodeDiscoInfo(disco) : disco));
    client.xmpp.iqCallee.set(NS.SI, 'si', ({ element }: { element: Element }) => {
      offers.push(decodeSiOffer(element).methods);
      return xml('error', { type: 'cancel' }, xml('forbidden', { xmlns: NS.STANZAS }));
    });
    return { jid: client.jid, offers, client };
  }

  const rejectsWith = async (promise: Promise<unknown>, code: string, message?: RegExp) => {
    await assert.rejects(promise, (error: { code?: string; message: string }) => {
      assert.equal(error.code, code, error.message);
      if (message) assert.match(error.message, message);
      return true;
    });
  };

  it('a peer whose disco#info lacks SI fails at once with FERRY_ERR_PEER_UNSUPPORTED, no offer sent', async () => {
    const nosi = await peer('nosi', {
      identities: [{ category: 'client', type: 'pc', name: 'Chat only' }],
      features: [NS.DISCO_INFO, 'urn:xmpp:jingle:1'],
    });
    const started = Date.now();
    await rejectsWith(
      alice.send(nosi.jid, source).done,
      'FERRY_ERR_PEER_UNSUPPORTED',
      /does not support SI file transfer .*it offers: http:\/\/jabber.org\/protocol\/disco#info, urn:xmpp:jingle:1/,
    );
    assert.ok(Date.now() - started < OFFER_TIMEOUT_MS, 'did not wait for the offer timeout');
    assert.deepEqual(nosi.offers, []);
  });

  it('a peer that lists only ibb gets an IBB-only offer', async () => {
    const ibbOnly = await peer('ibbonly', {
      identities: [{ category: 'client', type: 'pc' }],
      features: [NS.DISCO_INFO, NS.SI, NS.SI_FILE, NS.IBB],
    });
    await rejectsWith(alice.send(ibbOnly.jid, source).done, 'FERRY_ERR_DECLINED');
    assert.deepEqual(ibbOnly.offers, [[NS.IBB]]);
  });

  it('COMPAT: a peer that answers disco#info with an error gets the full offer, as before', async () => {
    const nodisco = await peer(
      'nodisco',
      xml('error', { type: 'cancel' }, xml('feature-not-implemented', { xmlns: NS.STANZAS })),
    );
    await rejectsWith(alice.send(nodisco.jid, source).done, 'FERRY_ERR_DECLINED');
    assert.deepEqual(nodisco.offers, [[NS.BYTESTREAMS, NS.IBB]]);
  });

  it('a resource that is not online: FERRY_ERR_PEER_OFFLINE "… is not online"', async () => {
    const started = Date.now();
    await rejectsWith(alice.send('bob@localhost/nowhere', source).done, 'FERRY_ERR_PEER_OFFLINE', /is not online/);
    assert.ok(Date.now() - started < OFFER_TIMEOUT_MS, 'did not wait for the offer timeout');
  });

  it('a peer that sent unavailable presence: FERRY_ERR_PEER_OFFLINE without asking', async () => {
    const leaving = await peer('leaving', { identities: [], features: [NS.SI, NS.SI_FILE, NS.IBB] });
    const aliceJid = pair.alice.jid.toString();
    await leaving.client.xmpp.send(xml('presence', { to: aliceJid }));
    await leaving.client.xmpp.send(xml('presence', { to: aliceJid, type: 'unavailable' }));
    // The presence reaches alice before an IQ she sends after it is answered by the same peer.
    await pair.alice
      .request(xml('iq', { type: 'get', to: leaving.jid }, xml('ping', { xmlns: NS.PING })), 5_000)
      .catch(() => {});
    await rejectsWith(
      alice.send(leaving.jid, source).done,
      'FERRY_ERR_PEER_OFFLINE',
      /is not online \(it sent unavailable presence\)/,
    );
    assert.deepEqual(leaving.offers, []);
  });
});
