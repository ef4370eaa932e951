// The vocabulary shared by the router and the modules that hook it.
import type { Jid } from '../../protocol/jid.js';
import type { Element } from '../../protocol/xml/element.js';
import type { ClientSession } from './session.js';

export type StanzaKind = 'message' | 'presence' | 'iq';

/**
 * How a stanza is addressed: to a server or component domain (`host`), to an account (`bare`),
 * to one resource (`full`), or to nobody (`none`: presence broadcast). A stanza without `to`
 * (other than presence) is handled on behalf of the sender's own account (RFC 6120 §10.3.3): `bare`
 * with `isSelf`.
 */
export type AddressKind = 'host' | 'bare' | 'full' | 'none';

export interface RoutedStanza {
  readonly stanza: Element;
  readonly kind: StanzaKind;
  /** The type attribute, defaulted: message → normal, presence → available. */
  readonly type: string;
  readonly from: Jid;
  /** Undefined only for presence broadcast. */
  readonly to: Jid | undefined;
  readonly address: AddressKind;
  readonly origin: ClientSession | undefined;
  /** Addressed to the sender's own bare JID (or carries no `to`). */
  readonly isSelf: boolean;
}

/** Returns true to claim the stanza and end dispatch. */
export type StanzaHandler = (event: RoutedStanza) => boolean | void;

export interface IqRequest extends RoutedStanza {
  readonly payload: Element;
}

/** Returns the result payload (null for an empty result) or throws a StanzaError. */
export type IqHandler = (iq: IqRequest) => Element | null | undefined | Promise<Element | null | undefined>;

export interface IqMatch {
  type: 'get' | 'set';
  to: AddressKind | AddressKind[];
  child: readonly [namespace: string, name: string];
  /** For `host`: which domain (a component's); default the server's domain. */
  host?: string;
}
