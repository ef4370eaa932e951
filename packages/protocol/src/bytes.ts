// Bytes as Uint8Array, in Node and in browsers: base64 (RFC 4648 §4), hex and UTF-8 lengths for
// the codecs. Node's Buffer does these natively and is used when the host has it; elsewhere
// (a browser bundle) the plain code below runs.
const NodeBuffer: typeof Buffer | undefined = typeof Buffer === 'function' ? Buffer : undefined;
const encoder = new TextEncoder();

export function bytesToBase64(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let binary = '';
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(binary);
}

/** Lenient like Buffer.from(text, 'base64'): callers that need strictness check the text first. */
export function base64ToBytes(text: string): Uint8Array {
  if (NodeBuffer) return NodeBuffer.from(text, 'base64');
  const clean = text.replace(/[^A-Za-z0-9+/]/g, '');
  const padded = clean + '='.repeat((4 - (clean.length % 4)) % 4);
  const binary = atob(clean.length % 4 === 1 ? padded.slice(0, -4) : padded);
  const bytes = new Uint8Array(binary.length);
  for (let at = 0; at < binary.length; at++) bytes[at] = binary.charCodeAt(at);
  return bytes;
}

export function bytesToHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** Pairs of hex digits; callers check the text is hex first. */
export function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length >> 1);
  for (let at = 0; at < bytes.length; at++) bytes[at] = parseInt(hex.slice(at * 2, at * 2 + 2), 16);
  return bytes;
}

export function base64ToHex(text: string): string {
  return bytesToHex(base64ToBytes(text));
}

export function hexToBase64(hex: string): string {
  return bytesToBase64(hexToBytes(hex));
}

export function utf8ByteLength(text: string): number {
  return NodeBuffer ? NodeBuffer.byteLength(text) : encoder.encode(text).length;
}

export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

export function isAsciiBytes(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte > 0x7f) return false;
  return true;
}

/** Byte-wise order of two strings' UTF-8 forms (what Buffer.compare gives). */
export function compareUtf8(a: string, b: string): number {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  const length = Math.min(left.length, right.length);
  for (let at = 0; at < length; at++) if (left[at] !== right[at]) return left[at]! - right[at]!;
  return left.length - right.length;
}

/** A new array (a copy, also of a single part). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (NodeBuffer) return NodeBuffer.concat(parts);
  const whole = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    whole.set(part, at);
    at += part.length;
  }
  return whole;
}
