// Who may read /metrics: the request's address must be in `allow` (addresses or CIDR ranges), and
// when a `token` is set the request must carry it as `Authorization: Bearer <token>`. Both, not
// either: a token lets a remote Prometheus in once its address is allowed (0.0.0.0/0 for anyone
// holding the token), and a leaked allow list alone does not expose the server's numbers.
// Like Prosody's mod_http_openmetrics (openmetrics_allow_ips / openmetrics_allow_cidr).
import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';

export interface MetricsAccess {
  /** True when the request may read the metrics. */
  isAllowed(remoteAddress: string, headers: IncomingHttpHeaders): boolean;
}

/** An address or a CIDR range as written in the config, or why it is not one. */
export function checkAllowEntry(entry: string): string | undefined {
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return `"${entry}" is not an IP address or CIDR range`;
  if (bits === undefined) return undefined;
  const prefix = Number(bits);
  const max = family === 4 ? 32 : 128;
  if (!/^\d+$/.test(bits) || prefix > max) return `"${entry}": prefix length must be 0–${max}`;
  return undefined;
}

export function metricsAccess(allow: readonly string[], token: string | undefined): MetricsAccess {
  const list = new BlockList();
  for (const entry of allow) {
    const [address = '', bits] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  // Compared as digests, so the comparison takes the same time whatever the length of the guess.
  const expected = token === undefined ? undefined : digest(token);
  return {
    isAllowed(remoteAddress, headers) {
      if (!isAddressAllowed(list, remoteAddress)) return false;
      if (expected === undefined) return true;
      const presented = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
      return presented !== undefined && timingSafeEqual(digest(presented), expected);
    },
  };
}

function isAddressAllowed(list: BlockList, remoteAddress: string): boolean {
  // An IPv4 client of a dual-stack listener appears as ::ffff:a.b.c.d: match it as IPv4 too.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress)?.[1];
  if (mapped !== undefined && list.check(mapped, 'ipv4')) return true;
  const family = isIP(remoteAddress);
  if (family === 0) return false;
  return list.check(remoteAddress, family === 6 ? 'ipv6' : 'ipv4');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
