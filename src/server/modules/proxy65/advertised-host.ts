// Which address the proxy tells peers to connect to (modules.proxy65.advertised_host, Openfire's
// xmpp.proxy.externalip), and a start-up check that something answers SOCKS5 there. One address
// peers can reach — never a list of every interface (Openfire's default: receivers then wait
// seconds on each dead address before trying the next).
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { METHOD, decodeMethodSelection, encodeGreeting } from '@ferry/protocol/socks5';

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** The listen address, or for a wildcard listener the first non-internal IPv4 address. */
export function defaultAdvertisedHost(listenHost: string): string {
  if (!WILDCARDS.has(listenHost)) return listenHost;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return '127.0.0.1';
}

export type StreamhostCheck = { ok: true } | { ok: false; reason: string };

/**
 * Connects to host:port and sends a SOCKS5 greeting: ok when the answer is "no authentication".
 * A refused or silent address, or another protocol on that port, says why. Never rejects.
 */
export function checkStreamhost(
  host: string,
  port: number,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<StreamhostCheck> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    const finish = (outcome: StreamhostCheck): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const onAbort = (): void => finish({ ok: false, reason: 'check aborted' });
    const timer = setTimeout(
      () => finish({ ok: false, reason: `no SOCKS5 answer within ${options.timeoutMs} ms` }),
      options.timeoutMs,
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => socket.write(encodeGreeting([METHOD.NO_AUTH])));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const decoded = decodeMethodSelection(received);
      if (decoded.kind === 'need-more') return;
      if (decoded.kind === 'ok' && decoded.value.method === METHOD.NO_AUTH) finish({ ok: true });
      else finish({ ok: false, reason: 'the service there does not speak SOCKS5 without authentication' });
    });
    // `on`, not `once`: a late error after finish() must still have a listener.
    socket.on('error', (error: NodeJS.ErrnoException) =>
      finish({ ok: false, reason: `cannot connect (${error.code ?? error.message})` }),
    );
    socket.once('end', () => finish({ ok: false, reason: 'connection closed without a SOCKS5 answer' }));
    if (options.signal?.aborted) onAbort();
  });
}
