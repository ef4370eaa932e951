// A raw TCP conversation with the server, for hostile-input tests: bytes out, text back.
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { PASSWORD } from './server.js';

export interface RawStream {
  socket: Socket;
  write(data: string | Buffer): void;
  /** Everything the server sent so far. */
  text(): string;
  waitForText(needle: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves once the server closed the connection. */
  closed: Promise<void>;
  destroy(): void;
}

export const STREAM_OPEN =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";

/** `tls: true` speaks TLS from the first byte (the direct-TLS port), trusting the test certificate. */
export async function openRawStream(port: number, options: { tls?: boolean } = {}): Promise<RawStream> {
  const socket = options.tls
    ? connectTls({ port, host: '127.0.0.1', rejectUnauthorized: false })
    : connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once(options.tls ? 'secureConnect' : 'connect', resolve);
    socket.once('error', reject);
  });
  let received = '';
  const listeners = new Set<() => void>();
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
    for (const listener of [...listeners]) listener();
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    write: (data) => socket.write(data),
    text: () => received,
    waitForText(needle, timeoutMs = 5_000) {
      const matches = () => (typeof needle === 'string' ? received.includes(needle) : needle.test(received));
      if (matches()) return Promise.resolve(received);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${String(needle)}; got: ${received.slice(0, 2000)}`));
        }, timeoutMs);
        const check = () => {
          if (!matches()) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(received);
        };
        listeners.add(check);
      });
    },
    closed,
    destroy: () => socket.destroy(),
  };
}

/** A raw stream logged in over direct TLS (PLAIN) with `resource` bound: hostile clients that do log in. */
export async function openRawSession(
  port: number,
  username: string,
  resource: string,
  password = PASSWORD,
): Promise<RawStream> {
  const raw = await openRawStream(port, { tls: true });
  raw.write(STREAM_OPEN);
  await raw.waitForText('</stream:features>');
  const credentials = Buffer.from(`\u0000${username}\u0000${password}`).toString('base64');
  raw.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${credentials}</auth>`);
  await raw.waitForText('<success');
  raw.write(STREAM_OPEN);
  await raw.waitForText(/<\/stream:features>[\s\S]*<\/stream:features>/);
  raw.write(
    `<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`,
  );
  await raw.waitForText(`/${resource}</jid>`);
  return raw;
}
