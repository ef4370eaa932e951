// XEP-0065 §6: the server's SOCKS5 Bytestreams proxy (mediated connection), as the component
// proxy.<domain>: disco identity proxy/bytestreams, the streamhost query, activation, and the relay.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { z } from 'zod';
import { NS } from '../../../protocol/namespaces.js';
import { StanzaError } from '../../../protocol/errors/stanza-error.js';
import { decodeActivate, encodeProxyStreamhosts } from '../../../protocol/payloads/bytestreams.js';
import { acceptSocks5, dstAddrHash, REPLY } from '../../../socks5/index.js';
import { defineModule } from '../../core/module.js';
import { PairingTable } from './pairings.js';
import { relay } from './relay.js';
import { defaultAdvertisedHost, isReachable } from './advertised-host.js';

export interface RelayRecord {
  sid: string;
  initiator: string;
  target: string;
  bytesToTarget: number;
  bytesToInitiator: number;
  durationMs: number;
  isAborted: boolean;
}

export interface Proxy65Service {
  readonly jid: string;
  /** Where the SOCKS5 listener actually listens (port 0 in tests becomes a real port). */
  readonly listening: AddressInfo;
  readonly advertised: { host: string; port: number };
}

declare module '../../core/services.js' {
  interface Services {
    proxy65: Proxy65Service;
  }
}

declare module '../../core/server-events.js' {
  interface ServerEvents {
    /** Every finished proxy relay, for the admin console and metrics. */
    'proxy65-relay': [record: RelayRecord];
  }
}

const options = z.strictObject({
  /** The component's JID; default proxy.<domain>. */
  jid: z.string().optional(),
  name: z.string().default('SOCKS5 Bytestreams Proxy'),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(7777),
  /** What peers are told to connect to (Openfire: xmpp.proxy.externalip). Behind NAT: the public address. */
  advertised_host: z.string().optional(),
  advertised_port: z.number().int().min(1).max(65535).optional(),
  /** Who may use the proxy: accounts of this server only (default), or anyone who can reach it. */
  acl: z.enum(['local', 'any']).default('local'),
  activation_timeout_seconds: z.number().positive().default(60),
  handshake_timeout_seconds: z.number().positive().default(10),
  max_pending_per_address: z.number().int().min(1).default(20),
  /** Per relayed stream, each direction; 0 = unlimited. */
  bandwidth_bytes_per_second: z.number().int().min(0).default(0),
});

export default defineModule({
  name: 'proxy65',
  spec: { xep: 65, version: '1.8.2', status: 'partial', note: 'mediated connection (proxy); TCP mode' },
  depends: ['disco'],
  options,
  async setup(ctx, opts) {
    const component = opts.jid ?? `proxy.${ctx.domain}`;
    const pairings = new PairingTable(opts.activation_timeout_seconds * 1000);
    const server: Server = createServer((socket) => onConnection(socket));
    const sockets = new Set<Socket>();

    const onConnection = async (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      if (pairings.pendingFrom(socket.remoteAddress ?? '') >= opts.max_pending_per_address) {
        socket.destroy();
        return;
      }
      try {
        const request = await acceptSocks5(socket, { timeoutMs: opts.handshake_timeout_seconds * 1000 });
        const role = pairings.roleFor(request.hash);
        if (!role) {
          request.reject(REPLY.NOT_ALLOWED);
          return;
        }
        pairings.add(request.hash, socket);
        await request.accept();
        ctx.logger.debug({ hash: request.hash, role }, 'SOCKS5 connection paired');
      } catch (error) {
        ctx.logger.debug({ err: error }, 'SOCKS5 handshake failed');
        socket.destroy();
      }
    };

    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new Error(`proxy65 cannot listen on ${opts.host}:${opts.port} (${error.code}); set modules.proxy65.port`),
        ),
      );
      server.listen(opts.port, opts.host, () => resolve());
    });
    const listening = server.address() as AddressInfo;
    const advertised = {
      host: opts.advertised_host ?? defaultAdvertisedHost(opts.host),
      port: opts.advertised_port ?? listening.port,
    };
    ctx.logger.info(
      { jid: component, listen: `${listening.address}:${listening.port}`, advertised },
      'SOCKS5 proxy ready',
    );
    // The seeds' NAT trap: a proxy advertising an address nobody can reach makes every transfer wait.
    void isReachable(advertised.host, advertised.port, 3_000).then((ok) => {
      if (!ok) {
        ctx.logger.warn(
          { advertised },
          'the SOCKS5 proxy does not accept connections at its advertised address; set modules.proxy65.advertised_host (and advertised_port) to an address peers can reach',
        );
      }
    });

    const isAllowed = (from: { domain: string }) => opts.acl === 'any' || from.domain === ctx.domain;

    ctx.provide('proxy65', { jid: component, listening, advertised });
    ctx.onTeardown(ctx.router.addHost(component));
    ctx.require('disco').addComponent(component, {
      name: opts.name,
      identities: [{ category: 'proxy', type: 'bytestreams', name: opts.name }],
      features: [NS.BYTESTREAMS],
    });

    // §6.3.1 / §4: the requester asks for the proxy's network address.
    ctx.onIq({ type: 'get', to: 'host', host: component, child: [NS.BYTESTREAMS, 'query'] }, (iq) => {
      if (!isAllowed(iq.from)) throw new StanzaError('forbidden', { text: 'this proxy serves local accounts only' });
      return encodeProxyStreamhosts([{ jid: component, host: advertised.host, port: advertised.port }]);
    });

    // §6.3.5: activation by the initiator whose JIDs produce the hash.
    ctx.onIq({ type: 'set', to: 'host', host: component, child: [NS.BYTESTREAMS, 'query'] }, (iq) => {
      if (!isAllowed(iq.from)) throw new StanzaError('forbidden', { text: 'this proxy serves local accounts only' });
      const { sid, activate } = decodeActivate(iq.payload);
      const initiator = iq.from.toString();
      const hash = dstAddrHash(sid, initiator, activate);
      const check = pairings.check(hash);
      if (!check.ok) throw new StanzaError(check.condition, { text: check.text });
      const { pairing } = check;
      pairings.activate(pairing);
      relay(pairing.initiator, pairing.target, (stats) => {
        ctx.events.emit('proxy65-relay', { sid, initiator, target: activate, ...stats });
        ctx.logger.info(
          {
            sid,
            initiator,
            target: activate,
            bytes: stats.bytesToTarget + stats.bytesToInitiator,
            ms: stats.durationMs,
          },
          'relay finished',
        );
      });
      return null;
    });

    return async () => {
      pairings.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  },
});
