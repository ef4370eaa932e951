// For the admin console's tests: a stand-in `operations` module (the real one lives on another
// branch) that reports the server's real sessions, fixed transfers and totals, and kicks for real;
// and JSON requests to the console over HTTPS with its cookie and CSRF token.
import { request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { StreamError } from '@ferry/protocol/errors/stream-error';
import { defineModule } from '../../src/server/core/module.js';
import type { Services } from '../../src/server/core/services.js';
import { withTimeout } from './xmpp-client.js';

type Operations = Services['operations'];

export const FIXED_TRANSFER = {
  id: 'dstaddr-1',
  method: 'socks5-relay',
  from: 'alice@localhost/a',
  to: 'bob@localhost/b',
  bytes: 3 * 1024 * 1024,
  size: 10 * 1024 * 1024,
  bytesPerSecond: 512 * 1024,
  since: '2026-01-01T00:00:00.000Z',
} as const;

export interface StubOperations {
  readonly module: ReturnType<typeof defineModule>;
  readonly kicked: { jid: string; reason: string | undefined }[];
}

export function stubOperations(): StubOperations {
  const kicked: { jid: string; reason: string | undefined }[] = [];
  const module = defineModule({
    name: 'operations',
    spec: [],
    setup(ctx) {
      const sessions = () =>
        [...ctx.sessions.local()].map((session) => ({
          jid: session.jid.toString(),
          address: session.remoteAddress,
          transport: 'tcp' as const,
          tls: true,
          since: '2026-01-01T00:00:00.000Z',
          available: session.presence !== undefined,
        }));
      const operations: Operations = {
        status: () => ({
          version: '0.0.0-test',
          domain: ctx.domain,
          pid: process.pid,
          startedAt: '2026-01-01T00:00:00.000Z',
          uptimeSeconds: 60,
          sessions: ctx.sessions.size,
          transfers: 1,
          totals: { transfersCompleted: 7, bytesRelayed: 2048, bytesUploaded: 4096, bytesDownloaded: 1024 },
          listeners: {},
        }),
        sessions,
        transfers: () => [FIXED_TRANSFER],
        kick: async (jid, reason) => {
          kicked.push({ jid, reason });
          const matching = [...ctx.sessions.local()].filter(
            (session) => session.jid.toString() === jid || session.jid.bare().toString() === jid,
          );
          for (const session of matching) ctx.sessions.close(session, new StreamError('policy-violation', reason));
          return matching.length;
        },
      };
      ctx.provide('operations', operations);
    },
  });
  return { module, kicked };
}

export interface ConsoleAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed body when it was JSON. */
  json: unknown;
}

export interface ConsoleRequest {
  method?: string;
  /** Sent as JSON with its content type, unless `raw` is given. */
  json?: unknown;
  raw?: { body: string | Buffer; type?: string };
  cookie?: string;
  csrf?: string;
  headers?: Record<string, string>;
}

/** One HTTPS request to the console on 127.0.0.1 (self-signed certificate accepted). */
export function consoleRequest(port: number, path: string, options: ConsoleRequest = {}): Promise<ConsoleAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Buffer | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  } else if (options.raw) {
    body = options.raw.body;
    if (options.raw.type) headers['content-type'] = options.raw.type;
  }
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  if (options.cookie) headers.cookie = options.cookie;
  if (options.csrf) headers['x-csrf-token'] = options.csrf;
  const method = options.method ?? (body === undefined ? 'GET' : 'POST');
  const done = new Promise<ConsoleAnswer>((resolve, reject) => {
    const outgoing = httpsRequest(
      { host: '127.0.0.1', port, path, method, headers, rejectUnauthorized: false, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
  return withTimeout(done, 30_000, `${method} ${path}`);
}

/** Logs in; returns the cookie pair to send back and the CSRF token. */
export async function logIn(
  port: number,
  jid: string,
  password: string,
): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const answer = await consoleRequest(port, '/admin/api/login', { json: { jid, password } });
  if (answer.status !== 200) throw new Error(`login failed: ${answer.status} ${answer.text}`);
  const setCookie = answer.headers['set-cookie']?.[0] ?? '';
  const csrf = (answer.json as { csrfToken: string }).csrfToken;
  return { cookie: setCookie.split(';')[0]!, csrf, setCookie };
}
