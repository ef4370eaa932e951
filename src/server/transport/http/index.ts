// HTTP for modules: routes by prefix and method on the HTTP/HTTPS listeners, streaming bodies with
// per-route limits, secure-only routes, an access log, and public URLs for links.
export { HttpRoutes, type HttpRoutesOptions } from './http-routes.js';
export {
  BODY_METHODS,
  HTTP_METHODS,
  HttpBodyTooLargeError,
  type HttpHandler,
  type HttpListenerName,
  type HttpMethod,
  type HttpRequest,
  type HttpRouteOptions,
  type HttpService,
} from './types.js';
export type { AccessLogEntry } from './access-log.js';
