// Starts a real Ferry server on 127.0.0.1 with ephemeral ports and a temporary data directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/server/core/config.js';
import { FerryServer } from '../../src/server/core/server.js';
import { silentLogger, type Logger } from '../../src/server/core/logger.js';
import type { ModuleDefinition } from '../../src/server/core/module.js';
import { builtinModules } from '../../src/server/modules/index.js';

export interface TestServer {
  server: FerryServer;
  domain: string;
  dataDir: string;
  ports: { c2s: number; directTls: number; http: number; https: number };
  addUser(username: string, password?: string): Promise<void>;
  stop(): Promise<void>;
}

export const PASSWORD = 'correct horse battery staple';

export async function startTestServer(
  overrides: Record<string, string | number | boolean> = {},
  options: {
    logger?: Logger;
    /** Loaded besides the built-in modules, e.g. a test module registering HTTP routes. */
    extraModules?: readonly ModuleDefinition[];
  } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-test-'));
  const config = loadConfig({
    env: {},
    overrides: {
      data_dir: dataDir,
      'c2s.port': 0,
      'c2s_direct_tls.port': 0,
      'http.port': 0,
      'http.https_port': 0,
      'limits.auth_failure_delay_ms': 0,
      'modules.proxy65.port': 0,
      ...overrides,
    },
  });
  const logger = options.logger ?? (process.env.FERRY_TEST_LOG ? undefined : silentLogger());
  const modules = [...builtinModules, ...(options.extraModules ?? [])];
  const server = new FerryServer({ config, modules, ...(logger ? { logger } : {}) });
  await server.start();
  const addresses = server.addresses();
  return {
    server,
    domain: config.domain,
    dataDir,
    ports: {
      c2s: addresses.c2s?.port ?? 0,
      directTls: addresses.directTls?.port ?? 0,
      http: addresses.http?.port ?? 0,
      https: addresses.https?.port ?? 0,
    },
    addUser(username, password = PASSWORD) {
      return server.storage.accounts.create(username, password);
    },
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
