// modules.proxy65.acl: who may ask the proxy for its address and activate bytestreams through it.
// 'local' (the default) serves accounts of this server only, so the proxy cannot become a free
// relay for the world once server-to-server arrives; 'any' serves every JID that can reach it.
import type { Jid } from '../../../protocol/jid.js';

export const ACLS = ['local', 'any'] as const;
export type Acl = (typeof ACLS)[number];

export function isAllowed(acl: Acl, serverDomain: string, from: Jid): boolean {
  return acl === 'any' || from.domain === serverDomain;
}
