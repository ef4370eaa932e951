// RFC 4013 (SASLprep) and RFC 7613 (PRECIS usernames), approximated.
//
// Both sides of SCRAM must feed the *same* bytes into PBKDF2, so whatever we do here is applied
// identically when credentials are stored (adduser) and when a PLAIN password is checked.

// RFC 3454 B.1: code points "commonly mapped to nothing" (soft hyphen, zero-width joiners,
// variation selectors, BOM…).
const MAPPED_TO_NOTHING = /[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/gu;
// RFC 3454 C.1.2: non-ASCII spaces, which SASLprep maps to U+0020.
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/gu;

/**
 * Username preparation: NFKC + lowercase, so `Alice`, `ALICE` and full-width `Ａｌｉｃｅ` are one
 * account. NFKC runs again after lowercasing because case mapping can un-normalise a few
 * characters; the result is idempotent, which storage relies on (it prepares again).
 */
export function prepareUsername(username: string): string {
  return username.normalize('NFKC').toLowerCase().normalize('NFKC');
}

/**
 * Password preparation: SASLprep's mapping step (RFC 4013 §2.1) followed by NFKC (§2.2).
 *
 * LIMITATION: the prohibited-output (§2.3), bidi (§2.4) and unassigned-code-point checks are not
 * implemented: we never *reject* a password, we only normalise it. Passwords made of printable
 * ASCII, which is what clients overwhelmingly send, are unaffected either way. A client whose
 * SASLprep rejects an exotic password will simply fail to log in, never log in as someone else.
 */
export function preparePassword(password: string): string {
  return password.replace(MAPPED_TO_NOTHING, '').replace(NON_ASCII_SPACE, ' ').normalize('NFKC');
}
