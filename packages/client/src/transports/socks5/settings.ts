// The SOCKS5 transport's options, with their defaults, checked once when the transport is made
// (a bad value is a programmer error and throws there, not in the middle of a transfer).

/** Options of createSocks5Transport(). */
export interface Socks5TransportOptions {
  /**
   * XEP-0065 §5 direct connections between the two peers. Default true. Initiator: offer our own
   * listener as the first streamhost. Target: false skips streamhosts that are the initiator itself
   * (jid = the offer's sender), so only proxies (§6) are tried.
   */
  direct?: boolean;
  /**
   * The address the direct listener binds to AND advertises. Default: the local address of our
   * XMPP connection — one address, the one our traffic leaves from; advertising every interface
   * makes Targets wait on each dead one (the Openfire trap). Behind NAT the direct connection
   * cannot work anyway and the proxy takes over.
   */
  directHost?: string;
  /** Explicit proxy JIDs, asked for their streamhosts in this order. Default: discover. */
  proxies?: string[];
  /** Find our server's proxies by disco when `proxies` is not given. Default true. */
  discoverProxies?: boolean;
  /** Per streamhost: TCP connect + SOCKS5 handshake (both sides). Default 5000. */
  candidateTimeoutMs?: number;
  /** The offer (iq set to the Target) and the proxy activation, each. Default 30000. */
  negotiationTimeoutMs?: number;
  /** The whole proxy discovery (disco#items, disco#info, streamhost queries). Default 5000. */
  discoveryTimeoutMs?: number;
  /** How long discovered proxy streamhosts are reused on the same connection. Default 10 min. */
  proxyCacheTtlMs?: number;
  /** Target: start the next streamhost this long after the previous if it has not failed yet. Default 250. */
  staggerMs?: number;
  /** Target: how long the stream may deliver nothing while we are ready to read (activation included). Default 60000. */
  idleTimeoutMs?: number;
}

export interface Socks5Settings {
  direct: boolean;
  /** Undefined: the local address of our XMPP connection. */
  directHost: string | undefined;
  proxies: string[] | undefined;
  discoverProxies: boolean;
  candidateTimeoutMs: number;
  negotiationTimeoutMs: number;
  discoveryTimeoutMs: number;
  proxyCacheTtlMs: number;
  staggerMs: number;
  idleTimeoutMs: number;
}

const MAX_TIMER_MS = 0x7fffffff; // setTimeout fires at once beyond 2^31-1 ms

export function resolveSettings(options: Socks5TransportOptions = {}): Socks5Settings {
  const settings: Socks5Settings = {
    direct: options.direct ?? true,
    directHost: options.directHost,
    proxies: options.proxies ? [...options.proxies] : undefined,
    discoverProxies: options.discoverProxies ?? true,
    candidateTimeoutMs: options.candidateTimeoutMs ?? 5_000,
    negotiationTimeoutMs: options.negotiationTimeoutMs ?? 30_000,
    discoveryTimeoutMs: options.discoveryTimeoutMs ?? 5_000,
    proxyCacheTtlMs: options.proxyCacheTtlMs ?? 10 * 60_000,
    staggerMs: options.staggerMs ?? 250,
    idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
  };
  for (const key of [
    'candidateTimeoutMs',
    'negotiationTimeoutMs',
    'discoveryTimeoutMs',
    'proxyCacheTtlMs',
    'idleTimeoutMs',
  ] as const) {
    assertDuration(settings[key], key, 1);
  }
  assertDuration(settings.staggerMs, 'staggerMs', 0);
  if (settings.directHost !== undefined && ['', '0.0.0.0', '::'].includes(settings.directHost)) {
    // A wildcard is not an address a peer can connect to, and we never advertise every interface.
    throw new RangeError(`directHost must be one address peers can reach, got '${settings.directHost}'`);
  }
  return settings;
}

export function assertDuration(value: number, name: string, min = 1): void {
  if (!Number.isFinite(value) || value < min || value > MAX_TIMER_MS) {
    throw new RangeError(`${name} must be a number of ms from ${min} to 2^31-1, got ${value}`);
  }
}
