// RFC 6120 §4.8.1 and §4.9.3.2: what makes a stream header acceptable.
import { NS } from '../namespaces.js';
import type { StreamErrorCondition } from '../errors/stream-error.js';

/** The root must be `stream:stream` in the stream namespace; undefined when it is. */
export function streamHeaderProblem(name: string, attrs: Record<string, string>): StreamErrorCondition | undefined {
  const colon = name.indexOf(':');
  const prefix = colon === -1 ? '' : name.slice(0, colon);
  const local = name.slice(colon + 1);
  const namespace = prefix === '' ? attrs.xmlns : attrs[`xmlns:${prefix}`];
  if (namespace === undefined && prefix !== '') return 'bad-namespace-prefix'; // undeclared prefix
  if (namespace !== NS.STREAM || local !== 'stream') return 'invalid-namespace';
  // Right namespace, but not through the `stream` prefix (e.g. <foobar:stream>, or a default xmlns).
  if (prefix !== 'stream') return 'bad-namespace-prefix';
  // §4.8.2: the content namespace must differ from the stream namespace.
  if (attrs.xmlns === NS.STREAM) return 'invalid-namespace';
  return undefined;
}
