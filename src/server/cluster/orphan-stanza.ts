// A forwarded stanza whose session is not on this node any more: it left meanwhile, or the node it
// was forwarded to died before reading it. Results, errors and presence are dropped, as for any
// absent resource; a message or a request is routed again from here, which finds where it belongs
// now: the session if it bound again elsewhere (once more at most), else a message falls back to
// the bare JID (offline storage included) and a request bounces.
import type { Element } from '@ferry/protocol/xml/element';
import type { Jid } from '@ferry/protocol/jid';
import type { Router } from '../core/router.js';
import type { ClusterSessionDirectory } from './cluster-directory.js';
import type { Forwarder } from './forwarder.js';

export function routeOrphan(
  orphan: { readonly to: Jid; readonly stanza: Element; readonly hops: number },
  parts: { readonly directory: ClusterSessionDirectory; readonly router: Router; readonly forwarder: Forwarder },
): void {
  const { stanza } = orphan;
  const type = stanza.attrs.type as string | undefined;
  if (type === 'error' || type === 'result' || stanza.name === 'presence') return;
  const to = stanza.attrs.to as string | undefined;
  if (stanza.name === 'message' && to === orphan.to.bare().toString()) {
    // Sent to the bare JID: the account's other resources had their copies.
    if (parts.directory.available(orphan.to.bare()).length > 0) return;
  }
  parts.forwarder.markRerouted(stanza, orphan.hops + 1);
  parts.router.route(stanza, undefined);
}
