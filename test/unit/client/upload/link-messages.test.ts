// Which messages become link offers, and what the offer says: the XML real clients send.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Jid } from '@ferry/protocol/jid';
import { decodeLinkMessage, nameOfUrl } from '@ferry/client/internal/upload/link-offers';
import { encodeLinkMessage } from '@ferry/client/internal/upload/share-link';
import { parseXml, reparse } from '../../protocol/payloads/fixtures.js';

const URL = 'https://upload.example.com/slot/4a771ac1/tr%C3%A8s%20cool.jpg';
const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('link messages', () => {
  it('Ferry sends the URL as body, in oob and in XEP-0447 file-sharing (type chat)', () => {
    const message = encodeLinkMessage(
      Jid.parse('bob@example.com'),
      { url: URL, name: 'très cool.jpg', size: 5, mimeType: 'image/jpeg', sha256: SHA },
      'm1',
    );
    assert.equal(
      message.toString(),
      `<message to="bob@example.com" type="chat" id="m1"><body>${URL}</body>` +
        `<x xmlns="jabber:x:oob"><url>${URL}</url></x>` +
        '<file-sharing xmlns="urn:xmpp:sfs:0" disposition="attachment"><file xmlns="urn:xmpp:file:metadata:0">' +
        '<media-type>image/jpeg</media-type><name>très cool.jpg</name><size>5</size>' +
        '<hash xmlns="urn:xmpp:hashes:2" algo="sha-256">47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=</hash></file>' +
        `<sources><url-data xmlns="http://jabber.org/protocol/url-data" target="${URL}"/></sources></file-sharing></message>`,
    );
    assert.deepEqual(decodeLinkMessage(reparse(message)), {
      method: 'upload',
      url: URL,
      name: 'très cool.jpg',
      size: 5,
      sha256: SHA,
      mimeType: 'image/jpeg',
      description: undefined,
      date: undefined,
      id: 'm1',
    });
  });

  it('a body + oob message (Conversations, Gajim, Dino): a link named after the URL, size unknown', () => {
    const link = decodeLinkMessage(
      parseXml(
        `<message from="juliet@capulet.lit/phone" type="chat" id="c1"><body>${URL}</body>` +
          `<x xmlns="jabber:x:oob"><url>${URL}</url></x></message>`,
      ),
    );
    assert.equal(link?.method, 'link');
    assert.equal(link?.name, 'très cool.jpg');
    assert.equal(link?.size, undefined);
  });

  it('a stored message keeps its XEP-0203 delay stamp', () => {
    const link = decodeLinkMessage(
      parseXml(
        `<message type="chat"><x xmlns="jabber:x:oob"><url>${URL}</url></x>` +
          '<delay xmlns="urn:xmpp:delay" from="example.com" stamp="2024-05-01T10:00:00Z">Offline Storage</delay></message>',
      ),
    );
    assert.equal(link?.date, '2024-05-01T10:00:00Z');
  });

  it('ignores groupchat, errors, non-http schemes and plain chat', () => {
    const oob = (url: string) => `<x xmlns="jabber:x:oob"><url>${url}</url></x>`;
    for (const xml of [
      `<message type="groupchat">${oob(URL)}</message>`,
      `<message type="error">${oob(URL)}</message>`,
      `<message type="chat">${oob('aesgcm://upload.example.com/a.jpg#00ff')}</message>`,
      `<message type="chat">${oob('ftp://example.com/a.jpg')}</message>`,
      `<message type="chat"><body>${URL}</body></message>`,
    ]) {
      assert.equal(decodeLinkMessage(parseXml(xml)), undefined, xml);
    }
  });

  it('falls back to the oob URL when the file-sharing element is broken', () => {
    const link = decodeLinkMessage(
      parseXml(
        `<message type="chat"><x xmlns="jabber:x:oob"><url>${URL}</url></x>` +
          '<file-sharing xmlns="urn:xmpp:sfs:0"><sources/></file-sharing></message>',
      ),
    );
    assert.equal(link?.method, 'link');
  });

  it('sanitises names: a path in the metadata or the URL never leaves the target folder', () => {
    const link = decodeLinkMessage(
      parseXml(
        '<message type="chat"><file-sharing xmlns="urn:xmpp:sfs:0"><file xmlns="urn:xmpp:file:metadata:0">' +
          '<name>../../.bashrc</name></file><sources>' +
          `<url-data xmlns="http://jabber.org/protocol/url-data" target="${URL}"/></sources></file-sharing></message>`,
      ),
    );
    assert.equal(link?.name, '.bashrc');
    assert.equal(nameOfUrl('https://h.example/a/..%2F..%2Fetc%2Fpasswd'), '../../etc/passwd');
    assert.equal(
      decodeLinkMessage(parseXml(`<message><x xmlns="jabber:x:oob"><url>https://h.example/</url></x></message>`))?.name,
      'received-file',
    );
  });
});
