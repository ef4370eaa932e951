// Absolute URLs for links handed to clients (upload slots): the configured public base (behind a
// reverse proxy, the proxy's address), else the HTTPS listener itself.

export interface PublicBase {
  /** http.public_url, when configured. */
  configured: string | undefined;
  domain: string;
  /** The HTTPS listener's real port (0 in config becomes a real one once listening). */
  httpsPort: number | undefined;
  /** Used only when HTTPS is disabled: links then point at the plain listener. */
  httpPort: number | undefined;
}

export function publicBase(base: PublicBase): string {
  if (base.configured !== undefined) return base.configured;
  if (base.httpsPort) return `https://${base.domain}:${base.httpsPort}`;
  if (base.httpPort) return `http://${base.domain}:${base.httpPort}`;
  throw new Error('publicUrl() needs http.public_url or a listening HTTP(S) listener');
}

/** Joins with exactly one '/' between them: ('https://x/files/', '/a/b') → 'https://x/files/a/b'. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
