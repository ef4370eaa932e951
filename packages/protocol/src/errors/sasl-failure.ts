// RFC 6120 §6.5: SASL failures.
import { NS } from '../namespaces.js';
import { xml, type Element } from '../xml/element.js';

export type SaslFailureCondition =
  | 'aborted'
  | 'account-disabled'
  | 'credentials-expired'
  | 'encryption-required'
  | 'incorrect-encoding'
  | 'invalid-authzid'
  | 'invalid-mechanism'
  | 'malformed-request'
  | 'mechanism-too-weak'
  | 'not-authorized'
  | 'temporary-auth-failure';

export class SaslFailure extends Error {
  readonly condition: SaslFailureCondition;
  readonly text: string | undefined;

  constructor(condition: SaslFailureCondition, text?: string) {
    super(text ? `${condition}: ${text}` : condition);
    this.name = 'SaslFailure';
    this.condition = condition;
    this.text = text;
  }

  toElement(): Element {
    return xml(
      'failure',
      { xmlns: NS.SASL },
      xml(this.condition),
      this.text !== undefined && xml('text', null, this.text),
    );
  }
}
