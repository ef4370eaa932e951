// RFC 6120 §6: the SASL exchange on one stream — <auth/>, <challenge/>/<response/>, <success/>,
// <failure/>, <abort/> — driving a mechanism from server/auth.
import { NS } from '@ferry/protocol/namespaces';
import { SaslFailure } from '@ferry/protocol/errors/sasl-failure';
import { xml, type Element } from '@ferry/protocol/xml/element';
import { createMechanism, offeredMechanisms, type CredentialLookup, type SaslServerMechanism } from '../auth/sasl.js';

export type SaslOutcome =
  | { kind: 'reply'; element: Element }
  | { kind: 'success'; element: Element; username: string }
  /** `username`: the prepared username the attempt was for, once the mechanism knew it. */
  | { kind: 'failure'; element: Element; failure: SaslFailure; username: string | undefined };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class SaslNegotiation {
  readonly #lookup: CredentialLookup;
  readonly #isSecure: boolean;
  readonly #nonce: (() => string) | undefined;
  readonly #domain: string | undefined;
  readonly #admit: ((username: string) => Promise<void>) | undefined;
  #mechanism: SaslServerMechanism | undefined;
  #username: string | undefined; // of the exchange in progress, once its mechanism named it

  /**
   * `nonce`: the server nonce source (default: the mechanism's own). `domain`: the host's, so
   * that a client may name its own bare JID as authzid (RFC 6120 §6.3.8). `admit`: runs before
   * each password check with the username (the login throttle).
   */
  constructor(
    lookup: CredentialLookup,
    isSecure: boolean,
    nonce?: () => string,
    domain?: string,
    admit?: (username: string) => Promise<void>,
  ) {
    this.#lookup = lookup;
    this.#isSecure = isSecure;
    this.#nonce = nonce;
    this.#domain = domain;
    this.#admit = admit;
  }

  static features(isSecure: boolean): Element {
    return xml(
      'mechanisms',
      { xmlns: NS.SASL },
      offeredMechanisms(isSecure).map((name) => xml('mechanism', null, name)),
    );
  }

  /** Handles one SASL element; undefined when it is not a SASL element at all. */
  async handle(element: Element): Promise<SaslOutcome | undefined> {
    if (element.attrs.xmlns !== NS.SASL) return undefined;
    try {
      switch (element.name) {
        case 'auth':
          return await this.#auth(element);
        case 'response':
          if (!this.#mechanism) throw new SaslFailure('malformed-request', 'no authentication in progress');
          return await this.#step(decode(element.getText()));
        case 'abort':
          this.#mechanism = undefined;
          throw new SaslFailure('aborted');
        default:
          throw new SaslFailure('malformed-request', `unexpected <${element.name}/>`);
      }
    } catch (error) {
      this.#mechanism = undefined;
      const failure = error instanceof SaslFailure ? error : new SaslFailure('temporary-auth-failure');
      const username = this.#username;
      this.#username = undefined;
      return { kind: 'failure', element: failure.toElement(), failure, username };
    }
  }

  async #auth(element: Element): Promise<SaslOutcome> {
    if (this.#mechanism) throw new SaslFailure('malformed-request', 'authentication already in progress');
    const name = element.attrs.mechanism as string | undefined;
    this.#username = undefined;
    const admit = this.#admit;
    const options = {
      isSecure: this.#isSecure,
      ...(this.#nonce ? { nonce: this.#nonce } : {}),
      ...(this.#domain !== undefined ? { domain: this.#domain } : {}),
      admit: async (username: string) => {
        this.#username = username;
        await admit?.(username);
      },
    };
    const mechanism = name ? createMechanism(name, this.#lookup, options) : undefined;
    if (!mechanism) {
      if (name === 'PLAIN' && !this.#isSecure) throw new SaslFailure('encryption-required');
      throw new SaslFailure('invalid-mechanism');
    }
    this.#mechanism = mechanism;
    return this.#step(decode(element.getText()));
  }

  async #step(message: Buffer): Promise<SaslOutcome> {
    const step = await this.#mechanism!.step(message);
    if (step.kind === 'challenge') {
      return { kind: 'reply', element: xml('challenge', { xmlns: NS.SASL }, step.data.toString('base64')) };
    }
    this.#mechanism = undefined;
    this.#username = undefined;
    const data = step.data && step.data.length > 0 ? step.data.toString('base64') : undefined;
    return { kind: 'success', element: xml('success', { xmlns: NS.SASL }, data), username: step.username };
  }
}

/** RFC 6120 §6.4.2: "=" is an empty response; anything not strict base64 is incorrect-encoding. */
function decode(text: string): Buffer {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === '=') return Buffer.alloc(0);
  if (!BASE64.test(trimmed) || trimmed.length % 4 !== 0) throw new SaslFailure('incorrect-encoding');
  return Buffer.from(trimmed, 'base64');
}
