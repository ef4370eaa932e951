// Whether an address can be reached from elsewhere: the NAT trap is a proxy advertising a
// loopback or private (RFC 1918, RFC 6598, ULA, link-local) address to clients that reached the
// server on a public one.
import { BlockList, isIP } from 'node:net';

export type AddressKind = 'loopback' | 'private' | 'public' | 'wildcard' | 'name';

function blockList(): { loopback: BlockList; private: BlockList } {
  const loopback = new BlockList();
  loopback.addSubnet('127.0.0.0', 8, 'ipv4');
  loopback.addAddress('::1', 'ipv6');
  const local = new BlockList();
  local.addSubnet('10.0.0.0', 8, 'ipv4');
  local.addSubnet('172.16.0.0', 12, 'ipv4');
  local.addSubnet('192.168.0.0', 16, 'ipv4');
  local.addSubnet('100.64.0.0', 10, 'ipv4'); // carrier-grade NAT
  local.addSubnet('169.254.0.0', 16, 'ipv4');
  local.addSubnet('fc00::', 7, 'ipv6');
  local.addSubnet('fe80::', 10, 'ipv6');
  return { loopback, private: local };
}

export function addressKind(address: string): AddressKind {
  const host = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  if (['0.0.0.0', '::', ''].includes(host)) return 'wildcard';
  const family = isIP(host);
  if (family === 0) return host === 'localhost' ? 'loopback' : 'name';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const lists = blockList();
  if (lists.loopback.check(host, type)) return 'loopback';
  if (lists.private.check(host, type)) return 'private';
  return 'public';
}

/** Loopback or private: not reachable from the internet. */
export function isInternal(address: string): boolean {
  const kind = addressKind(address);
  return kind === 'loopback' || kind === 'private';
}
