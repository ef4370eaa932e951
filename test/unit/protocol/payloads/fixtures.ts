// Shared stanzas for the payload codec tests: traces of real clients (Spark and Openfire, Flex/XIFF,
// agsXMPP) as published in blog posts, copied here as literal strings so every test shows the
// exact XML it decodes; plus small helpers. Where a blog mangled a stanza, the repair is named.
import assert from 'node:assert/strict';
import { parse } from 'ltx/lib/ltx.js';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import type { Element } from '@ferry/protocol/xml/element';

/** Parses XML text into an element. */
export function parseXml(text: string): Element {
  return parse(text) as Element;
}

/** Parses a stanza and returns its first child element: the payload a codec decodes. */
export function payloadOf(stanza: string): Element {
  const child = parseXml(stanza).getChildElements()[0];
  assert.ok(child, 'the stanza has no payload child');
  return child;
}

/** Encode → text → parse: round-trips go through real XML, not shared objects. */
export function reparse(element: Element): Element {
  return parseXml(element.toString());
}

/** The Openfire + Spark trace was published with typographic quotes (‘…‘) around attribute values; XML needs '. */
export function fromBlog(text: string): string {
  return text.replace(/[‘’]/g, "'");
}

/** Asserts `fn` throws StanzaError bad-request (or `condition`) whose text matches `pattern`. */
export function assertStanzaError(
  fn: () => unknown,
  pattern: RegExp,
  condition: StanzaError['condition'] = 'bad-request',
): StanzaError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof StanzaError, `expected a StanzaError, got ${String(caught)}`);
  assert.equal(caught.condition, condition);
  assert.match(caught.text ?? '', pattern);
  return caught;
}

// ── Openfire + Spark, IBB only ──────────────────────────────────────────────────────────────────

/** A offers File (2).pdf; B (Spark) will decline it. */
export const SPARK_IBB_OFFER_DECLINED = fromBlog(
  `<iq type=‘set‘ to=‘lxy2@user-20160421db/Spark‘ id=‘file_33fe4dbdf2364‘ xmlns=‘jabber:client‘> <si xmlns=‘http://jabber.org/protocol/si‘ id=‘jsi_33fe4dbdf2313‘ profile=‘http://jabber.org/protocol/si/profile/file-transfer‘ mime-type=‘application/pdf‘> <file xmlns=‘http://jabber.org/protocol/si/profile/file-transfer‘ name=‘File (2).pdf‘ size=‘457701‘/> <feature xmlns=‘http://jabber.org/protocol/feature-neg‘> <x xmlns=‘jabber:x:data‘ type=‘form‘> <field var=‘stream-method‘ type=‘list-single‘> <option> <value>http://jabber.org/protocol/ibb</value> </option> </field> </x> </feature> </si> </iq>`,
);

/** Spark's decline exactly as printed: the blog ate the '<' of <not-acceptable/>, so only code="406" survives. */
export const SPARK_IBB_DECLINE_AS_PRINTED = `<iq xmlns="jabber:client" id="file_33fe4dbdf2364" to="lxy@user-20160421db/8xz8uslghx" from="lxy2@user-20160421db/Spark" type="error"> <error code="406" type="MODIFY"> not-acceptable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/> </error> </iq>`;

/** The same decline with the condition element restored: what Smack < 4.0.1 / Spark send. */
export const SPARK_IBB_DECLINE = `<iq xmlns="jabber:client" id="file_33fe4dbdf2364" to="lxy@user-20160421db/8xz8uslghx" from="lxy2@user-20160421db/Spark" type="error"> <error code="406" type="MODIFY"> <not-acceptable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/> </error> </iq>`;

/** A offers File (1).pdf over IBB only; this one is accepted. */
export const SPARK_IBB_OFFER = fromBlog(
  `<iq type=‘set‘ to=‘lxy2@user-20160421db/Spark‘ id=‘file_33fe66c647645‘ xmlns=‘jabber:client‘> <si xmlns=‘http://jabber.org/protocol/si‘ id=‘jsi_33fe66c647209‘ profile=‘http://jabber.org/protocol/si/profile/file-transfer‘ mime-type=‘application/pdf‘> <file xmlns=‘http://jabber.org/protocol/si/profile/file-transfer‘ name=‘File (1).pdf‘ size=‘1073243‘/> <feature xmlns=‘http://jabber.org/protocol/feature-neg‘> <x xmlns=‘jabber:x:data‘ type=‘form‘> <field var=‘stream-method‘ type=‘list-single‘> <option> <value>http://jabber.org/protocol/ibb</value> </option> </field> </x> </feature> </si> </iq>`,
);

export const SPARK_IBB_ACCEPT = `<iq xmlns="jabber:client" id="file_33fe66c647645" to="lxy@user-20160421db/8xz8uslghx" from="lxy2@user-20160421db/Spark" type="result"> <si xmlns="http://jabber.org/protocol/si"> <feature xmlns="http://jabber.org/protocol/feature-neg"> <x xmlns="jabber:x:data" type="submit"> <field var="stream-method"> <value>http://jabber.org/protocol/ibb</value> </field> </x> </feature> </si> </iq>`;

export const SPARK_IBB_IBB_OPEN = fromBlog(
  `<iq type=‘set‘ to=‘lxy2@user-20160421db/Spark‘ id=‘efd57f0e-ba5a-4cbe-b68b-d7e1353839c2:ibb‘ xmlns=‘jabber:client‘> <open xmlns=‘http://jabber.org/protocol/ibb‘ stanza=‘iq‘ sid=‘jsi_33fe66c647209‘ block-size=‘4096‘/> </iq>`,
);

/** The post's data stanza; its payload is the placeholder 数据在这里 ("the data goes here"). */
export const SPARK_IBB_IBB_DATA = fromBlog(
  `<iq type=‘set‘ to=‘lxy2@user-20160421db/Spark‘ id=‘b8ef6e92-66c8-41f9-aa16-711d471b5b7a:ibb‘ xmlns=‘jabber:client‘> <data xmlns=‘http://jabber.org/protocol/ibb‘ seq=‘0‘ sid=‘jsi_33fe66c647209‘>数据在这里</data> </iq>`,
);

export const SPARK_IBB_IBB_CLOSE = fromBlog(
  `<iq type=‘set‘ to=‘lxy2@user-20160421db/Spark‘ id=‘f113f9f8-619b-4446-8551-3e85d7bbd065:ibb‘ xmlns=‘jabber:client‘> <close xmlns=‘http://jabber.org/protocol/ibb‘ sid=‘jsi_33fe66c647209‘/> </iq>`,
);

/** The receiver (Spark) aborts: a close from B. */
export const SPARK_IBB_IBB_CLOSE_FROM_SPARK = `<iq xmlns="jabber:client" id="pfVx0-912" to="lxy@user-20160421db/76xgw7w2r6" type="set" from="lxy2@user-20160421db/Spark"> <close xmlns="http://jabber.org/protocol/ibb" sid="jsi_33fe9702f3329"/> </iq>`;

// ── Flex/XIFF → Spark 2.6.3 through Openfire's proxy (SOCKS5 mediated) ────────────────────────
// One published copy of this trace lost the `x ` of `<x xmlns="jabber:x:data">` to the blog's
// formatting; another prints it intact, and that tag is restored here. Nothing else is changed.

export const SID_XIFF = '82B0C697-C1DE-93F9-103E-481C8E7A3BD8';

export const XIFF_OFFER = `<iq to="android@192.168.1.113/Spark 2.6.3" type="set" id="iq_13" from="iphone@192.168.1.113/xiff">
    <si profile="http://jabber.org/protocol/si/profile/file-transfer" mime-type="text/plain" id="82B0C697-C1DE-93F9-103E-481C8E7A3BD8" xmlns="http://jabber.org/protocol/si">
        <feature xmlns="http://jabber.org/protocol/feature-neg">
            <x xmlns="jabber:x:data" type="form">
                <field var="stream-method" type="list-single">
                    <option><value>http://jabber.org/protocol/bytestreams</value></option>
                    <option><value>http://jabber.org/protocol/ibb</value></option>
                </field>
            </x>
        </feature>
        <file xmlns="http://jabber.org/protocol/si/profile/file-transfer" name="img0545.png" size="152443"><desc>send</desc></file>
    </si>
</iq>`;

/** COMPAT: Spark answers with two <value>s in the stream-method field. */
export const XIFF_ACCEPT = `<iq id="iq_13" to="iphone@192.168.1.113/xiff" from="android@192.168.1.113/Spark 2.6.3" type="result">
    <si xmlns="http://jabber.org/protocol/si">
        <feature xmlns="http://jabber.org/protocol/feature-neg">
            <x xmlns="jabber:x:data" type="submit">
                <field var="stream-method">
                     <value>http://jabber.org/protocol/bytestreams</value>
                     <value>http://jabber.org/protocol/ibb</value>
                </field>
             </x>
        </feature>
     </si>
</iq>`;

export const XIFF_DISCO_ITEMS_GET = `<iq id="iq_15" type="get"><query xmlns="http://jabber.org/protocol/disco#items" /></iq>`;

export const XIFF_DISCO_ITEMS = `<iq type="result" id="iq_15" to="iphone@192.168.1.113/xiff">
    <query xmlns="http://jabber.org/protocol/disco#items">
        <item jid="proxy.192.168.1.113" name="Socks 5 Bytestreams Proxy"/>
        <item jid="pubsub.192.168.1.113" name="Publish-Subscribe service"/>
        <item jid="conference.192.168.1.113" name="公共房間"/>
        <item jid="search.192.168.1.113" name="User Search"/>
    </query>
</iq>`;

export const XIFF_PROXY_QUERY = `<iq id="iq_17" to="proxy.192.168.1.113" type="get"><query xmlns="http://jabber.org/protocol/bytestreams" /></iq>`;

export const XIFF_PROXY_STREAMHOSTS = `<iq type="result" id="iq_17" from="proxy.192.168.1.113" to="iphone@192.168.1.113/xiff">
    <query xmlns="http://jabber.org/protocol/bytestreams">
        <streamhost jid="proxy.192.168.1.113" host="192.168.1.113" port="7777"/>
    </query>
</iq>`;

export const XIFF_STREAMHOSTS = `<iq to="android@192.168.1.113/Spark 2.6.3" type="set" id="iq_19" from="iphone@192.168.1.113/xiff">
    <query xmlns="http://jabber.org/protocol/bytestreams" mode="tcp" sid="82B0C697-C1DE-93F9-103E-481C8E7A3BD8">
        <streamhost port="7777" host="192.168.1.113" jid="proxy.192.168.1.113" />
    </query>
</iq>`;

export const XIFF_STREAMHOST_USED = `<iq id="iq_19" to="iphone@192.168.1.113/xiff" type="result" from="android@192.168.1.113/Spark 2.6.3">
    <query xmlns="http://jabber.org/protocol/bytestreams">
        <streamhost-used jid="proxy.192.168.1.113"/>
    </query>
</iq>`;

export const XIFF_ACTIVATE = `<iq to="proxy.192.168.1.113" type="set" id="iq_21" from="iphone@192.168.1.113/xiff">
<query xmlns="http://jabber.org/protocol/bytestreams" sid="82B0C697-C1DE-93F9-103E-481C8E7A3BD8">
<activate>android@192.168.1.113/Spark 2.6.3</activate>
</query>
</iq>`;

// ── agsXMPP (C#) ──────────────────────────────────────────────────────────────────────────────

/**
 * An offer with an empty <range/> (the sender can resume) and no mime-type. The post's search-and-
 * replace turned "bytestreams" into "byReceive reams" inside the option; kept as printed.
 */
export const AGSXMPP_OFFER = `<iq xmlns="jabber:client" id="agsXMPP_6" to="Receive @localhost/" type="set"><si xmlns="http://jabber.org/protocol/si" profile="http://jabber.org/protocol/si/profile/file-transfer" id="b3b5f49c-8a94-49e2-908a-3de694b98af0"><file xmlns="http://jabber.org/protocol/si/profile/file-transfer" name="MiniClient.exe.config" size="382"><range /></file><feature xmlns="http://jabber.org/protocol/feature-neg"><x xmlns="jabber:x:data" type="form"><field type="list-single" var="stream-method"><option><value>http://jabber.org/protocol/byReceive reams</value></option></field></x></feature></si></iq>`;

/** Two streamhosts, the client itself (LAN) then a public proxy; namespace restored from "bySendreams". */
export const AGSXMPP_STREAMHOSTS = `<iq xmlns="jabber:client" id="agsXMPP_7" to="Receive@localhost" type="set"><query xmlns="http://jabber.org/protocol/bytestreams" sid="71f1b875-4d84-429c-b39d-7dabcd400f3d"><streamhost jid="Send@localhost/MiniClient" host="localhost" port="1000" /><streamhost jid="proxy.ag-software.de" host="proxy.ag-software.de" port="7777" /></query></iq>`;
