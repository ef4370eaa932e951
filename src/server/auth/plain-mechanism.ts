// RFC 4616: the PLAIN mechanism, server side. Offered only over TLS (RFC 6120 §6.4.1 / §13.8).
//
// message = [authzid] NUL authcid NUL passwd. We keep no plaintext: the password is run through
// the stored SCRAM salt and iterations and the resulting StoredKey compared in constant time.
import { SaslFailure } from '@ferry/protocol/errors/sasl-failure';
import { checkAuthzid, prepareAuthcid, type MechanismContext } from './mechanism-context.js';
import type { SaslServerMechanism, SaslStep } from './sasl-mechanism.js';
import { fakeScramCredentials, verifyPassword } from './scram.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class PlainServerMechanism implements SaslServerMechanism {
  readonly name = 'PLAIN';
  readonly #context: MechanismContext;
  #isDone = false;
  #hasSentEmptyChallenge = false;

  constructor(context: MechanismContext) {
    this.#context = context;
  }

  async step(message: Buffer): Promise<SaslStep> {
    if (this.#isDone) throw new SaslFailure('malformed-request', 'exchange already finished');
    // RFC 6120 §6.4.2: <auth/> without an initial response gets an empty challenge, once.
    if (message.length === 0 && !this.#hasSentEmptyChallenge) {
      this.#hasSentEmptyChallenge = true;
      return { kind: 'challenge', data: Buffer.alloc(0) };
    }
    // Set before any await so an overlapping second step cannot slip through.
    this.#isDone = true;

    const { authzid, authcid, password } = parse(message);
    const username = prepareAuthcid(authcid);
    checkAuthzid(this.#context, authzid, username);
    await this.#context.admit?.(username);

    const { lookup } = this.#context;
    const stored =
      (await lookup.scramCredentials(username, 'SHA-256')) ?? (await lookup.scramCredentials(username, 'SHA-1'));
    // Unknown users pay the same PBKDF2 cost, so response time does not reveal which accounts exist.
    const credentials =
      stored ??
      fakeScramCredentials(username, 'SHA-256', this.#context.fakeSaltSecret, this.#context.unknownUserIterations);
    const isValid = await verifyPassword(password, credentials);
    if (!isValid || stored === undefined) throw new SaslFailure('not-authorized');
    return { kind: 'success', username };
  }
}

function parse(message: Buffer): { authzid: string; authcid: string; password: string } {
  let text: string;
  try {
    text = utf8.decode(message);
  } catch {
    throw new SaslFailure('malformed-request', 'not UTF-8');
  }
  const parts = text.split('\0');
  const [authzid, authcid, password] = parts;
  if (parts.length !== 3 || authzid === undefined || authcid === undefined || password === undefined) {
    throw new SaslFailure('malformed-request', 'expected authzid NUL authcid NUL passwd');
  }
  if (authcid === '' || password === '') throw new SaslFailure('malformed-request', 'empty authcid or password');
  return { authzid, authcid, password };
}
