// XEP-0353 v0.8.0's own examples (§3, §5), decoded and encoded again: the payload Ferry writes for
// each is the example's payload, element for element and attribute for attribute (whitespace
// between elements aside), and the wrapping message keeps type 'chat' and the <store/> hint.
// The tie-break <retract/> of §5.1 is shown with a mistyped closing tag (</reject>) in the XEP;
// it is written here closed correctly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeJingleMessage,
  encodeJingleMessageStanza,
  jingleMessageOf,
} from '@ferry/protocol/payloads/jingle-message';
import type { Element } from '@ferry/protocol/xml/element';
import { parseXml, reparse } from './fixtures.js';

const JMI = 'urn:xmpp:jingle-message:0';
const ID = 'ca3cf894-5325-482f-a412-a6e9f832298d';
const HIGH = 'fecbea35-08d3-404f-9ec7-2b57c566fa74';
const NEW = '989a46a6-f202-4910-a7c3-83c6ba3f3947';
const STORE = '<store xmlns="urn:xmpp:hints"/>';

const EXAMPLES: Record<string, { to: string; xml: string }> = {
  'Example 1, propose': {
    to: 'juliet@capulet.example',
    xml: `<message from='romeo@montague.example/orchard' to='juliet@capulet.example' type='chat'>
  <propose xmlns='${JMI}' id='${ID}'>
    <description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/>
  </propose>
  ${STORE}
</message>`,
  },
  'Example 3, ringing': {
    to: 'romeo@montague.example/orchard',
    xml: `<message from='juliet@capulet.example/phone' to='romeo@montague.example/orchard' type='chat'>
  <ringing xmlns='${JMI}' id='${ID}'/>
  ${STORE}
</message>`,
  },
  'Example 4, retract': {
    to: 'juliet@capulet.example',
    xml: `<message from='romeo@montague.example/orchard' to='juliet@capulet.example' type='chat'>
  <retract xmlns='${JMI}' id='${ID}'>
    <reason xmlns="urn:xmpp:jingle:1">
      <cancel/>
      <text>Retracted</text>
    </reason>
  </retract>
  ${STORE}
</message>`,
  },
  'Example 5, proceed': {
    to: 'romeo@montague.example/orchard',
    xml: `<message from='juliet@capulet.example/phone' to='romeo@montague.example/orchard' type='chat'>
  <proceed xmlns='${JMI}' id='${ID}'/>
  ${STORE}
</message>`,
  },
  'Example 7, reject': {
    to: 'romeo@montague.example/orchard',
    xml: `<message from='juliet@capulet.example/phone' to='romeo@montague.example/orchard' type='chat'>
  <reject xmlns='${JMI}' id='${ID}'>
    <reason xmlns="urn:xmpp:jingle:1">
      <busy/>
      <text>Busy</text>
    </reason>
  </reject>
  ${STORE}
</message>`,
  },
  'Example 9, finish (initiator)': {
    to: 'juliet@capulet.example/phone',
    xml: `<message from='romeo@montague.example/orchard' to='juliet@capulet.example/phone' type='chat'>
  <finish xmlns='${JMI}' id='${ID}'>
    <reason xmlns="urn:xmpp:jingle:1">
      <success/>
      <text>Success</text>
    </reason>
  </finish>
  ${STORE}
</message>`,
  },
  'Example 11, tie-break reject': {
    to: 'juliet@capulet.example',
    xml: `<message from='romeo@montague.example/orchard' to='juliet@capulet.example' type='chat'>
  <reject xmlns='${JMI}' id='${HIGH}'>
    <reason xmlns="urn:xmpp:jingle:1">
      <expired/>
      <text>Tie-Break</text>
    </reason>
    <tie-break/>
  </reject>
  ${STORE}
</message>`,
  },
  'Example 11, tie-break retract': {
    to: 'romeo@montague.example/orchard',
    xml: `<message from='juliet@capulet.example/phone' to='romeo@montague.example/orchard' type='chat'>
  <retract xmlns='${JMI}' id='${HIGH}'>
    <reason xmlns="urn:xmpp:jingle:1">
      <expired/>
      <text>Tie-Break</text>
    </reason>
    <tie-break/>
  </retract>
  ${STORE}
</message>`,
  },
  'Example 12, finish migrated': {
    to: 'juliet@capulet.example/phone',
    xml: `<message from='romeo@montague.example/orchard' to='juliet@capulet.example/phone' type='chat'>
  <finish xmlns='${JMI}' id='${ID}'>
    <reason xmlns="urn:xmpp:jingle:1">
      <expired/>
      <text>Session migrated</text>
    </reason>
    <migrated to='${NEW}'/>
  </finish>
  ${STORE}
</message>`,
  },
};

/** The element as text with the whitespace between elements dropped and attributes sorted. */
function canonical(element: Element): string {
  const attrs = Object.entries(element.attrs)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ` ${name}="${String(value)}"`)
    .join('');
  const children = element.children
    .map((child) => (typeof child === 'string' ? child.trim() : canonical(child as Element)))
    .join('');
  return `<${element.name}${attrs}>${children}</${element.name}>`;
}

describe('XEP-0353 v0.8.0 examples', () => {
  for (const [name, example] of Object.entries(EXAMPLES)) {
    it(`${name}: decodes and encodes back to the same payload and message`, () => {
      const stanza = parseXml(example.xml);
      const message = jingleMessageOf(stanza);
      assert.ok(message, 'a JMI payload');
      const payload = stanza.getChildElements().find((child) => child.getNS() === JMI)!;
      assert.equal(canonical(reparse(encodeJingleMessage(message))), canonical(payload));
      const again = reparse(encodeJingleMessageStanza(example.to, message));
      assert.equal(again.attrs.type, 'chat');
      assert.equal(again.attrs.to, example.to);
      assert.ok(again.getChild('store', 'urn:xmpp:hints'), '§3: the <store/> hint');
      assert.deepEqual(jingleMessageOf(again), message);
    });
  }
});
