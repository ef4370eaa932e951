// Console sessions on a fake clock: the cookie's flags, idle expiry, the absolute lifetime, the
// cap (least recently used goes first), CSRF tokens, and ending an administrator's sessions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AdminSessions, isCsrfTokenValid } from '../../../../../src/server/modules/admin/admin-sessions.js';

function table(max = 3) {
  let now = 1_000_000;
  const sessions = new AdminSessions({ idleMs: 60_000, lifetimeMs: 600_000, max, path: '/admin', now: () => now });
  return { sessions, advance: (ms: number) => (now += ms) };
}

const headers = (cookie: string) => ({ cookie: `other=1; ${cookie.split(';')[0]}` });

describe('admin sessions', () => {
  it('sets a 256-bit id in a Secure, HttpOnly, SameSite=Strict cookie on the console path', () => {
    const { sessions } = table();
    const { cookie, session } = sessions.create('alice@localhost');
    assert.match(cookie, /^ferry_admin=[A-Za-z0-9_-]{43}; Path=\/admin; Secure; HttpOnly; SameSite=Strict$/);
    assert.equal(sessions.fromRequest(headers(cookie)), session);
  });

  it('ends a session idle for too long, and keeps one in use', () => {
    const { sessions, advance } = table();
    const used = sessions.create('alice@localhost');
    const idle = sessions.create('alice@localhost');
    advance(50_000);
    assert.ok(sessions.fromRequest(headers(used.cookie)));
    advance(50_000);
    assert.ok(sessions.fromRequest(headers(used.cookie)));
    assert.equal(sessions.fromRequest(headers(idle.cookie)), undefined);
  });

  it('ends every session at its lifetime, used or not', () => {
    const { sessions, advance } = table();
    const { cookie } = sessions.create('alice@localhost');
    for (let i = 0; i < 12; i++) {
      advance(50_000);
      sessions.fromRequest(headers(cookie));
    }
    assert.equal(sessions.fromRequest(headers(cookie)), undefined);
  });

  it('holds at most `max` sessions, ending the least recently used', () => {
    const { sessions } = table(2);
    const first = sessions.create('a@localhost');
    const second = sessions.create('b@localhost');
    sessions.fromRequest(headers(first.cookie));
    sessions.create('c@localhost');
    assert.equal(sessions.size, 2);
    assert.ok(sessions.fromRequest(headers(first.cookie)));
    assert.equal(sessions.fromRequest(headers(second.cookie)), undefined);
  });

  it('ignores cookies that are not a session id', () => {
    const { sessions } = table();
    for (const cookie of ['', 'ferry_admin=', 'ferry_admin=x', `ferry_admin=${'A'.repeat(43)}`, 'ferry_admin=a;b']) {
      assert.equal(sessions.fromRequest({ cookie }), undefined);
    }
    assert.equal(sessions.fromRequest({}), undefined);
  });

  it("checks the session's CSRF token, and no other", () => {
    const { sessions } = table();
    const { session } = sessions.create('alice@localhost');
    const other = sessions.create('alice@localhost').session;
    assert.equal(isCsrfTokenValid(session, session.csrfToken), true);
    assert.equal(isCsrfTokenValid(session, other.csrfToken), false);
    assert.equal(isCsrfTokenValid(session, undefined), false);
    assert.equal(isCsrfTokenValid(session, [session.csrfToken]), false);
  });

  it('logs out one session, and ends all of an administrator', () => {
    const { sessions } = table();
    const a1 = sessions.create('a@localhost');
    const a2 = sessions.create('a@localhost');
    const b = sessions.create('b@localhost');
    assert.match(sessions.end(headers(a1.cookie)), /^ferry_admin=; .*Max-Age=0$/);
    assert.equal(sessions.fromRequest(headers(a1.cookie)), undefined);
    assert.equal(sessions.endAllOf('a@localhost'), 1);
    assert.equal(sessions.fromRequest(headers(a2.cookie)), undefined);
    assert.ok(sessions.fromRequest(headers(b.cookie)));
  });
});
