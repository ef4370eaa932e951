// The vocabulary shared by the router and the modules that hook it.
import type { Jid } from '@ferry/protocol/jid';
import type { Element } from '@ferry/protocol/xml/element';
import type { LocalSession, SessionInfo } from './session.js';

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
  /** The session it came from; undefined for stanzas the server itself makes. */
  readonly origin: LocalSession | undefined;
  /** Addressed to the sender's own bare JID (or carries no `to`). */
  readonly isSelf: boolean;
}

/**
 * Returns (or resolves to) true to claim the stanza and end dispatch. A handler that returns a
 * promise holds back the next stanzas of the same session until it settles, so per-session order
 * is kept whatever the handlers wait for.
 */
export type StanzaHandler = (event: RoutedStanza) => boolean | void | Promise<boolean | void>;

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

/**
 * A stanza the router cannot deliver in this process: its domain is not served here (`domain`:
 * server-to-server would claim it), or the session it is for is bound elsewhere (`session`: a
 * cluster would forward it to that session's node).
 */
export interface RemoteStanza {
  readonly stanza: Element;
  readonly reason: 'domain' | 'session';
  readonly to: Jid;
  /** For `session`: what the directory knows of the addressee. */
  readonly session: SessionInfo | undefined;
  readonly origin: LocalSession | undefined;
}

/** Returns (or resolves to) true to claim the stanza; unclaimed ones are answered with an error. */
export type RemoteHandler = (event: RemoteStanza) => boolean | Promise<boolean>;

/**
 * Sees every stanza on its way to a session, in priority order: returns the stanza to send (the
 * same or a changed one) or null to stop it (a filter that forwards it elsewhere stops it here).
 */
export type OutboundFilter = (stanza: Element, to: SessionInfo) => Element | null;
