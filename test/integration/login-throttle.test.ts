// A distributed password guess against one account: from 50 parallel connections on one address
// (with the attacker logging into an account of its own in between) and from 100 addresses. The
// guesses the server checks (answered not-authorized) are bounded by
// limits.max_auth_failures_per_account per auth_failure_window_seconds, whatever the spread;
// further attempts get temporary-auth-failure unchecked. The victim still logs in from the address
// it used before; from a new address it waits out the window (documented in README).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.js';
import { STREAM_OPEN } from '../helpers/raw-stream.js';
import { connectClient } from '../helpers/xmpp-client.js';

const BUDGET = 10;
const ATTACK_MS = 5_000;
const MAX_CONNECTIONS_PER_WORKER = 15;

interface Tally {
  checked: number; // answered not-authorized: the password was checked
  refused: number; // answered temporary-auth-failure: not checked
  connections: number;
  successes: number;
}

const plain = (username: string, password: string) =>
  `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\u0000${username}\u0000${password}`).toString('base64')}</auth>`;

/** A direct-TLS connection from `localAddress` that reads into a string, with a wait for more. */
async function open(port: number, localAddress: string) {
  const tcp = connect({ host: '127.0.0.1', port, localAddress });
  tcp.on('error', () => {});
  const socket: TLSSocket = connectTls({ socket: tcp, rejectUnauthorized: false });
  socket.on('error', () => {});
  let text = '';
  let wake = () => {};
  let isClosed = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
    wake();
  });
  socket.once('close', () => {
    isClosed = true;
    wake();
  });
  const ok = await new Promise<boolean>((resolve) => {
    socket.once('secureConnect', () => resolve(true));
    socket.once('close', () => resolve(false));
  });
  if (ok) socket.write(STREAM_OPEN);
  /** Waits until `test(text)` holds or the connection closed or `until` passed; false unless it holds. */
  const waitFor = async (test: (text: string) => boolean, until: number): Promise<boolean> => {
    while (!test(text)) {
      if (isClosed || Date.now() > until) return false;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 200);
      });
    }
    return true;
  };
  return { socket, ok, text: () => text, waitFor };
}

const FAILURE = /<failure[^>]*>([\s\S]*?)<\/failure>/g;

/** Guesses `username`'s password from `localAddress` until the deadline, reconnecting when closed. */
async function guesser(port: number, localAddress: string, username: string, deadline: number, tally: Tally) {
  for (let c = 0; c < MAX_CONNECTIONS_PER_WORKER && Date.now() < deadline; c++) {
    const conn = await open(port, localAddress);
    tally.connections += 1;
    if (!conn.ok || !(await conn.waitFor((t) => t.includes('</stream:features>'), deadline))) {
      conn.socket.destroy();
      continue;
    }
    let answered = 0;
    for (let guess = 0; Date.now() < deadline; guess++) {
      conn.socket.write(plain(username, `wrong-${localAddress}-${c}-${guess}`));
      const count = () => [...conn.text().matchAll(FAILURE)].length;
      if (!(await conn.waitFor(() => count() > answered, deadline + 1_000))) break;
      const failure = [...conn.text().matchAll(FAILURE)][answered]![1]!;
      answered += 1;
      if (failure.includes('<not-authorized/>')) tally.checked += 1;
      else if (failure.includes('<temporary-auth-failure/>')) tally.refused += 1;
    }
    conn.socket.destroy();
  }
}

/** The attacker's own account, logged into from the attacking address: must not reset anything. */
async function ownLogins(port: number, localAddress: string, deadline: number, tally: Tally) {
  for (let i = 0; i < 10 && Date.now() < deadline; i++) {
    const conn = await open(port, localAddress);
    if (conn.ok && (await conn.waitFor((t) => t.includes('</stream:features>'), deadline))) {
      conn.socket.write(plain('mallory', PASSWORD));
      if (await conn.waitFor((t) => t.includes('<success'), deadline + 1_000)) tally.successes += 1;
    }
    conn.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function loginFrom(port: number, localAddress: string, username: string): Promise<string> {
  const conn = await open(port, localAddress);
  await conn.waitFor((t) => t.includes('</stream:features>'), Date.now() + 10_000);
  conn.socket.write(plain(username, PASSWORD));
  await conn.waitFor((t) => /<success|<\/failure>/.test(t), Date.now() + 15_000);
  conn.socket.destroy();
  return /<success/.test(conn.text()) ? 'success' : (/<failure[^>]*><([a-z-]+)/.exec(conn.text())?.[1] ?? 'no answer');
}

describe('login throttle per account', () => {
  let ferry: TestServer;
  before(async () => {
    ferry = await startTestServer({
      'limits.auth_failure_delay_ms': 250,
      'limits.max_auth_failures_per_account': BUDGET,
      'limits.auth_failure_window_seconds': 600,
    });
    for (const user of ['victim1', 'victim2', 'mallory']) await ferry.addUser(user);
    // Each victim has logged in before, from 127.0.0.1 (xmpp.js over STARTTLS).
    for (const user of ['victim1', 'victim2'])
      await (await connectClient({ port: ferry.ports.c2s, username: user })).stop();
  });
  after(() => ferry.stop());

  it('bounds the guesses from 50 parallel connections on one address, not reset by the attacker logging in', async (t) => {
    const tally: Tally = { checked: 0, refused: 0, connections: 0, successes: 0 };
    const started = Date.now();
    const deadline = started + ATTACK_MS;
    const workers = Array.from({ length: 50 }, () =>
      guesser(ferry.ports.directTls, '127.0.2.1', 'victim1', deadline, tally),
    );
    await Promise.all([...workers, ownLogins(ferry.ports.directTls, '127.0.2.1', deadline, tally)]);
    const seconds = (Date.now() - started) / 1000;
    t.diagnostic(
      `one address, 50 connections (${tally.connections} opened), ${seconds.toFixed(1)} s: ${tally.checked} guesses checked ` +
        `(${(tally.checked / seconds).toFixed(2)}/s; budget ${BUDGET} per 600 s), ${tally.refused} refused unchecked; ` +
        `the attacker's own logins meanwhile: ${tally.successes}`,
    );
    assert.ok(tally.checked <= BUDGET, `${tally.checked} guesses were checked`);
    assert.ok(tally.successes > 0, "the attacker's own account logged in meanwhile");
    assert.equal(await loginFrom(ferry.ports.directTls, '127.0.0.1', 'victim1'), 'success');
  });

  it('bounds the guesses from 100 addresses, and the victim logs in from its own address at once, elsewhere after the window', async (t) => {
    const tally: Tally = { checked: 0, refused: 0, connections: 0, successes: 0 };
    const started = Date.now();
    const deadline = started + ATTACK_MS;
    const workers = Array.from({ length: 100 }, (_, i) =>
      guesser(ferry.ports.directTls, `127.0.3.${i + 1}`, 'victim2', deadline, tally),
    );
    await Promise.all(workers);
    const seconds = (Date.now() - started) / 1000;
    t.diagnostic(
      `100 addresses (${tally.connections} connections), ${seconds.toFixed(1)} s: ${tally.checked} guesses checked ` +
        `(${(tally.checked / seconds).toFixed(2)}/s; budget ${BUDGET} per 600 s), ${tally.refused} refused unchecked`,
    );
    assert.ok(tally.checked <= BUDGET, `${tally.checked} guesses were checked`);
    assert.ok(tally.refused > 0);
    // Its owner, from the address it logged in from before: served.
    assert.equal(await loginFrom(ferry.ports.directTls, '127.0.0.1', 'victim2'), 'success');
    // From an address it never used: only once the failures leave the window.
    assert.equal(await loginFrom(ferry.ports.directTls, '127.0.4.1', 'victim2'), 'temporary-auth-failure');
  });
});
