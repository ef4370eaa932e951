// RFC 5802 §5 (SCRAM-SHA-1) and RFC 7677 (SCRAM-SHA-256): the server side of one exchange.
//
//   client-first  →  server-first (challenge)  →  client-final  →  server-final (success data)
//
// An unknown user gets a deterministic fake salt and fake keys and goes through exactly the same
// steps and HMACs as a real one; the only observable outcome is not-authorized after the proof.
import { SaslFailure } from '@ferry/protocol/errors/sasl-failure';
import { checkAuthzid, prepareAuthcid, type MechanismContext } from './mechanism-context.js';
import type { SaslServerMechanism, SaslStep } from './sasl-mechanism.js';
import {
  constantTimeEqual,
  digest,
  digestLength,
  fakeScramCredentials,
  hmac,
  xor,
  type ScramCredentials,
  type ScramHash,
} from './scram.js';
import { decodeText, isPrintable, parseClientFinal, parseClientFirst } from './scram-messages.js';

interface PendingExchange {
  username: string;
  isKnownUser: boolean;
  credentials: ScramCredentials;
  gs2Header: string;
  nonce: string;
  clientFirstBare: string;
  serverFirst: string;
}

type State =
  | { kind: 'initial'; hasSentEmptyChallenge: boolean }
  | { kind: 'looking-up' }
  | { kind: 'awaiting-final'; exchange: PendingExchange }
  | { kind: 'done' };

export class ScramServerMechanism implements SaslServerMechanism {
  readonly name: string;
  readonly #hash: ScramHash;
  readonly #context: MechanismContext;
  #state: State = { kind: 'initial', hasSentEmptyChallenge: false };

  constructor(hash: ScramHash, context: MechanismContext) {
    this.name = `SCRAM-${hash}`;
    this.#hash = hash;
    this.#context = context;
  }

  async step(message: Buffer): Promise<SaslStep> {
    const state = this.#state;
    if (state.kind === 'done') throw new SaslFailure('malformed-request', 'exchange already finished');
    if (state.kind === 'looking-up') {
      // A step sent before the previous one was answered ends the exchange, not interleaves with it.
      this.#state = { kind: 'done' };
      throw new SaslFailure('malformed-request', 'step sent before the previous one was answered');
    }

    // RFC 6120 §6.4.2: <auth/> without an initial response gets an empty challenge, once.
    if (state.kind === 'initial' && message.length === 0 && !state.hasSentEmptyChallenge) {
      this.#state = { kind: 'initial', hasSentEmptyChallenge: true };
      return { kind: 'challenge', data: Buffer.alloc(0) };
    }

    // Any failure ends the exchange: a client may not retry within the same <auth/>.
    this.#state = { kind: 'done' };
    if (state.kind === 'initial') {
      const lookingUp: State = { kind: 'looking-up' };
      this.#state = lookingUp;
      let first: { exchange: PendingExchange; serverFirst: string };
      try {
        first = await this.#clientFirst(message);
      } catch (error) {
        this.#state = { kind: 'done' };
        throw error;
      }
      // An overlapping step ended the exchange while the credentials were being looked up.
      if (this.#state !== lookingUp) throw new SaslFailure('malformed-request', 'exchange already finished');
      this.#state = { kind: 'awaiting-final', exchange: first.exchange };
      return { kind: 'challenge', data: Buffer.from(first.serverFirst) };
    }
    return this.#clientFinal(state.exchange, message);
  }

  async #clientFirst(message: Buffer): Promise<{ exchange: PendingExchange; serverFirst: string }> {
    const first = parseClientFirst(decodeText(message));
    const username = prepareAuthcid(first.username);
    checkAuthzid(this.#context, first.authzid, username);

    const stored = await this.#context.lookup.scramCredentials(username, this.#hash);
    const credentials =
      stored ??
      fakeScramCredentials(username, this.#hash, this.#context.fakeSaltSecret, this.#context.unknownUserIterations);

    const serverNonce = this.#context.nonce();
    if (!isPrintable(serverNonce)) throw new RangeError('server nonce must be printable ASCII without ","');
    const nonce = first.clientNonce + serverNonce;
    const serverFirst = `r=${nonce},s=${credentials.salt.toString('base64')},i=${credentials.iterations}`;
    return {
      serverFirst,
      exchange: {
        username,
        isKnownUser: stored !== undefined,
        credentials,
        gs2Header: first.gs2Header,
        nonce,
        clientFirstBare: first.bare,
        serverFirst,
      },
    };
  }

  async #clientFinal(exchange: PendingExchange, message: Buffer): Promise<SaslStep> {
    const final = parseClientFinal(decodeText(message));
    if (final.proof.length !== digestLength(this.#hash)) {
      throw new SaslFailure('malformed-request', 'proof has the wrong length');
    }
    // The proof is the guess: throttled here, not at client-first, so that an exchange left
    // half-way holds no place in the account's budget.
    await this.#context.admit?.(exchange.username);
    // With no channel binding, c= carries just the gs2-header, echoed to detect tampering with it.
    if (!final.channelBinding.equals(Buffer.from(exchange.gs2Header))) throw new SaslFailure('not-authorized');
    if (final.nonce !== exchange.nonce) throw new SaslFailure('not-authorized');

    const { storedKey, serverKey } = exchange.credentials;
    const authMessage = `${exchange.clientFirstBare},${exchange.serverFirst},${final.withoutProof}`;
    const clientSignature = hmac(this.#hash, storedKey, authMessage);
    const clientKey = xor(final.proof, clientSignature);
    const isProofValid = constantTimeEqual(digest(this.#hash, clientKey), storedKey);
    if (!isProofValid || !exchange.isKnownUser) throw new SaslFailure('not-authorized');

    const serverSignature = hmac(this.#hash, serverKey, authMessage);
    return {
      kind: 'success',
      username: exchange.username,
      data: Buffer.from(`v=${serverSignature.toString('base64')}`),
    };
  }
}
