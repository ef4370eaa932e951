// The console's login sessions: a random 256-bit id in a cookie (Secure, HttpOnly,
// SameSite=Strict, scoped to the console's path) naming an entry in an in-memory table, with an
// idle expiry, an absolute lifetime and a cap. The table keys are SHA-256 digests of the ids, so a
// lookup never compares a secret byte by byte; each session has its own CSRF token (synchronizer
// token pattern), compared in constant time. A restart logs everyone out, which is acceptable
// for a console and keeps session secrets off the disk.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const COOKIE_NAME = 'ferry_admin';

export interface AdminSession {
  /** The administrator's bare JID. */
  readonly jid: string;
  /** Sent by the console in X-CSRF-Token on every state-changing request. */
  readonly csrfToken: string;
  readonly created: number;
  lastSeen: number;
}

export interface AdminSessionOptions {
  idleMs: number;
  lifetimeMs: number;
  /** Past it, the least recently used session is ended to make room. */
  max: number;
  /** The console's path: the cookie is sent there only. */
  path: string;
  now?: () => number;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/; // 32 bytes, base64url without padding

export class AdminSessions {
  readonly #options: AdminSessionOptions;
  readonly #now: () => number;
  /** digest(id) → session, least recently used first. */
  readonly #sessions = new Map<string, AdminSession>();

  constructor(options: AdminSessionOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** A new session; returns it with the Set-Cookie value that carries its id. */
  create(jid: string): { session: AdminSession; cookie: string } {
    const now = this.#now();
    this.#prune(now);
    while (this.#sessions.size >= this.#options.max) this.#sessions.delete(this.#sessions.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    const session: AdminSession = {
      jid,
      csrfToken: randomBytes(32).toString('base64url'),
      created: now,
      lastSeen: now,
    };
    this.#sessions.set(digest(id), session);
    return { session, cookie: this.#cookie(id) };
  }

  /** The live session the request's cookie names, touched; undefined when none. */
  fromRequest(headers: IncomingHttpHeaders): AdminSession | undefined {
    const id = cookieValue(headers.cookie, COOKIE_NAME);
    if (id === undefined || !ID_PATTERN.test(id)) return undefined;
    const key = digest(id);
    const session = this.#sessions.get(key);
    if (!session) return undefined;
    const now = this.#now();
    if (this.#isExpired(session, now)) {
      this.#sessions.delete(key);
      return undefined;
    }
    session.lastSeen = now;
    this.#sessions.delete(key);
    this.#sessions.set(key, session);
    return session;
  }

  /** Ends the session the request's cookie names; returns the Set-Cookie value that clears it. */
  end(headers: IncomingHttpHeaders): string {
    const id = cookieValue(headers.cookie, COOKIE_NAME);
    if (id !== undefined && ID_PATTERN.test(id)) this.#sessions.delete(digest(id));
    return `${COOKIE_NAME}=; Path=${this.#options.path}; Secure; HttpOnly; SameSite=Strict; Max-Age=0`;
  }

  /** Ends every session of an administrator (the account was deleted). */
  endAllOf(jid: string): number {
    let ended = 0;
    for (const [key, session] of this.#sessions) {
      if (session.jid !== jid) continue;
      this.#sessions.delete(key);
      ended += 1;
    }
    return ended;
  }

  clear(): void {
    this.#sessions.clear();
  }

  get size(): number {
    return this.#sessions.size;
  }

  #cookie(id: string): string {
    return `${COOKIE_NAME}=${id}; Path=${this.#options.path}; Secure; HttpOnly; SameSite=Strict`;
  }

  #isExpired(session: AdminSession, now: number): boolean {
    return now - session.lastSeen >= this.#options.idleMs || now - session.created >= this.#options.lifetimeMs;
  }

  #prune(now: number): void {
    for (const [key, session] of this.#sessions) if (this.#isExpired(session, now)) this.#sessions.delete(key);
  }
}

/** Constant-time check of a presented CSRF token against the session's. */
export function isCsrfTokenValid(session: AdminSession, presented: string | string[] | undefined): boolean {
  if (typeof presented !== 'string') return false;
  return timingSafeEqual(digestBytes(presented), digestBytes(session.csrfToken));
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function digest(value: string): string {
  return digestBytes(value).toString('hex');
}

function digestBytes(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
