// Which address the proxy tells peers to connect to. One address peers can reach — never a list of
// every interface (Openfire's default: receivers then wait seconds on each dead address).
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** The configured address, else the listen address, else the first non-internal IPv4 address. */
export function defaultAdvertisedHost(listenHost: string): string {
  if (!WILDCARDS.has(listenHost)) return listenHost;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return '127.0.0.1';
}

/** Resolves true when a TCP connection to host:port opens within the timeout. */
export function isReachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}
