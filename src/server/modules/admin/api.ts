// The admin API under <path>/api/: find the endpoint (404/405), require a session (401) except for
// login, refuse cross-site and token-less state changes (403), run it, answer JSON. Anything
// unexpected is logged and answered 500 without its message.
import type { ServerResponse } from 'node:http';
import type { HttpRequest } from '../../transport/http/types.js';
import type { AdminContext } from './admin-context.js';
import { authEndpoints } from './api-auth.js';
import { ApiError, apiErrors } from './api-errors.js';
import { logEndpoints, uploadEndpoints } from './api-files.js';
import { settingsEndpoints } from './api-settings.js';
import { liveEndpoints } from './api-live.js';
import { matchEndpoint, type Endpoint } from './api-table.js';
import { userEndpoints } from './api-users.js';
import { readJson, sendError, sendJson } from './http-json.js';
import { assertCsrfToken, assertSameOrigin } from './request-guard.js';

export type ApiHandler = (request: HttpRequest, response: ServerResponse, segments: readonly string[]) => Promise<void>;

export function adminApi(admin: AdminContext, publicOrigin: () => string | undefined): ApiHandler {
  const endpoints: readonly Endpoint[] = [
    ...authEndpoints(admin),
    ...liveEndpoints(admin),
    ...userEndpoints(admin),
    ...uploadEndpoints(admin),
    ...logEndpoints(admin),
    ...settingsEndpoints(admin),
  ];
  return async (request, response, segments) => {
    try {
      const { endpoint, params } = matchEndpoint(endpoints, request.method, segments);
      const session = admin.sessions.fromRequest(request.headers);
      if (!endpoint.isPublic && !session) throw apiErrors.unauthenticated();
      if (endpoint.method !== 'GET') {
        assertSameOrigin(request, publicOrigin());
        if (!endpoint.isPublic) assertCsrfToken(request, session!);
      }
      const result = await endpoint.handler({ request, session, params, body: () => readJson(request) });
      sendJson(response, result.status ?? 200, result.body, result.headers);
    } catch (error) {
      if (error instanceof ApiError) return sendError(request, response, error);
      admin.ctx.logger.error({ err: error, path: request.path, method: request.method }, 'admin API request failed');
      sendError(request, response, new ApiError(500, 'internal', 'internal error; see the server log'));
    }
  };
}
