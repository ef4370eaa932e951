// XEP-0065 §4: finding the server's proxies — disco#items on our own server's domain, disco#info
// on each item, keep those with the identity proxy/bytestreams, then ask each one (iq get
// <query xmlns=bytestreams/>) for its network address — the three steps clients such as Flex/XIFF
// take against Openfire's proxy.<domain>.
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { Jid } from '@ferry/protocol/jid';
import { NS } from '@ferry/protocol/namespaces';
import { decodeProxyStreamhosts, encodeProxyQuery, type Streamhost } from '@ferry/protocol/payloads/bytestreams';
import { decodeDiscoInfo, decodeDiscoItems, hasIdentity } from '@ferry/protocol/payloads/disco';
import { xml, type Element } from '@ferry/protocol/xml/element';
import type { XmppConnection } from '../../connection.js';

export interface ProxyLookup {
  /** Every proxy's streamhosts, proxies in disco#items (or configured) order. */
  streamhosts: Streamhost[];
  /** What went wrong on the way ("proxy.example: forbidden"), for the no-streamhost message. */
  problems: string[];
  /** False when something did not answer in time: such a lookup is not cached. */
  isComplete: boolean;
}

export interface ProxyDirectoryOptions {
  /** Explicit proxy JIDs: asked for their streamhosts, no disco. */
  proxies?: readonly string[];
  /** Find the proxies of our server by disco when `proxies` is not given. */
  discover: boolean;
  /** Bounds one whole lookup: what has not answered by then is skipped. */
  timeoutMs: number;
  /** How long a complete lookup is reused for the same connection. */
  cacheTtlMs: number;
  now?: () => number;
}

/** Per-connection cache of proxy lookups, owned by one transport (no module-level state). */
export class ProxyDirectory {
  readonly #options: ProxyDirectoryOptions;
  readonly #now: () => number;
  readonly #cache = new WeakMap<XmppConnection, { expiresAt: number; lookup: Promise<ProxyLookup> }>();

  constructor(options: ProxyDirectoryOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get isEnabled(): boolean {
    return this.#options.proxies !== undefined ? this.#options.proxies.length > 0 : this.#options.discover;
  }

  /** Concurrent callers share one lookup; an incomplete one (something timed out) is not kept. */
  lookup(connection: XmppConnection): Promise<ProxyLookup> {
    if (!this.isEnabled) return Promise.resolve({ streamhosts: [], problems: [], isComplete: true });
    const cached = this.#cache.get(connection);
    if (cached && cached.expiresAt > this.#now()) return cached.lookup;
    const lookup = this.#run(connection);
    const entry = { expiresAt: this.#now() + this.#options.cacheTtlMs, lookup };
    this.#cache.set(connection, entry);
    void lookup.then((result) => {
      if (!result.isComplete && this.#cache.get(connection) === entry) this.#cache.delete(connection);
    });
    return lookup;
  }

  /** Forget what we know for this connection (a proxy that failed us should be asked again). */
  forget(connection: XmppConnection): void {
    this.#cache.delete(connection);
  }

  async #run(connection: XmppConnection): Promise<ProxyLookup> {
    const deadline = this.#now() + this.#options.timeoutMs;
    const problems: string[] = [];
    let isComplete = true;
    const ask = async (to: string, payload: Element, what: string): Promise<Element | undefined> => {
      try {
        return await connection.request(xml('iq', { type: 'get', to }, payload), Math.max(1, deadline - this.#now()));
      } catch (error) {
        // A stanza error is the entity's answer; anything else (timeout, lost connection) is not.
        if (!(error instanceof StanzaError)) isComplete = false;
        problems.push(`${what}: ${describe(error)}`);
        return undefined;
      }
    };
    const proxies = this.#options.proxies ?? (await this.#discover(connection.jid.domain, ask, problems));
    const answers = await Promise.all(
      proxies.map(async (proxy) => {
        const result = await ask(proxy, encodeProxyQuery(), `streamhost of ${proxy}`);
        return result
          ? decode(() => decodeProxyStreamhosts(queryOf(result)), [], `streamhost of ${proxy}`, problems)
          : [];
      }),
    );
    return { streamhosts: answers.flat(), problems, isComplete };
  }

  async #discover(
    domain: string,
    ask: (to: string, payload: Element, what: string) => Promise<Element | undefined>,
    problems: string[],
  ): Promise<string[]> {
    const what = `disco#items of ${domain}`;
    const result = await ask(domain, xml('query', { xmlns: NS.DISCO_ITEMS }), what);
    if (!result) return [];
    const items = decode(() => decodeDiscoItems(queryOf(result, NS.DISCO_ITEMS)).items, [], what, problems);
    // Only services (a domain JID, no node) can be proxies: skip accounts, nodes and repeats.
    const services = [
      ...new Set(
        items.filter((item) => item.node === undefined && Jid.tryParse(item.jid)?.isDomain).map((item) => item.jid),
      ),
    ];
    const isProxy = await Promise.all(
      services.map(async (jid) => {
        const what = `disco#info of ${jid}`;
        const info = await ask(jid, xml('query', { xmlns: NS.DISCO_INFO }), what);
        if (!info) return false;
        return decode(
          () => hasIdentity(decodeDiscoInfo(queryOf(info, NS.DISCO_INFO)), 'proxy', 'bytestreams'),
          false,
          what,
          problems,
        );
      }),
    );
    return services.filter((_, index) => isProxy[index]);
  }
}

/** Runs a decoder on an answer; a malformed answer is a problem to report, worth `fallback`. */
function decode<T>(run: () => T, fallback: T, what: string, problems: string[]): T {
  try {
    return run();
  } catch (error) {
    problems.push(`${what}: malformed answer (${describe(error)})`);
    return fallback;
  }
}

function queryOf(result: Element, ns: string = NS.BYTESTREAMS): Element {
  const query = result.getChild('query', ns);
  if (!query) throw new StanzaError('bad-request', { text: `the result has no <query xmlns='${ns}'/>` });
  return query;
}

function describe(error: unknown): string {
  if (error instanceof StanzaError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
