// One self-signed certificate per private instance, for the HTTPS listeners of XEP-0363 uploads:
// the same kind of key for every server (ECDSA P-256, like Ferry's own generated one), so the TLS
// work they do per byte is comparable. Loopback only; the load generator does not verify it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { DOMAIN, UPLOAD_JID } from './types.js';

export interface CertificateFiles {
  certFile: string;
  keyFile: string;
}

/** Writes cert.pem (0644) and key.pem (0600) under `dir`/tls for localhost, *.localhost and 127.0.0.1. */
export async function writeSelfSignedCertificate(dir: string): Promise<CertificateFiles> {
  const tlsDir = join(dir, 'tls');
  mkdirSync(tlsDir, { recursive: true });
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: DOMAIN }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + 30 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: DOMAIN },
          { type: 2, value: `*.${DOMAIN}` },
          { type: 2, value: UPLOAD_JID },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  const certFile = join(tlsDir, 'cert.pem');
  const keyFile = join(tlsDir, 'key.pem');
  writeFileSync(certFile, pems.cert, { mode: 0o644 });
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  return { certFile, keyFile };
}
