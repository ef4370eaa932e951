// RFC 5802 §7: SCRAM message syntax, parsed strictly. Pure: text in, typed values out.
//
// Every attribute value excludes "," (value-char, base64, printable), so splitting on "," is exact.
import { SaslFailure } from '@ferry/protocol/errors/sasl-failure';

export interface ClientFirst {
  /** gs2-header verbatim, e.g. "n,,": the client echoes its base64 in the final message's c=. */
  gs2Header: string;
  /** Decoded authzid (a=), not yet prepared. */
  authzid: string | undefined;
  /** Decoded username (n=), not yet prepared. */
  username: string;
  clientNonce: string;
  /** client-first-message-bare, the first third of AuthMessage. */
  bare: string;
}

export interface ClientFinal {
  channelBinding: Buffer;
  nonce: string;
  proof: Buffer;
  /** client-final-message-without-proof, the last third of AuthMessage. */
  withoutProof: string;
}

const PRINTABLE = /^[\x21-\x2B\x2D-\x7E]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const EXTENSION = /^[A-Za-z]=[^,]+$/;
const SASLNAME = /^(?:[^=,]|=2C|=3D)+$/;

function malformed(text: string): SaslFailure {
  return new SaslFailure('malformed-request', text);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** SCRAM text is UTF-8 without NUL (value-safe-char excludes it). */
export function decodeText(message: Buffer): string {
  let text: string;
  try {
    text = utf8.decode(message);
  } catch {
    throw malformed('not UTF-8');
  }
  if (text.includes('\0')) throw malformed('NUL in message');
  return text;
}

/** RFC 5802 §5.1: "=2C" and "=3D" stand for "," and "="; any other "=" is an error. */
export function decodeSaslname(value: string): string {
  if (!SASLNAME.test(value)) throw malformed('bad saslname');
  return value.replace(/=2C|=3D/g, (escape) => (escape === '=2C' ? ',' : '='));
}

function attribute(part: string | undefined, name: string): string {
  if (part === undefined || !part.startsWith(`${name}=`)) throw malformed(`expected ${name}=`);
  return part.slice(name.length + 1);
}

function base64(value: string, what: string): Buffer {
  if (value.length === 0 || !BASE64.test(value)) throw malformed(`${what} is not base64`);
  return Buffer.from(value, 'base64');
}

function checkExtensions(parts: string[]): void {
  // Unknown optional extensions are ignored (RFC 5802 §5.1); they must still be attr=value.
  for (const part of parts) if (!EXTENSION.test(part)) throw malformed('bad attribute');
}

export function parseClientFirst(text: string): ClientFirst {
  const parts = text.split(',');
  const [flag, authzidPart] = parts;
  if (flag === undefined || authzidPart === undefined) throw malformed('no gs2-header');
  if (flag.startsWith('p=')) {
    // Only the non-PLUS variants are offered, so a client asking to bind has picked the wrong one.
    throw malformed('channel binding is not supported');
  }
  if (flag !== 'n' && flag !== 'y') throw malformed('bad gs2-cbind-flag');
  const authzid = authzidPart === '' ? undefined : decodeSaslname(attribute(authzidPart, 'a'));

  const bareParts = parts.slice(2);
  // reserved-mext: "the server MUST fail authentication" if it is present (RFC 5802 §5.1).
  if (bareParts[0]?.startsWith('m=')) throw malformed('mandatory extensions are not supported');
  const username = decodeSaslname(attribute(bareParts[0], 'n'));
  const clientNonce = attribute(bareParts[1], 'r');
  if (!PRINTABLE.test(clientNonce)) throw malformed('bad nonce');
  checkExtensions(bareParts.slice(2));

  return {
    gs2Header: `${flag},${authzidPart},`,
    authzid,
    username,
    clientNonce,
    bare: bareParts.join(','),
  };
}

export function parseClientFinal(text: string): ClientFinal {
  const parts = text.split(',');
  if (parts.length < 3) throw malformed('client-final too short');
  const channelBinding = base64(attribute(parts[0], 'c'), 'c=');
  const nonce = attribute(parts[1], 'r');
  if (!PRINTABLE.test(nonce)) throw malformed('bad nonce');
  checkExtensions(parts.slice(2, -1));
  const proof = base64(attribute(parts.at(-1), 'p'), 'p=');
  return { channelBinding, nonce, proof, withoutProof: parts.slice(0, -1).join(',') };
}

/** Server nonces must be valid `printable` too, or the client will reject server-first. */
export function isPrintable(value: string): boolean {
  return PRINTABLE.test(value);
}
