// XEP-0065 §5.3.2 / §6.3.2: the SOCKS5 DST.ADDR is SHA1(SID + Requester JID + Target JID),
// hex-encoded (not binary), and is the only thing that ties a TCP connection to a negotiation.
import { sha1 } from '@noble/hashes/legacy';
import { bytesToHex, utf8Bytes } from '../bytes.js';

/**
 * The DST.ADDR both parties send in their CONNECT request.
 *
 * The JIDs are hashed exactly as given: they must be the addresses used in the IQ exchange
 * (full JIDs in practice, bare ones are allowed by the XEP), already normalised by the caller's
 * JID type (XEP-0065 §5.3.2 rule 4: stringprep is applied *before* hashing, not here).
 * Lowercase hex because that is what RFC 3174 test vectors, Prosody, ejabberd and Smack emit,
 * and the proxy matches the two connections by comparing these strings.
 */
export function dstAddrHash(sid: string, requester: string, target: string): string {
  return bytesToHex(sha1(utf8Bytes(sid + requester + target)));
}
