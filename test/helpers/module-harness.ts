// Loads modules into a server core with in-memory storage and fake sessions: a stanza goes in as
// XML, the stanzas each session received come out as XML. No sockets, no TLS, no disk (as
// xmpp.js tests its IQ callee with a mocked entity).
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/server/core/config.js';
import { silentLogger, type Logger } from '../../src/server/core/logger.js';
import { resolveModules } from '../../src/server/core/load-modules.js';
import type { ModuleDefinition } from '../../src/server/core/module.js';
import { ServerCore } from '../../src/server/core/server-core.js';
import { HttpRoutes } from '../../src/server/transport/http/index.js';
import { openMemoryStorage } from '../../src/server/storage/index.js';
import type { Element } from '@ferry/protocol/xml/element';
import { parseElement } from '@ferry/protocol/xml/parse-element';
import { fakeSession, type FakeSession } from './fake-session.js';

export type { FakeSession };

export interface ModuleHarness {
  readonly core: ServerCore;
  /** Creates an account (password irrelevant here). */
  addUser(username: string): Promise<void>;
  /** Binds a session as a c2s stream would. */
  connect(fullJid: string): FakeSession;
  /** The session's stream ends: it leaves the directory and modules hear session-closed. */
  disconnect(session: FakeSession): Promise<void>;
  /** Routes XML from a session (its `from` stamped as the c2s stream does) and waits until handled. */
  send(session: FakeSession, xml: string): Promise<void>;
  /** Waits until every queued handler and storage call has finished. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  domain?: string;
  /** Dotted config overrides, as `--set` takes them (module options: `modules.NAME.key`). */
  config?: Record<string, string | number | boolean>;
  logger?: Logger;
}

export async function loadModules(
  modules: readonly ModuleDefinition[],
  options: HarnessOptions = {},
): Promise<ModuleHarness> {
  const config = loadConfig({
    env: {},
    overrides: { domain: options.domain ?? 'localhost', 'storage.backend': 'memory', ...options.config },
  });
  const logger = options.logger ?? silentLogger();
  const storage = await openMemoryStorage({ scramIterations: 4096 });
  const core = new ServerCore({ config, logger, storage, http: new HttpRoutes({ config, logger }) });
  await core.load(resolveModules(config, modules));

  const settle = async () => {
    // Memory storage answers in microtasks: two turns of the event loop drain every chain.
    for (let i = 0; i < 3; i += 1) await new Promise((resolve) => setImmediate(resolve));
  };

  return {
    core,
    addUser: (username) => storage.accounts.create(username, 'harness password'),
    connect(fullJid) {
      const session = fakeSession(fullJid);
      core.sessions.add(session)?.close();
      core.events.emit('session-bound', session);
      return session;
    },
    async disconnect(session) {
      if (core.sessions.remove(session)) core.events.emit('session-closed', session);
      await settle();
    },
    async send(session, text) {
      const stanza = parseElement(text);
      assert.ok(stanza, `not XML: ${text}`);
      stanza.attrs.from = session.jid.toString();
      core.router.route(stanza, session);
      await settle();
    },
    settle,
    async stop() {
      await core.unload();
      await storage.close();
    },
  };
}

/**
 * Compares XML as trees: attribute order and whitespace between elements do not matter; an
 * expected attribute value or element text of `*` matches any value (generated ids, versions).
 */
export function assertXml(actual: readonly string[], expected: readonly string[]): void {
  const canonical = (text: string, pattern?: Element): string => {
    const element = parseElement(text);
    assert.ok(element, `not XML: ${text}`);
    return render(element, pattern);
  };
  assert.deepEqual(
    actual.map((text, index) => {
      const pattern = expected[index] === undefined ? undefined : parseElement(expected[index]!);
      return canonical(text, pattern);
    }),
    expected.map((text) => canonical(text)),
  );
}

function render(element: Element, pattern: Element | undefined): string {
  const attrs = Object.keys(element.attrs)
    .filter((name) => element.attrs[name] !== undefined)
    .sort()
    .map((name) => {
      const wildcard = pattern?.attrs[name] === '*';
      return `${name}="${wildcard ? '*' : String(element.attrs[name])}"`;
    });
  const patternChildren = pattern?.getChildElements() ?? [];
  const isTextWildcard = pattern?.children.length === 1 && pattern.children[0] === '*';
  const children = isTextWildcard
    ? '*'
    : element.children
        .map((child, index) => {
          if (typeof child === 'string') return child.trim() === '' ? '' : child;
          const elementIndex = element.getChildElements().indexOf(child);
          return render(child, patternChildren[elementIndex ?? index]);
        })
        .join('');
  return `<${element.name}${attrs.length ? ' ' + attrs.join(' ') : ''}>${children}</${element.name}>`;
}
