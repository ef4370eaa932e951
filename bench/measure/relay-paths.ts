// One measured byte path per target kind, all ending in the same Sink:
//   server  – XEP-0065 mediated: Target and Requester connect to the server's proxy with the same
//             DST.ADDR hash (Target first: the proxies pair by arrival order), the Requester's
//             XMPP session sends <activate/>, then bytes flow Requester → proxy → Target;
//   relay   – the minimal Node relay process (bench/servers/minimal-relay.ts);
//   direct  – loopback TCP, no process in between.
import { createServer, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { dstAddrHash } from '@ferry/protocol/socks5';
import { BenchConnection } from '../client/connection.js';
import { connectSocks5Stream } from '../client/socks5.js';
import { attribute } from '../client/xml-scanner.js';
import { LOOPBACK } from '../lib/ports.js';
import type { Scope } from '../lib/scope.js';
import type { Streamhost } from '../servers/types.js';
import { connectSink, type Sink } from './byte-stream.js';
import type { Target } from './types.js';

const NS_BYTESTREAMS = 'http://jabber.org/protocol/bytestreams';
const HANDSHAKE_TIMEOUT_MS = 15_000;

export interface PathFactory {
  /** Sets up one path whose far end feeds `sink`; resolves with the socket to write into. */
  open(sink: Sink): Promise<Socket>;
}

export async function pathFactory(target: Target, scope: Scope): Promise<PathFactory> {
  if (target.server) return proxyPaths(target, scope);
  if (target.relayPort !== undefined) {
    const relayPort = target.relayPort;
    return {
      open: (sink) => viaListener(scope, (port) => connectSink(LOOPBACK, relayPort, sink, `${port}\n`)),
    };
  }
  return { open: (sink) => viaListener(scope, (port) => connectSink(LOOPBACK, port, sink)) };
}

/** The source side listens; `connectSinkTo(port)` makes something connect to it; the first connection is the source. */
async function viaListener(scope: Scope, connectSinkTo: (port: number) => Promise<Socket>): Promise<Socket> {
  const server: Server = scope.trackServer(createServer({ allowHalfOpen: true }));
  const source = new Promise<Socket>((resolve) => {
    server.once('connection', (socket: Socket) => {
      scope.track(socket);
      socket.setNoDelay(true);
      socket.on('error', () => {}); // the sink reports failures
      server.close();
      resolve(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('listener has no port');
  scope.track(await connectSinkTo(address.port));
  return source;
}

async function proxyPaths(target: Target, scope: Scope): Promise<PathFactory> {
  const server = target.server!;
  const [requesterAccount, targetAccount] = server.accounts;
  if (!requesterAccount || !targetAccount) throw new Error('two accounts needed');
  const requester = scope.track(await BenchConnection.login(server.endpoint, requesterAccount, { presence: true }));
  const receiver = scope.track(await BenchConnection.login(server.endpoint, targetAccount, { presence: true }));
  const streamhost = await queryStreamhost(requester, server.proxy.jid);
  return {
    async open(sink: Sink): Promise<Socket> {
      const sid = randomBytes(8).toString('hex');
      const hash = dstAddrHash(sid, requester.jid, receiver.jid);
      const common = { host: streamhost.host, port: streamhost.port, hash, timeoutMs: HANDSHAKE_TIMEOUT_MS };
      scope.track(await connectSocks5Stream({ ...common, onData: sink.onData, onEnd: sink.onEnd, onError: sink.fail }));
      const source = scope.track(await connectSocks5Stream({ ...common, onError: sink.fail }));
      await requester.iq(
        'set',
        streamhost.jid,
        `<query xmlns='${NS_BYTESTREAMS}' sid='${sid}'><activate>${receiver.jid}</activate></query>`,
        HANDSHAKE_TIMEOUT_MS,
      );
      return source;
    },
  };
}

/** XEP-0065 §6.3.1: ask the proxy for its network address (ejabberd's JID there has a resource). */
async function queryStreamhost(connection: BenchConnection, proxyJid: string): Promise<Streamhost> {
  const result = await connection.iq('get', proxyJid, `<query xmlns='${NS_BYTESTREAMS}'/>`);
  const tag = /<streamhost\s[^>]*>/.exec(result)?.[0];
  const jid = tag && attribute(tag, 'jid');
  const host = tag && attribute(tag, 'host');
  const port = Number(tag && attribute(tag, 'port'));
  if (!jid || !host || !Number.isInteger(port)) throw new Error(`no streamhost in ${result}`);
  if (host !== LOOPBACK) throw new Error(`the proxy advertises ${host}, not loopback`);
  return { jid, host, port };
}
