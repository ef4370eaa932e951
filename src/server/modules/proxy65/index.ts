// XEP-0065 §6: the server's SOCKS5 Bytestreams proxy (mediated connection), as the component
// proxy.<domain>: a disco item with identity proxy/bytestreams (§4), the streamhost query (§6.3.1),
// the SOCKS5 listener that pairs connections by hash (§6.3.2, §6.3.4), activation (§6.3.5) and
// the relay (§6.3.6). Flow: the sender asks our address, offers it, both peers connect, the sender activates.
// An operator can switch it off, move its port or its advertised address while it runs
// (proxy-switch.ts, ctx.onReload: the admin console, `ferry settings`, a reload).
import type { Socket } from 'node:net';
import { z } from 'zod';
import { NS } from '@ferry/protocol/namespaces';
import { Jid } from '@ferry/protocol/jid';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { decodeActivate, encodeProxyStreamhosts } from '@ferry/protocol/payloads/bytestreams';
import { dstAddrHash } from '@ferry/protocol/socks5';
import { defineModule } from '../../core/module.js';
import { LiveTransfers, type LiveTransferSnapshot } from '../../core/live-transfers.js';
import type { IqRequest } from '../../core/routing-types.js';
import { AddressQuota, accessList, accessRuleSchema, type AccessRule } from '../../policy/index.js';
import { nodeIdFor } from '../../cluster/keys.js';
import { checkStreamhost, defaultAdvertisedHost, type StreamhostCheck } from './advertised-host.js';
import { PairingTable } from './pairings.js';
import { startRelay, type Relay, type RelayStats } from './relay.js';
import { listenSocks5 } from './socks5-listener.js';
import { ProxySwitch } from './proxy-switch.js';

/** One finished relay, for logs, the admin console and metrics. */
export interface RelayRecord extends RelayStats {
  sid: string;
  /** Full JIDs: the activating Requester and the Target named in <activate/>. */
  initiator: string;
  target: string;
}

export interface Proxy65Service {
  readonly jid: string;
  /** False while an operator has switched the proxy off (modules.proxy65.active). */
  readonly isActive: boolean;
  /**
   * Where the SOCKS5 listener actually listens (port 0 in tests becomes a real port); while off,
   * where it listened last.
   */
  readonly listening: { host: string; port: number };
  /** The one streamhost peers are told about. */
  readonly advertised: { host: string; port: number };
  /** Relays running now, with their bytes so far (for operators: the operations service). */
  transfers(): LiveTransferSnapshot[];
  /** Who may use the proxy (modules.proxy65.acl), as it runs now (a reload may change it). */
  readonly acl: AccessRule;
  /** Per relayed stream and direction; 0 = unlimited. */
  readonly bandwidthBytesPerSecond: number;
  /** The start-up check, run again now: does SOCKS5 answer at the advertised address? */
  checkAdvertised(): Promise<StreamhostCheck>;
  /** Cuts every relay running now (switching the proxy off leaves them running); returns how many. */
  closeRelays(): number;
}

declare module '../../core/services.js' {
  interface Services {
    proxy65: Proxy65Service;
  }
}

declare module '../../core/server-events.js' {
  interface ServerEvents {
    'proxy65-relay': [record: RelayRecord];
  }
}

const options = z.strictObject({
  /** The component's JID; default proxy.<domain>. */
  jid: z
    .string()
    .refine((value) => Jid.tryParse(value)?.isDomain === true, 'must be a domain such as proxy.example.org')
    .optional(),
  name: z.string().min(1).default('SOCKS5 Bytestreams Proxy'),
  /** The SOCKS5 listener's address; 0.0.0.0 or :: for every interface. */
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(7777),
  /** What peers are told to connect to (Openfire: xmpp.proxy.externalip). Behind NAT: the public address. */
  advertised_host: z.string().min(1).optional(),
  /** Default: the listening port (set it when a NAT forwards another port). */
  advertised_port: z.number().int().min(1).max(65535).optional(),
  /** Who may use the proxy: accounts of this server only (default), any JID, or a list of JIDs and domains. */
  acl: accessRuleSchema.default('local'),
  /** Openfire and Prosody drop unactivated pairings after a minute too. */
  activation_timeout_seconds: z.number().positive().max(86_400).default(60),
  handshake_timeout_seconds: z.number().positive().max(3_600).default(10),
  max_pending_per_address: z.number().int().min(1).default(20),
  /**
   * Unactivated connections from every address together: each holds a descriptor until it is
   * activated or times out, so a flood from many addresses stops here, not at the process's
   * descriptor limit. Past it, new connections are closed at once (one warning a minute).
   */
  max_pending_total: z.number().int().min(1).default(1_000),
  /** Per relayed stream, each direction; 0 = unlimited. */
  bandwidth_bytes_per_second: z.number().int().min(0).default(0),
  /**
   * false: switched off while loaded (the console's switch): the listener stops accepting, pending
   * pairings are dropped, proxy.<domain> leaves disco#items so clients fall back to other methods,
   * and streamhost queries are refused. Relays already running go on.
   */
  active: z.boolean().default(true),
});

type Proxy65Options = z.output<typeof options>;

export default defineModule({
  name: 'proxy65',
  spec: { xep: 65, version: '1.8.2', status: 'partial', note: 'mediated connection (proxy); TCP mode' },
  depends: ['disco'],
  options,
  async setup(ctx, opts) {
    const component = opts.jid ?? `proxy.${ctx.domain}`;
    // On a cluster every node runs its own proxy under the shared JID, and also answers as
    // `<node>.proxy.<domain>`, the JID its streamhost carries: a client on any node that activates
    // the streamhost reaches the node holding both connections (the cluster forwards to it).
    const nodeHost =
      ctx.config.cluster === undefined
        ? undefined
        : `${nodeIdFor(ctx.config.cluster, ctx.config.c2s.port)}.${component}`;
    const streamhostJid = nodeHost ?? component;
    const quota = new AddressQuota<Socket>(opts.max_pending_per_address, { maxTotal: opts.max_pending_total });
    const pairings = new PairingTable<Socket>({
      activationTimeoutMs: opts.activation_timeout_seconds * 1000,
      onDropped: (hash, reason) =>
        ctx.logger.debug({ hash, reason }, 'SOCKS5 pairing dropped before activation (both connections closed)'),
    });
    const relays = new Set<Relay>();
    // Relays are bounded by what pairs and activates; this bound only caps what operators see.
    const live = new LiveTransfers({ max: 10_000 });
    const listeners = new ProxySwitch((at) =>
      listenSocks5({
        ...at,
        handshakeTimeoutMs: opts.handshake_timeout_seconds * 1000,
        quota,
        pairings,
        logger: ctx.logger,
      }),
    );
    // Switched off (an operator's override): no listener, so a port taken meanwhile stops nothing.
    if (opts.active) await listeners.on({ host: opts.host, port: opts.port });
    let listening = listeners.address ?? { host: opts.host, port: opts.port };
    let advertised = advertisedOf(opts, listening);
    const checking = new AbortController();
    ctx.onTeardown(async () => {
      checking.abort();
      for (const relay of relays) relay.stop();
      live.clear();
      pairings.clear();
      await listeners.close();
    });
    ctx.logger.info({ jid: component, listen: listening, advertised, active: opts.active }, 'SOCKS5 proxy ready');
    // The NAT trap: a proxy advertising an address nobody can reach makes every mediated
    // transfer fail after the peers' timeouts. Checked from here, so a NAT without hairpinning may
    // warn falsely, but a typo or a forgotten advertised_host is caught at start.
    if (opts.active) void checkAtStart();
    function checkAtStart(): Promise<void> {
      return checkStreamhost(advertised.host, advertised.port, { timeoutMs: 3_000, signal: checking.signal }).then(
        (check) => {
          if (checking.signal.aborted) return;
          if (check.ok) {
            ctx.logger.debug({ advertised }, 'SOCKS5 proxy answers at its advertised address');
            return;
          }
          ctx.logger.warn(
            { advertised, reason: check.reason },
            `SOCKS5 proxy: nothing answers SOCKS5 at the advertised address ${advertised.host}:${advertised.port} ` +
              `(${check.reason}), so mediated file transfers will fail; set modules.proxy65.advertised_host ` +
              '(and advertised_port) to an address peers can reach',
          );
        },
      );
    }

    // Who may use the proxy, the bandwidth of relays started from now on, on/off, the listening
    // address and the advertised one change on a reload or from the console (ctx.onReload below).
    let acl = opts.acl;
    let isAllowed = accessList(opts.acl, ctx.domain);
    let refusal = refusalText(opts.acl);
    let bytesPerSecond = opts.bandwidth_bytes_per_second;
    ctx.provide('proxy65', {
      jid: component,
      get isActive() {
        return listeners.isOn;
      },
      get listening() {
        return listening;
      },
      get advertised() {
        return advertised;
      },
      transfers: () => live.snapshot(),
      // Getters: a reload changes them (below), and the admin console shows what runs now.
      get acl() {
        return acl;
      },
      get bandwidthBytesPerSecond() {
        return bytesPerSecond;
      },
      checkAdvertised: () =>
        checkStreamhost(advertised.host, advertised.port, { timeoutMs: 3_000, signal: checking.signal }),
      closeRelays() {
        const running = [...relays];
        for (const relay of running) relay.stop();
        return running.length;
      },
    });
    ctx.onTeardown(ctx.router.addHost(component));
    const discoEntry = ctx.require('disco').addComponent(component, {
      name: opts.name,
      identities: [{ category: 'proxy', type: 'bytestreams', name: opts.name }],
      features: [NS.BYTESTREAMS],
    });
    discoEntry.setListed(opts.active);
    if (nodeHost !== undefined) {
      ctx.onTeardown(ctx.router.addHost(nodeHost));
      ctx
        .require('disco')
        .addComponent(nodeHost, {
          name: opts.name,
          identities: [{ category: 'proxy', type: 'bytestreams', name: opts.name }],
          features: [NS.BYTESTREAMS],
        })
        .setListed(false);
    }

    ctx.onReload<Proxy65Options>(async (next) => {
      // The one step that can fail comes first: nothing has changed when it throws.
      if (next.active) await listeners.on({ host: next.host, port: next.port });
      else if (listeners.isOn) {
        listeners.off();
        const dropped = pairings.dropPending();
        ctx.logger.info({ dropped, relays: relays.size }, 'SOCKS5 proxy switched off (running relays go on)');
      }
      discoEntry.setListed(next.active);
      listening = listeners.address ?? listening;
      advertised = advertisedOf(next, listening);
      acl = next.acl;
      isAllowed = accessList(next.acl, ctx.domain);
      refusal = refusalText(next.acl);
      bytesPerSecond = next.bandwidth_bytes_per_second;
      return ['acl', 'bandwidth_bytes_per_second', 'active', 'host', 'port', 'advertised_host', 'advertised_port'];
    });
    const assertAllowed = (iq: IqRequest): void => {
      if (!listeners.isOn) throw new StanzaError('service-unavailable', { text: 'the proxy is switched off' });
      if (!isAllowed(iq.from)) {
        throw new StanzaError('forbidden', { text: refusal });
      }
    };

    for (const host of nodeHost === undefined ? [component] : [component, nodeHost]) {
      // §6.3.1: the Requester asks for the proxy's network address; one streamhost, the advertised one.
      ctx.onIq({ type: 'get', to: 'host', host, child: [NS.BYTESTREAMS, 'query'] }, (iq) => {
        assertAllowed(iq);
        return encodeProxyStreamhosts([{ jid: streamhostJid, ...advertised }]);
      });

      // §6.3.5: only the Requester whose JIDs produce the hash can activate: the hash is computed
      // from the stanza's stamped `from`, so anyone else names a pairing that does not exist.
      ctx.onIq({ type: 'set', to: 'host', host, child: [NS.BYTESTREAMS, 'query'] }, (iq) => {
        assertAllowed(iq);
        const { sid, activate } = decodeActivate(iq.payload);
        // Prepared like every JID the router handles (and like Prosody's jid_prep), so that
        // "Bob@Example.org/R" names the Target whose own, prepared JID went into its hash.
        const target = Jid.tryParse(activate)?.toString();
        if (target === undefined) throw new StanzaError('bad-request', { text: '<activate/> is not a valid JID' });
        const initiator = iq.from.toString();
        const hash = dstAddrHash(sid, initiator, target);
        const activation = pairings.activate(hash);
        if (!activation.ok) throw new StanzaError(activation.condition, { text: activation.text });
        quota.release(activation.initiator);
        quota.release(activation.target);
        let untrack = (): void => {};
        const relay = startRelay(activation.initiator, activation.target, { bytesPerSecond }, (stats) => {
          relays.delete(relay);
          untrack();
          activation.release();
          const record: RelayRecord = { sid, initiator, target, ...stats };
          ctx.logger.info(record, 'SOCKS5 relay finished');
          // Runs in a socket's 'close' handler: the emitter logs a throwing listener, never rethrows.
          ctx.events.emit('proxy65-relay', record);
        });
        relays.add(relay);
        untrack = live.add({ id: hash, method: 'socks5-relay', from: initiator, to: target }, () => relay.bytes);
        ctx.logger.debug({ sid, initiator, target }, 'SOCKS5 bytestream activated');
        return null;
      });
    }
  },
});

function advertisedOf(opts: Proxy65Options, listening: { host: string; port: number }): { host: string; port: number } {
  return {
    host: opts.advertised_host ?? defaultAdvertisedHost(opts.host),
    port: opts.advertised_port ?? listening.port,
  };
}

function refusalText(acl: Proxy65Options['acl']): string {
  return acl === 'local' ? 'this proxy serves accounts of this server only' : 'this proxy does not serve you';
}
