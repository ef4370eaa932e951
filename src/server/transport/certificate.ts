// A self-signed certificate made on first start and kept under data_dir/tls, so a fresh server
// speaks TLS with zero configuration; configured PEM files replace it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { generate } from 'selfsigned';

export interface CertificatePair {
  cert: string;
  key: string;
  /** Where it came from, for the start-up log. */
  source: string;
}

export async function loadOrCreateCertificate(options: {
  dataDir: string;
  domain: string;
  certFile?: string | undefined;
  keyFile?: string | undefined;
}): Promise<CertificatePair> {
  if (options.certFile || options.keyFile) {
    if (!options.certFile || !options.keyFile) throw new Error('tls.cert_file and tls.key_file must be set together');
    return {
      cert: readFileSync(options.certFile, 'utf8'),
      key: readFileSync(options.keyFile, 'utf8'),
      source: options.certFile,
    };
  }
  const dir = join(options.dataDir, 'tls');
  const certPath = join(dir, `${options.domain}.crt`);
  const keyPath = join(dir, `${options.domain}.key`);
  if (existsSync(certPath) && existsSync(keyPath)) {
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), source: certPath };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const now = new Date();
  const pems = await generate([{ name: 'commonName', value: options.domain }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 5 * 365 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      {
        name: 'subjectAltName',
        altNames: [
          isIP(options.domain) ? { type: 7, ip: options.domain } : { type: 2, value: options.domain },
          ...(isIP(options.domain) ? [] : [{ type: 2 as const, value: `*.${options.domain}` }]),
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  writeFileSync(certPath, pems.cert, { mode: 0o644 });
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  return { cert: pems.cert, key: pems.private, source: `${certPath} (generated, self-signed)` };
}
