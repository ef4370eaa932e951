// RFC 9112 §3.2: the request target, checked once before routing. Only origin-form ('/path?q')
// and absolute-form ('http://host/path') name a resource here. Dot segments are refused rather
// than resolved, so a route prefix cannot be escaped ('/upload/../admin') whatever a proxy in
// front would have made of them.

export interface RequestTarget {
  /** Still percent-encoded; no query string. */
  path: string;
  query: URLSearchParams;
}

const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/** The target, or undefined when it is not one we serve (answer 400). */
export function parseRequestTarget(url: string | undefined): RequestTarget | undefined {
  if (url === undefined || url === '') return undefined;
  let pathAndQuery = url;
  if (!url.startsWith('/')) {
    if (!/^https?:\/\//i.test(url)) return undefined; // '*' (OPTIONS) or garbage
    try {
      const absolute = new URL(url);
      pathAndQuery = absolute.pathname + absolute.search;
    } catch {
      return undefined;
    }
  }
  const mark = pathAndQuery.indexOf('?');
  const path = mark < 0 ? pathAndQuery : pathAndQuery.slice(0, mark);
  if (path.split('/').some((segment) => DOT_SEGMENT.test(segment))) return undefined;
  return { path, query: new URLSearchParams(mark < 0 ? '' : pathAndQuery.slice(mark + 1)) };
}

/** The decoded segments of `path` after `prefix` (both as routed); undefined on a bad %-escape. */
export function segmentsAfter(path: string, prefix: string): string[] | undefined {
  const rest = path.slice(prefix.length).replace(/^\/+/, '');
  if (rest === '') return [];
  try {
    return rest.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}
