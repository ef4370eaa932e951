// Route lookup by path prefix and method, pure: longest prefix wins, matched on whole segments;
// a prefix that exists without the method is 405 with the methods it has; HEAD falls back to GET.
import type { HttpHandler, HttpMethod } from './types.js';

export interface RouteEntry {
  /** Normalised: starts with '/', no trailing slash; '' is the root. */
  readonly prefix: string;
  readonly methods: ReadonlySet<HttpMethod>;
  readonly maxBodyBytes: number;
  readonly isSecureOnly: boolean;
  readonly handler: HttpHandler;
  /** The module that registered it, for logs. */
  readonly owner?: string;
}

export type RouteMatch =
  | { kind: 'found'; route: RouteEntry }
  | { kind: 'method-not-allowed'; prefix: string; allow: HttpMethod[] }
  | { kind: 'not-found' };

/** '/upload/' → '/upload', '/' → ''; throws (a programmer error) unless it starts with '/'. */
export function normalisePrefix(prefix: string): string {
  if (!prefix.startsWith('/')) throw new TypeError(`an HTTP route prefix starts with '/', got '${prefix}'`);
  return prefix.replace(/\/+$/, '');
}

export class RouteTable {
  readonly #byPrefix = new Map<string, RouteEntry[]>();

  /** Adds a route; two routes of one prefix may not share a method. Returns its removal (idempotent). */
  add(route: RouteEntry): () => void {
    const routes = this.#byPrefix.get(route.prefix) ?? [];
    const clash = [...route.methods].find((method) => routes.some((other) => other.methods.has(method)));
    if (clash !== undefined) throw new Error(`HTTP route ${clash} ${route.prefix || '/'} is registered twice`);
    routes.push(route);
    this.#byPrefix.set(route.prefix, routes);
    return () => {
      const current = this.#byPrefix.get(route.prefix);
      const index = current?.indexOf(route) ?? -1;
      if (!current || index < 0) return;
      current.splice(index, 1);
      if (current.length === 0) this.#byPrefix.delete(route.prefix);
    };
  }

  /** `path` starts with '/' and has no query string. */
  match(method: string, path: string): RouteMatch {
    // Walk the path's ancestors from the longest: '/a/b/c', '/a/b', '/a', ''.
    let candidate = path.replace(/\/+$/, '');
    for (;;) {
      const routes = this.#byPrefix.get(candidate);
      if (routes) return pick(routes, method, candidate);
      if (candidate === '') return { kind: 'not-found' };
      candidate = candidate.slice(0, candidate.lastIndexOf('/'));
    }
  }
}

function pick(routes: readonly RouteEntry[], method: string, prefix: string): RouteMatch {
  const exact = routes.find((route) => route.methods.has(method as HttpMethod));
  if (exact) return { kind: 'found', route: exact };
  // HEAD is GET without a body (RFC 9110 §9.3.2); Node's response drops the body for HEAD.
  const get = method === 'HEAD' ? routes.find((route) => route.methods.has('GET')) : undefined;
  if (get) return { kind: 'found', route: get };
  const allow = new Set<HttpMethod>(routes.flatMap((route) => [...route.methods]));
  if (allow.has('GET')) allow.add('HEAD');
  return { kind: 'method-not-allowed', prefix, allow: [...allow].sort() };
}
