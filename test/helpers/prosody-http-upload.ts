// A private Prosody 0.12 (test/helpers/prosody.ts) with XEP-0363 HTTP File Upload: its built-in
// mod_http_file_share as the component upload.<domain>, on an HTTPS port on loopback with a
// self-signed certificate (made like Ferry's: SANs <domain>, *.<domain>, 127.0.0.1), which also
// gives c2s STARTTLS. The baseline the upload peers are proven against before Ferry has upload.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateCertificate } from '../../src/server/transport/certificate.js';
import { freePorts, startProsody, type ProsodyInstance, type ProsodyOptions } from './prosody.js';

export interface ProsodyUploadInstance extends ProsodyInstance {
  /** The mod_http_file_share component's JID. */
  uploadJid: string;
  httpsPort: number;
  /** PEM file of the self-signed certificate (for c2s and HTTPS). */
  certFile: string;
  /** The largest upload it grants a slot for. */
  sizeLimit: number;
}

export async function startProsodyWithHttpUpload(
  options: Omit<ProsodyOptions, 'extra'> & { sizeLimit?: number } = {},
): Promise<ProsodyUploadInstance> {
  const domain = options.domain ?? 'localhost';
  const uploadJid = `upload.${domain}`;
  const sizeLimit = options.sizeLimit ?? 16 * 1024 * 1024;
  const [httpsPort] = await freePorts(1);
  if (httpsPort === undefined) throw new Error('no free loopback port');
  let certFile = '';
  const prosody = await startProsody({
    ...options,
    async extra(dir) {
      await loadOrCreateCertificate({ dataDir: dir, domain });
      certFile = join(dir, 'tls', `${domain}.crt`);
      const keyFile = join(dir, 'tls', `${domain}.key`);
      // Prosody finds a host's certificate as certs/<host>.crt: this turns on STARTTLS for c2s.
      for (const host of [domain, uploadJid]) {
        copyFileSync(certFile, join(dir, 'certs', `${host}.crt`));
        copyFileSync(keyFile, join(dir, 'certs', `${host}.key`));
      }
      const lua = (value: string) => JSON.stringify(value);
      return {
        global: `https_ports = { ${httpsPort} }
https_interfaces = { "127.0.0.1" }
https_ssl = { certificate = ${lua(certFile)}; key = ${lua(keyFile)} }
-- Slot URLs name localhost (in the certificate and in /etc/hosts), not upload.${domain}.
http_external_url = ${lua(`https://${domain}:${httpsPort}/`)}
http_default_host = ${lua(uploadJid)}
`,
        // Host modules add to the global list: STARTTLS, which go-sendxmpp insists on.
        sections: `
VirtualHost ${lua(domain)}
  modules_enabled = { "tls" }

Component ${lua(uploadJid)} "http_file_share"
  http_file_share_size_limit = ${sizeLimit}
`,
        listeners: { https: httpsPort },
      };
    },
  });
  return { ...prosody, uploadJid, httpsPort, certFile, sizeLimit };
}
