// Who may use a service (the SOCKS5 proxy, HTTP upload): 'local' serves accounts of this server
// only, so a service cannot become a free relay for the world once server-to-server arrives;
// 'any' serves every JID that can reach it; a list names JIDs and domains.
import { z } from 'zod';
import { Jid } from '@ferry/protocol/jid';

/** `'local'`, `'any'`, or entries: a domain (every JID at it), a bare JID (its full JIDs too), a full JID. */
export type AccessRule = 'local' | 'any' | readonly string[];

/** The option schema modules use for their `acl` key; a list entry that is not a JID fails start-up. */
export const accessRuleSchema = z.union([
  z.enum(['local', 'any']),
  z
    .array(z.string().refine((entry) => Jid.tryParse(entry) !== undefined, 'must be a JID or a domain'))
    .min(1, 'list at least one JID or domain (or use "local" / "any")'),
]);

/** A rule compiled once (list entries prepared like every JID the router handles). */
export type AccessList = (from: Jid) => boolean;

export function accessList(rule: AccessRule, serverDomain: string): AccessList {
  if (rule === 'any') return () => true;
  if (rule === 'local') {
    const domain = Jid.parse(serverDomain).domain;
    // A subdomain is another service, not this server's account.
    return (from) => from.domain === domain;
  }
  const domains = new Set<string>();
  const bare = new Set<string>();
  const full = new Set<string>();
  for (const entry of rule) {
    const jid = Jid.parse(entry);
    if (jid.isDomain) domains.add(jid.domain);
    else if (jid.isBare) bare.add(jid.toString());
    else full.add(jid.toString());
  }
  return (from) => domains.has(from.domain) || bare.has(from.bare().toString()) || full.has(from.toString());
}
