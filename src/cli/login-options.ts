// The login options `ferry send` and `ferry receive` share.
import type { Command } from 'commander';
import { connect, type XmppConnection } from '../client/connection.js';
import { CliError } from './cli-error.js';
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

export async function login(flags: LoginFlags, resource?: string): Promise<XmppConnection> {
  const jid = flags.jid ?? process.env.FERRY_JID;
  if (!jid) throw new CliError('who are you? pass --jid or set FERRY_JID');
  const password = flags.password ?? process.env.FERRY_PASSWORD ?? (await readPassword(`Password for ${jid}: `));
  const port = flags.port === undefined ? undefined : Number(flags.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536))
    throw new CliError(`--port ${flags.port} is not a port`);
  const address = resource && !jid.includes('/') ? `${jid}/${resource}` : jid;
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
    const condition = (error as { condition?: string }).condition;
    if (condition === 'not-authorized') throw new CliError(`${jid}: wrong password or no such account`);
    const message = (error as Error).message;
    if (/self[- ]signed|unable to verify|certificate/i.test(message)) {
      throw new CliError(
        `the server's certificate is not trusted (${message}); pass --ca-file FILE, or --insecure for a test server`,
      );
    }
    throw new CliError(`cannot log in as ${jid}: ${message}`);
  }
}
