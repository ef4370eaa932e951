// RFC 6120 §8.3: stanza errors. A typed value a handler throws; the core turns it into the reply.
import { NS } from '../namespaces.js';
import { xml, type Element } from '../xml/element.js';

export type StanzaErrorType = 'auth' | 'cancel' | 'continue' | 'modify' | 'wait';

export const STANZA_ERROR_CONDITIONS = {
  'bad-request': 'modify',
  conflict: 'cancel',
  'feature-not-implemented': 'cancel',
  forbidden: 'auth',
  gone: 'cancel',
  'internal-server-error': 'cancel',
  'item-not-found': 'cancel',
  'jid-malformed': 'modify',
  'not-acceptable': 'modify',
  'not-allowed': 'cancel',
  'not-authorized': 'auth',
  'policy-violation': 'modify',
  'recipient-unavailable': 'wait',
  redirect: 'modify',
  'registration-required': 'auth',
  'remote-server-not-found': 'cancel',
  'remote-server-timeout': 'wait',
  'resource-constraint': 'wait',
  'service-unavailable': 'cancel',
  'subscription-required': 'auth',
  'undefined-condition': 'cancel',
  'unexpected-request': 'wait',
} as const satisfies Record<string, StanzaErrorType>;

export type StanzaErrorCondition = keyof typeof STANZA_ERROR_CONDITIONS;

function isCondition(name: string): name is StanzaErrorCondition {
  return Object.hasOwn(STANZA_ERROR_CONDITIONS, name);
}

export interface StanzaErrorOptions {
  type?: StanzaErrorType;
  text?: string;
  /** An application-specific condition element, e.g. <no-valid-streams xmlns=SI/>. */
  application?: Element;
  /** Legacy numeric code some old clients still read (Spark sends code="406"). */
  code?: string;
}

export class StanzaError extends Error {
  readonly condition: StanzaErrorCondition;
  readonly type: StanzaErrorType;
  readonly text: string | undefined;
  readonly application: Element | undefined;
  readonly code: string | undefined;

  constructor(condition: StanzaErrorCondition, options: StanzaErrorOptions = {}) {
    super(options.text ? `${condition}: ${options.text}` : condition);
    this.name = 'StanzaError';
    this.condition = condition;
    this.type = options.type ?? STANZA_ERROR_CONDITIONS[condition];
    this.text = options.text;
    this.application = options.application;
    this.code = options.code;
  }

  toElement(): Element {
    return xml(
      'error',
      { type: this.type, code: this.code },
      xml(this.condition, { xmlns: NS.STANZAS }),
      this.text !== undefined && xml('text', { xmlns: NS.STANZAS }, this.text),
      this.application,
    );
  }

  /** Reads the <error/> child of an error stanza. Unknown conditions become undefined-condition. */
  static fromStanza(stanza: Element): StanzaError {
    const error = stanza.getChild('error');
    if (!error) return new StanzaError('undefined-condition', { text: 'error stanza without <error/>' });
    let condition: StanzaErrorCondition = 'undefined-condition';
    let text: string | undefined;
    let application: Element | undefined;
    for (const child of error.getChildElements()) {
      const ns = child.attrs.xmlns as string | undefined;
      if (ns === NS.STANZAS) {
        if (child.name === 'text') text = child.getText();
        else if (isCondition(child.name)) condition = child.name;
      } else {
        application = child;
      }
    }
    const rawType = error.attrs.type as string | undefined;
    const type = isErrorType(rawType) ? rawType : STANZA_ERROR_CONDITIONS[condition];
    return new StanzaError(condition, { type, text, application, code: error.attrs.code as string | undefined });
  }
}

function isErrorType(value: string | undefined): value is StanzaErrorType {
  return value === 'auth' || value === 'cancel' || value === 'continue' || value === 'modify' || value === 'wait';
}

/** The error reply to a stanza (RFC 6120 §8.3.1): addresses swapped, the original id kept. */
export function errorReply(stanza: Element, error: StanzaError): Element {
  const reply = xml(stanza.name, {
    xmlns: stanza.attrs.xmlns as string | undefined,
    type: 'error',
    id: stanza.attrs.id as string | undefined,
    to: stanza.attrs.from as string | undefined,
    from: stanza.attrs.to as string | undefined,
  });
  reply.cnode(error.toElement());
  return reply;
}
