// A bound session with no stream behind it: what it is sent is kept, as the core wrote it.
import { Jid } from '@ferry/protocol/jid';
import type { StreamError } from '@ferry/protocol/errors/stream-error';
import type { Element } from '@ferry/protocol/xml/element';
import type { ClientSession } from '../../src/server/core/session.js';
import { Router } from '../../src/server/core/router.js';
import { LocalSessionDirectory } from '../../src/server/core/sessions.js';
import { silentLogger, type Logger } from '../../src/server/core/logger.js';

export interface FakeSession extends ClientSession {
  /** Everything written to this session, oldest first. */
  readonly inbox: Element[];
  /** The stream-error conditions it was closed with ('closed' for none). */
  readonly closedWith: string[];
  /** What arrived since the last call, as XML, and forgets it. */
  take(): string[];
}

export function fakeSession(address: string, options: { isAvailable?: boolean } = {}): FakeSession {
  const inbox: Element[] = [];
  const closedWith: string[] = [];
  let taken = 0;
  return {
    id: address,
    jid: Jid.parse(address),
    isLocal: true,
    remoteAddress: '127.0.0.1',
    transport: 'tcp',
    isSecure: true,
    since: 0,
    // Any element will do for "available" where a test does not look at it.
    presence: options.isAvailable ? ({} as Element) : undefined,
    priority: 0,
    directedPresence: new Set(),
    isRosterRequested: false,
    inbox,
    closedWith,
    send: (stanza: Element) => void inbox.push(stanza),
    close: (error?: StreamError) => void closedWith.push(error?.condition ?? 'closed'),
    take() {
      const fresh = inbox.slice(taken).map((stanza) => stanza.toString());
      taken = inbox.length;
      return fresh;
    },
  };
}

/** A router over an in-process directory holding alice@localhost/a and bob@localhost/b. */
export function routerWithTwoSessions(logger: Logger = silentLogger()) {
  const sessions = new LocalSessionDirectory();
  const router = new Router({ domain: 'localhost', sessions, logger });
  const alice = fakeSession('alice@localhost/a');
  const bob = fakeSession('bob@localhost/b');
  sessions.add(alice);
  sessions.add(bob);
  return { router, sessions, alice, bob };
}
