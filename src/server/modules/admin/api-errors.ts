// Every refusal the admin API makes, defined once with its HTTP status and stable code, answered as
// `{ "error": { "code", "message" } }`. Messages are written for the operator and never carry an
// exception's text, a path or a stack.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export const apiErrors = {
  badJson: () => new ApiError(400, 'bad_json', 'the body is not valid JSON'),
  invalid: (detail: string) => new ApiError(400, 'invalid_request', detail),
  /** One answer for a wrong password, an unknown account and a non-admin: no account enumeration. */
  loginFailed: () => new ApiError(401, 'login_failed', 'wrong JID or password, or not an administrator'),
  unauthenticated: () => new ApiError(401, 'unauthenticated', 'log in first (or your session expired)'),
  crossSite: () => new ApiError(403, 'cross_site', 'refused: the request did not come from this console'),
  badCsrfToken: () => new ApiError(403, 'csrf_token', 'refused: missing or wrong X-CSRF-Token header'),
  notFound: (what = 'no such endpoint') => new ApiError(404, 'not_found', what),
  methodNotAllowed: (allow: readonly string[]) =>
    new ApiError(405, 'method_not_allowed', `use ${allow.join(' or ')}`, { allow: allow.join(', ') }),
  conflict: (what: string) => new ApiError(409, 'conflict', what),
  tooLarge: (limit: number) => new ApiError(413, 'payload_too_large', `the body may be at most ${limit} bytes`),
  notJson: () => new ApiError(415, 'unsupported_media_type', 'send the body as application/json'),
  throttled: () =>
    new ApiError(429, 'too_many_attempts', 'too many failed logins; try again later', { 'retry-after': '10' }),
  unavailable: (what: string) => new ApiError(503, 'unavailable', what),
} as const;
