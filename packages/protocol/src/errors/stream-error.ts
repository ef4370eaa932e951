// RFC 6120 §4.9: stream errors. Sending one always closes the stream.
import { NS } from '../namespaces.js';
import { xml, type Element } from '../xml/element.js';

export const STREAM_ERROR_CONDITIONS = [
  'bad-format',
  'bad-namespace-prefix',
  'conflict',
  'connection-timeout',
  'host-gone',
  'host-unknown',
  'improper-addressing',
  'internal-server-error',
  'invalid-from',
  'invalid-namespace',
  'invalid-xml',
  'not-authorized',
  'not-well-formed',
  'policy-violation',
  'remote-connection-failed',
  'reset',
  'resource-constraint',
  'restricted-xml',
  'see-other-host',
  'system-shutdown',
  'undefined-condition',
  'unsupported-encoding',
  'unsupported-feature',
  'unsupported-stanza-type',
  'unsupported-version',
] as const;

export type StreamErrorCondition = (typeof STREAM_ERROR_CONDITIONS)[number];

export class StreamError extends Error {
  readonly condition: StreamErrorCondition;
  readonly text: string | undefined;

  constructor(condition: StreamErrorCondition, text?: string) {
    super(text ? `${condition}: ${text}` : condition);
    this.name = 'StreamError';
    this.condition = condition;
    this.text = text;
  }

  toElement(): Element {
    return xml(
      'stream:error',
      null,
      xml(this.condition, { xmlns: NS.STREAMS }),
      this.text !== undefined && xml('text', { xmlns: NS.STREAMS }, this.text),
    );
  }

  static fromElement(element: Element): StreamError {
    let condition: StreamErrorCondition = 'undefined-condition';
    let text: string | undefined;
    for (const child of element.getChildElements()) {
      if (child.name === 'text') text = child.getText();
      else if ((STREAM_ERROR_CONDITIONS as readonly string[]).includes(child.name)) {
        condition = child.name as StreamErrorCondition;
      }
    }
    return new StreamError(condition, text);
  }
}
