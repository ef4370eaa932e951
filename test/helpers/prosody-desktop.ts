// A private Prosody 0.12 (test/helpers/prosody.ts) set up for the desktop clients (Gajim, Dino):
// - STARTTLS required, with a self-signed certificate for the domain (Dino does not log in
//   without TLS; both trust the certificate the way their helpers trust Ferry's);
// - rosters with mutual subscriptions, written into its data directory before it starts (the
//   clients offer files only to contacts they see online, and Dino accepts them by itself only
//   from roster contacts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { startProsody, type ProsodyInstance } from './prosody.js';

export interface DesktopProsody {
  prosody: ProsodyInstance;
  /** PEM of Prosody's c2s certificate (for the domain). */
  certificatePem: string;
  /** Whether the full JID has bound its resource (Prosody's debug log says so). */
  isBound(fullJid: string): boolean;
}

export async function startDesktopProsody(options: {
  users: Record<string, string>;
  /** Pairs of usernames subscribed to each other ('both'). */
  mutual: [string, string][];
  domain?: string;
}): Promise<DesktopProsody> {
  const domain = options.domain ?? 'localhost';
  let certificatePem = '';
  const prosody = await startProsody({
    domain,
    users: options.users,
    async extra(dir) {
      const pems = await generate([{ name: 'commonName', value: domain }], {
        keyType: 'ec',
        algorithm: 'sha256',
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: domain }] }],
      });
      certificatePem = pems.cert;
      mkdirSync(join(dir, 'tls'));
      const certFile = join(dir, 'tls', `${domain}.crt`);
      const keyFile = join(dir, 'tls', `${domain}.key`);
      writeFileSync(certFile, pems.cert);
      writeFileSync(keyFile, pems.private, { mode: 0o600 });
      writeRosters(join(dir, 'data', encodeURIComponent(domain), 'roster'), domain, options.mutual);
      const path = (p: string) => JSON.stringify(p);
      return {
        global: [
          `ssl = { certificate = ${path(certFile)}; key = ${path(keyFile)} }`,
          'c2s_require_encryption = true',
          'modules_enabled = { "roster"; "saslauth"; "tls"; "disco"; "ping" }',
        ].join('\n'),
      };
    },
  });
  return {
    prosody,
    certificatePem,
    isBound: (fullJid) => prosody.logTail(50_000_000).includes(`Resource bound: ${fullJid}`),
  };
}

/** Prosody's internal storage: one Lua file per user returning its roster table. */
function writeRosters(rosterDir: string, domain: string, mutual: [string, string][]): void {
  const contacts = new Map<string, Set<string>>();
  for (const [a, b] of mutual) {
    contacts.set(a, (contacts.get(a) ?? new Set()).add(b));
    contacts.set(b, (contacts.get(b) ?? new Set()).add(a));
  }
  mkdirSync(rosterDir, { recursive: true });
  for (const [user, others] of contacts) {
    const items = [...others].map(
      (other) => `\t[${JSON.stringify(`${other}@${domain}`)}] = { ["subscription"] = "both"; ["groups"] = {} };`,
    );
    writeFileSync(
      join(rosterDir, `${user}.dat`),
      `return {\n\t[false] = { ["version"] = 1; ["pending"] = {} };\n${items.join('\n')}\n};\n`,
    );
  }
}
