// Every XML namespace Ferry speaks, once. Never type a namespace URI inline elsewhere.
export const NS = {
  CLIENT: 'jabber:client',
  SERVER: 'jabber:server',
  STREAM: 'http://etherx.jabber.org/streams',
  STREAMS: 'urn:ietf:params:xml:ns:xmpp-streams',
  STANZAS: 'urn:ietf:params:xml:ns:xmpp-stanzas',
  TLS: 'urn:ietf:params:xml:ns:xmpp-tls',
  SASL: 'urn:ietf:params:xml:ns:xmpp-sasl',
  BIND: 'urn:ietf:params:xml:ns:xmpp-bind',
  SESSION: 'urn:ietf:params:xml:ns:xmpp-session',
  FRAMING: 'urn:ietf:params:xml:ns:xmpp-framing',
  ROSTER: 'jabber:iq:roster',
  ROSTER_VER: 'urn:xmpp:features:rosterver',
  REGISTER: 'jabber:iq:register',
  REGISTER_FEATURE: 'http://jabber.org/features/iq-register',
  VERSION: 'jabber:iq:version',
  DISCO_INFO: 'http://jabber.org/protocol/disco#info',
  DISCO_ITEMS: 'http://jabber.org/protocol/disco#items',
  CAPS: 'http://jabber.org/protocol/caps',
  PING: 'urn:xmpp:ping',
  DELAY: 'urn:xmpp:delay',
  DATA_FORMS: 'jabber:x:data',
  SI: 'http://jabber.org/protocol/si',
  SI_FILE: 'http://jabber.org/protocol/si/profile/file-transfer',
  FEATURE_NEG: 'http://jabber.org/protocol/feature-neg',
  BYTESTREAMS: 'http://jabber.org/protocol/bytestreams',
  IBB: 'http://jabber.org/protocol/ibb',
  HTTP_UPLOAD: 'urn:xmpp:http:upload:0',
  /** XEP-0363 1.2 §5: upload purposes (message, profile, ephemeral, permanent); features are `#purpose`. */
  HTTP_UPLOAD_PURPOSE: 'urn:xmpp:http:upload:purpose:0',
  /** XEP-0066: Out of Band Data (the URL a link message carries). */
  OOB: 'jabber:x:oob',
  /** XEP-0447: Stateless File Sharing. */
  SFS: 'urn:xmpp:sfs:0',
  /** XEP-0446: File metadata element. */
  FILE_METADATA: 'urn:xmpp:file:metadata:0',
  /** XEP-0300: Use of Cryptographic Hash Functions in XMPP. */
  HASHES: 'urn:xmpp:hashes:2',
  /** XEP-0103: URL Address Information (a source in XEP-0447). */
  URL_DATA: 'http://jabber.org/protocol/url-data',
  /** XEP-0166: Jingle. */
  JINGLE: 'urn:xmpp:jingle:1',
  /** XEP-0166 §8: Jingle-specific error conditions (out-of-order, tie-break, unknown-session…). */
  JINGLE_ERRORS: 'urn:xmpp:jingle:errors:1',
  /** XEP-0234 v0.19: Jingle File Transfer, the version Ferry sends. */
  JINGLE_FT: 'urn:xmpp:jingle:apps:file-transfer:5',
  /** XEP-0234 v0.16–0.17 (read only): <file/> directly in <description/>. */
  JINGLE_FT_4: 'urn:xmpp:jingle:apps:file-transfer:4',
  /** XEP-0234 v0.14–0.15 (read only): <file/> wrapped in <offer/> or <request/>. */
  JINGLE_FT_3: 'urn:xmpp:jingle:apps:file-transfer:3',
  /** XEP-0234 §9: application-specific reasons (file-not-available, file-too-large). */
  JINGLE_FT_ERRORS: 'urn:xmpp:jingle:apps:file-transfer:errors:0',
  /** XEP-0260: Jingle SOCKS5 Bytestreams Transport Method. */
  JINGLE_S5B: 'urn:xmpp:jingle:transports:s5b:1',
  /** XEP-0261: Jingle In-Band Bytestreams Transport Method. */
  JINGLE_IBB: 'urn:xmpp:jingle:transports:ibb:1',
  /** XEP-0353: Jingle Message Initiation. */
  JINGLE_MESSAGE: 'urn:xmpp:jingle-message:0',
  /** XEP-0300 before v0.5 (read only): what XEP-0234 :3/:4 files carried. */
  HASHES_1: 'urn:xmpp:hashes:1',
  /** XEP-0334: Message Processing Hints (<store/> on XEP-0353 messages). */
  HINTS: 'urn:xmpp:hints',
  /** Conversations' legacy OMEMO (read only): an <encrypted/> inside a Jingle <file/> marks JET-like encryption. */
  OMEMO_LEGACY: 'eu.siacs.conversations.axolotl',
} as const;

export type Namespace = (typeof NS)[keyof typeof NS];
