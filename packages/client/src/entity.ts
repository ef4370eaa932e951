// What this client is and can do, told to whoever asks its full JID: XEP-0030 disco#info,
// XEP-0199 ping, XEP-0092 software version, and XEP-0115 caps in every available presence.
// Features are registered by the code that implements them (the file-transfer manager adds SI and
// the namespaces of its transports), so the answer never claims more than this client does.
import { NS } from '@ferry/protocol/namespaces';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { xml, type Element } from '@ferry/protocol/xml/element';
import { decodeDiscoInfo, encodeDiscoInfo, type DiscoIdentity, type DiscoInfo } from '@ferry/protocol/payloads/disco';
import { CAPS_HASH, capsVer, encodeCaps, type EntityCaps } from '@ferry/protocol/payloads/caps';
import { FERRY_VERSION } from './platform/index.js';
import type { XmppConnection } from './connection.js';

// TODO: the project's URL once it has a public one; XEP-0115 §4 only asks for a stable URI.
/** The XEP-0115 node of Ferry's client in caps. */
export const FERRY_CAPS_NODE = 'https://ferry.invalid/client';

/** How the client describes itself in disco#info and caps. */
export interface EntityOptions {
  /** XEP-0030 identity in category 'client': type (default 'pc'; the CLI says 'console') and name (default 'Ferry'). */
  identity?: { type?: string; name?: string };
  /** The XEP-0115 node naming the software (default FERRY_CAPS_NODE). */
  capsNode?: string;
}

/**
 * What this client says it is: answers disco#info (with the features FileTransferManager adds),
 * XEP-0199 ping and XEP-0092 version, and puts XEP-0115 caps in available presence.
 */
export class ClientEntity {
  readonly identity: DiscoIdentity;
  readonly capsNode: string;
  readonly #features = new Map<string, number>();
  readonly #unregister: (() => void)[];
  readonly #connection: XmppConnection;
  /** The last broadcast available presence, re-sent when the features change. */
  #presence: Element | undefined;

  constructor(connection: XmppConnection, options: EntityOptions = {}) {
    this.identity = {
      category: 'client',
      type: options.identity?.type ?? 'pc',
      name: options.identity?.name ?? 'Ferry',
    };
    this.capsNode = options.capsNode ?? FERRY_CAPS_NODE;
    this.#connection = connection;
    // What this class itself answers; the rest comes from addFeatures().
    for (const feature of [NS.DISCO_INFO, NS.CAPS, NS.PING, NS.VERSION]) this.#features.set(feature, 1);
    this.#unregister = [
      // XEP-0030 §3.1; XEP-0115 §6.2: the same answer for the node caps named.
      connection.onIq('get', NS.DISCO_INFO, 'query', (_stanza, payload) => {
        const { node } = decodeDiscoInfo(payload);
        if (node === undefined) return encodeDiscoInfo(this.info);
        if (node === `${this.capsNode}#${this.caps.ver}`) return encodeDiscoInfo({ ...this.info, node });
        throw new StanzaError('item-not-found');
      }),
      // XEP-0199 §4.2: an empty result.
      connection.onIq('get', NS.PING, 'ping', () => null),
      // XEP-0092 §2: name and version; the OS only when asked for (never here).
      connection.onIq('get', NS.VERSION, 'query', () =>
        xml('query', { xmlns: NS.VERSION }, xml('name', null, 'Ferry'), xml('version', null, FERRY_VERSION)),
      ),
      // XEP-0115 §4: caps in every available presence, replacing any a caller put there.
      connection.addPresenceFilter((presence) => {
        presence.children = presence.children.filter((child) => typeof child === 'string' || !child.is('c', NS.CAPS));
        presence.append(encodeCaps(this.caps));
        if (presence.attrs.to === undefined) this.#presence = presence;
      }),
    ];
  }

  /** Registers features (namespaces) this client now implements; the returned function withdraws them. */
  addFeatures(...features: string[]): () => void {
    const before = this.caps.ver;
    for (const feature of features) this.#features.set(feature, (this.#features.get(feature) ?? 0) + 1);
    this.#announceIfChanged(before);
    let isWithdrawn = false;
    return () => {
      if (isWithdrawn) return;
      isWithdrawn = true;
      const previous = this.caps.ver;
      for (const feature of features) {
        const count = (this.#features.get(feature) ?? 1) - 1;
        if (count > 0) this.#features.set(feature, count);
        else this.#features.delete(feature);
      }
      this.#announceIfChanged(previous);
    };
  }

  /** XEP-0115 §4: "if the supported features change … the entity MUST send an updated presence". */
  #announceIfChanged(previousVer: string): void {
    if (!this.#presence || this.caps.ver === previousVer || this.#unregister.length === 0) return;
    this.#connection.send(this.#presence).catch(() => {
      // A connection going away has nobody left to tell.
    });
  }

  /** The disco#info answer, features sorted. */
  get info(): DiscoInfo {
    return { identities: [{ ...this.identity }], features: [...this.#features.keys()].sort() };
  }

  get caps(): EntityCaps {
    return { hash: CAPS_HASH, node: this.capsNode, ver: capsVer(this.info) };
  }

  /** Stops answering; the connection's dispatch then says service-unavailable again. */
  close(): void {
    for (const unregister of this.#unregister.splice(0)) unregister();
  }
}
