// xmpp.js clients for integration tests, plus waits that always end (with a clear error).
import { client, xml, type Client } from '@xmpp/client';
import { WebSocket } from 'ws';
import type { Element } from '@ferry/protocol/xml/element';
import { PASSWORD } from './server.js';

// The test server's certificate is self-signed; only test processes accept it.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
// xmpp.js's WebSocket transport expects the global WebSocket that Node 20 lacks (Node 22 has it).
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

export { xml };

export interface ConnectOptions {
  port: number;
  username: string;
  password?: string;
  resource?: string;
  transport?: 'tcp' | 'websocket';
  /** Send initial presence once online (default true). */
  presence?: boolean;
  domain?: string;
}

export interface TestClient {
  xmpp: Client;
  jid: string;
  /** Every stanza received, in order. */
  received: Element[];
  waitFor(predicate: (stanza: Element) => boolean, what: string, timeoutMs?: number): Promise<Element>;
  stop(): Promise<void>;
}

export async function connectClient(options: ConnectOptions): Promise<TestClient> {
  const domain = options.domain ?? 'localhost';
  const service =
    options.transport === 'websocket'
      ? `ws://127.0.0.1:${options.port}/xmpp-websocket`
      : `xmpp://127.0.0.1:${options.port}`;
  const xmpp = client({
    service,
    domain,
    username: options.username,
    password: options.password ?? PASSWORD,
    resource: options.resource,
  });
  xmpp.reconnect.stop();
  // xmpp.js waits 2 s for each stream header and answer; on a loaded 2-core CI machine, with the
  // server in this very process, that is too little for what is a slow answer, not a missing one.
  (xmpp as unknown as { timeout: number }).timeout = 10_000;
  xmpp.on('error', () => {
    // surfaced through start()/waitFor; an unhandled 'error' event would crash the test runner
  });
  const received: Element[] = [];
  const waiters = new Set<{ predicate: (stanza: Element) => boolean; resolve: (stanza: Element) => void }>();
  xmpp.on('stanza', (stanza: Element) => {
    received.push(stanza);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(stanza)) {
        waiters.delete(waiter);
        waiter.resolve(stanza);
      }
    }
  });
  const address = await withTimeout(xmpp.start(), 10_000, `login of ${options.username}`);
  if (options.presence !== false) await xmpp.send(xml('presence'));
  return {
    xmpp,
    jid: address.toString(),
    received,
    waitFor(predicate, what, timeoutMs = 5_000) {
      const seen = received.find(predicate);
      if (seen) return Promise.resolve(seen);
      return withTimeout(
        new Promise<Element>((resolve) => waiters.add({ predicate, resolve })),
        timeoutMs,
        `${options.username} waiting for ${what}`,
      );
    },
    async stop() {
      try {
        await withTimeout(xmpp.stop(), 3_000, 'client stop');
      } catch {
        // already gone
      }
    },
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
