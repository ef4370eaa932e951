// The login options `ferry send` and `ferry receive` share, and the one place a failed login
// becomes a line naming the server, the account or the certificate (error-lines.ts).
import type { Command } from 'commander';
import { connect, type XmppConnection } from '@ferry/client/internal/connection';
import { Jid } from '@ferry/protocol/jid';
import { usageError } from './cli-error.js';
import { connectError, type ConnectContext } from './error-lines.js';
import { readPassword } from './password-prompt.js';

export interface LoginFlags {
  jid?: string;
  password?: string;
  host?: string;
  port?: string;
  insecure?: boolean;
  caFile?: string;
}

export function addLoginOptions(command: Command): Command {
  return command
    .option('--jid <jid>', 'your account, e.g. alice@example.com (or $FERRY_JID)')
    .option('--password <password>', 'your password (or $FERRY_PASSWORD; prompted otherwise)')
    .option('--host <host>', "server address (default: the JID's domain)")
    .option('--port <port>', 'server port (default 5222)')
    .option('--insecure', 'accept a self-signed or unverifiable server certificate')
    .option('--ca-file <file>', 'trust this CA certificate (PEM) for the server');
}

/** The checks that need no network: run them before any prompt or connection. */
export function checkLoginFlags(flags: LoginFlags): { jid: Jid; port: number | undefined } {
  const address = flags.jid ?? process.env.FERRY_JID;
  if (!address) throw usageError('who are you? pass --jid or set FERRY_JID');
  const jid = Jid.tryParse(address);
  if (!jid || jid.local === '') throw usageError(`--jid ${address} is not an account address like alice@example.com`);
  const port = flags.port === undefined ? undefined : Number(flags.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536))
    throw usageError(`--port ${flags.port} is not a port (1..65535)`);
  return { jid, port };
}

export async function login(flags: LoginFlags, resource?: string): Promise<XmppConnection> {
  const { jid, port } = checkLoginFlags(flags);
  const fromEnv = process.env.FERRY_PASSWORD || undefined; // set but empty: as if unset
  const passwordFrom =
    flags.password !== undefined ? '--password' : fromEnv !== undefined ? '$FERRY_PASSWORD' : undefined;
  const password = flags.password ?? fromEnv ?? (await readPassword(`Password for ${jid.toString()}: `));
  const context: ConnectContext = {
    jid: jid.bare().toString(),
    host: flags.host ?? jid.domain,
    port: port ?? 5222,
    passwordFrom: passwordFrom ?? (process.stdin.isTTY ? 'the prompt' : 'standard input'),
  };
  const address = resource && jid.resource === '' ? `${jid.toString()}/${resource}` : jid.toString();
  try {
    return await connect({
      jid: address,
      password,
      host: flags.host,
      port,
      insecure: flags.insecure,
      caFile: flags.caFile,
    });
  } catch (error) {
    throw connectError(error, context);
  }
}
