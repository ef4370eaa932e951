// A server counts as started only when a client can log in: a listening port is not enough
// (ejabberd listens before its hosts are ready; Prosody logs config errors and carries on).
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchConnection, type Account, type Endpoint } from '../client/connection.js';
import { hasExited, stopChild, tailOf } from '../lib/child.js';

export interface ReadyOptions {
  name: string;
  child: ChildProcess;
  logFile: string;
  timeoutMs: number;
}

export async function waitUntilLoginWorks(endpoint: Endpoint, account: Account, options: ReadyOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (hasExited(options.child)) {
      throw new Error(
        `${options.name} exited during start-up (code ${options.child.exitCode ?? options.child.signalCode}); ` +
          `see ${options.logFile}:\n${tailOf(options.logFile)}`,
      );
    }
    try {
      const connection = await BenchConnection.login(endpoint, account, { timeoutMs: 3_000 });
      await connection.close();
      return;
    } catch (error) {
      lastError = error;
    }
    await sleep(250);
  }
  throw new Error(
    `${options.name} did not accept a login on ${endpoint.host}:${endpoint.port} within ${options.timeoutMs} ms ` +
      `(last error: ${(lastError as Error | undefined)?.message ?? 'none'}); see ${options.logFile}:\n${tailOf(options.logFile)}`,
  );
}

/**
 * Starts a server process and resolves once a login works; a server that never gets there is
 * stopped before the error is thrown, so no half-started process outlives its launch.
 */
export async function launchUntilReady(
  spawn: () => ChildProcess,
  endpoint: Endpoint,
  account: Account,
  options: Omit<ReadyOptions, 'child'>,
): Promise<{ pid: number; stop(): Promise<void> }> {
  const child = spawn();
  try {
    await waitUntilLoginWorks(endpoint, account, { ...options, child });
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { pid: child.pid!, stop: () => stopChild(child) };
}
