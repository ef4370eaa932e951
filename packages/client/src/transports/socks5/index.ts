// XEP-0065: SOCKS5 Bytestreams as a BytestreamTransport — §5 direct connection (our own
// listener) and §6 mediated connection (our server's proxy), one transport for both roles.
import { NS } from '@ferry/protocol/namespaces';
import type { BytestreamContext, BytestreamTransport } from '../bytestream.js';
import { openSocks5 } from './initiator.js';
import type { OutgoingSocks5Bytestream } from './outgoing-stream.js';
import { ProxyDirectory } from './proxy-directory.js';
import { resolveSettings, type Socks5Settings, type Socks5TransportOptions } from './settings.js';
import { expectSocks5, type Socks5Expectation } from './target.js';

export type { Socks5TransportOptions } from './settings.js';
export type { Socks5Expectation } from './target.js';
export type { Socks5Settings } from './settings.js';
export { ProxyDirectory } from './proxy-directory.js';
export { DirectListener } from './direct-listener.js';
export { IncomingSocks5Bytestream } from './incoming-stream.js';
export { OutgoingSocks5Bytestream } from './outgoing-stream.js';
export { activateProxy, connectFirst, connectStreamhost, listenDirect } from './seam.js';

/** The transport, with the streamhost each stream went through on its streams. */
export interface Socks5Transport extends BytestreamTransport {
  readonly method: 'socks5';
  open(context: BytestreamContext): Promise<OutgoingSocks5Bytestream>;
  expect(context: BytestreamContext, timeoutMs: number): Socks5Expectation;
  /** What Jingle (XEP-0260) shares with SI: the same options and the same proxy cache. */
  readonly settings: Readonly<Socks5Settings>;
  readonly proxies: ProxyDirectory;
}

/** The XEP-0065 SOCKS5 transport: direct connections between the peers, then the server’s proxies. */
export function createSocks5Transport(options: Socks5TransportOptions = {}): Socks5Transport {
  const settings = resolveSettings(options);
  // Discovered proxies are cached per connection for this transport's lifetime (bounded by a TTL).
  const proxies = new ProxyDirectory({
    ...(settings.proxies ? { proxies: settings.proxies } : {}),
    discover: settings.discoverProxies,
    timeoutMs: settings.discoveryTimeoutMs,
    cacheTtlMs: settings.proxyCacheTtlMs,
  });
  return {
    method: 'socks5',
    namespace: NS.BYTESTREAMS,
    open: (context) => openSocks5(context, settings, proxies),
    expect: (context, timeoutMs) => expectSocks5(context, timeoutMs, settings),
    settings,
    proxies,
  };
}
