// The admin API's endpoints as data — method, path pattern, handler — and the lookup that turns a
// request into one of them, or into 404 / 405 (with Allow). Pure: no sockets, no sessions.
import type { HttpRequest } from '../../transport/http/types.js';
import { apiErrors } from './api-errors.js';
import type { AdminSession } from './admin-sessions.js';

export interface ApiCall {
  readonly request: HttpRequest;
  /** Undefined only for public endpoints (login). */
  readonly session: AdminSession | undefined;
  /** `:name` segments of the pattern, percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** The JSON body (application/json, bounded). @throws ApiError 400/413/415 */
  body(): Promise<unknown>;
}

export interface ApiResult {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface Endpoint {
  method: 'GET' | 'POST' | 'DELETE';
  /** Segments after `<path>/api/`, e.g. 'users/:name/password'. */
  path: string;
  /** Reachable without a session (login only); still checked for cross-site origin. */
  isPublic?: boolean;
  handler(call: ApiCall): Promise<ApiResult> | ApiResult;
}

export type EndpointMatch = { endpoint: Endpoint; params: Record<string, string> };

/** @throws ApiError 404, 405 */
export function matchEndpoint(
  endpoints: readonly Endpoint[],
  method: string,
  segments: readonly string[],
): EndpointMatch {
  const allow = new Set<string>();
  const wanted = method === 'HEAD' ? 'GET' : method;
  for (const endpoint of endpoints) {
    const params = matchPath(endpoint.path.split('/'), segments);
    if (!params) continue;
    if (endpoint.method === wanted) return { endpoint, params };
    allow.add(endpoint.method);
  }
  if (allow.size === 0) throw apiErrors.notFound();
  throw apiErrors.methodNotAllowed([...allow].sort());
}

function matchPath(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const part = pattern[i]!;
    const segment = segments[i]!;
    if (part.startsWith(':')) {
      if (segment === '') return undefined;
      params[part.slice(1)] = segment;
    } else if (part !== segment) return undefined;
  }
  return params;
}
