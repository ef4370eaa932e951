// Cross-site request forgery, refused twice over for every state-changing request: the browser's
// own word on where the request comes from (Sec-Fetch-Site, else Origin) must be this console,
// and the request must carry the session's synchronizer token in X-CSRF-Token, which a page of
// another site can neither read nor guess. Requests without either header (curl, scripts) pass
// the first check and still need the token.
import type { HttpRequest } from '../../transport/http/types.js';
import { apiErrors } from './api-errors.js';
import { isCsrfTokenValid, type AdminSession } from './admin-sessions.js';

export const CSRF_HEADER = 'x-csrf-token';

/**
 * @param publicOrigin the origin of http.public_url when the console sits behind a reverse proxy
 * @throws ApiError 403 when the browser says the request came from elsewhere
 */
export function assertSameOrigin(request: HttpRequest, publicOrigin: string | undefined): void {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin') throw apiErrors.crossSite();
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const host = request.headers.host;
  const own = host === undefined ? undefined : `https://${host}`.toLowerCase();
  const given = origin.toLowerCase();
  if (given !== own && given !== publicOrigin?.toLowerCase()) throw apiErrors.crossSite();
}

/** @throws ApiError 403 without the session's token */
export function assertCsrfToken(request: HttpRequest, session: AdminSession): void {
  if (!isCsrfTokenValid(session, request.headers[CSRF_HEADER])) throw apiErrors.badCsrfToken();
}
