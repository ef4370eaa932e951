// go-sendxmpp (Debian 0.5.6+git20221206, prints 0.5.7-dev) as an interop peer: `-h FILE` uploads
// with XEP-0363 and sends the link. Run once per call with its own empty HOME (so it reads no
// user config: it looks for ~/.config/go-sendxmpp/sendxmpprc), the account on the command line,
// and a deadline after which it is killed by its PID.
//
// What it does (seen on Prosody 0.12 with -d, and on the receiving client; no source reading):
// disco#items on the account's domain, disco#info on every item, a slot request to the item with
// the `store/file` identity and urn:xmpp:http:upload:0, the PUT, then ONE message to the JID as
// given (a bare JID stays bare), with the URL as body and as jabber:x:oob, nothing else (no
// XEP-0447, no size, no name, no hash):
//   <message type="chat" id="…" to="bob@localhost" xml:lang="en">
//     <body>https://…/f.bin</body><x xmlns="jabber:x:oob"><url>https://…/f.bin</url></x></message>
// It exits 0 once the message is written, without waiting for a receipt or an error reply.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GO_SENDXMPP = '/usr/bin/go-sendxmpp';

/** Why go-sendxmpp tests cannot run here, or false when they can. */
export function goSendxmppUnavailable(): string | false {
  return existsSync(GO_SENDXMPP) ? false : 'go-sendxmpp is not installed (apt-get install go-sendxmpp)';
}

export interface GoSendxmppUpload {
  /** The account, a bare JID: alice@localhost. */
  jid: string;
  password: string;
  /** The c2s address it connects to (STARTTLS; it refuses to authenticate without TLS). */
  host: string;
  port: number;
  /** The file to upload with XEP-0363. */
  file: string;
  /** Who gets the link: sent to exactly this JID. */
  to: string;
  /**
   * PEM the HTTPS PUT trusts. COMPAT: go-sendxmpp's -n (skip certificate verification) covers
   * only the XMPP connection; its PUT uses Go's default HTTP client and the system roots, which
   * Go reads from SSL_CERT_FILE when set: without this a self-signed server fails with
   * `Put "https://…": x509: certificate signed by unknown authority`.
   */
  caFile?: string;
  /** Killed (SIGKILL) after this long. Default 30 s. */
  timeoutMs?: number;
}

export interface GoSendxmppRun {
  code: number | null;
  /** With -d, every stanza it received is printed (on stdout or stderr, depending on the run). */
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The command line, for failure messages (the password replaced). */
  command: string;
}

/** `go-sendxmpp -d -u JID -p PW -j HOST:PORT -n -h FILE TO`, bounded. */
export function goSendxmppUpload(options: GoSendxmppUpload): Promise<GoSendxmppRun> {
  const args = [
    ...['-d', '-u', options.jid, '-p', options.password, '-j', `${options.host}:${options.port}`],
    ...['-n', '--timeout', '10', '-h', options.file, options.to],
  ];
  const home = mkdtempSync(join(tmpdir(), 'ferry-go-sendxmpp-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' };
  if (options.caFile) env.SSL_CERT_FILE = options.caFile;
  const child = spawn(GO_SENDXMPP, args, { env, cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 30_000);
  const command = [GO_SENDXMPP, ...args.map((arg) => (arg === options.password ? '***' : arg))].join(' ');
  return new Promise((resolve) => {
    const finish = (code: number | null) => {
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
      resolve({ code, stdout, stderr, timedOut, command });
    };
    child.once('error', (error) => {
      stderr += String(error);
      finish(null);
    });
    child.once('exit', (code) => finish(code));
  });
}

/** A failure message: what it ran, how it ended, the end of what it printed. */
export function describeRun(run: GoSendxmppRun): string {
  return (
    `${run.command}\nexit ${String(run.code)}${run.timedOut ? ' (killed at its deadline)' : ''}\n` +
    `--- stderr ---\n${run.stderr.slice(-2000)}\n--- stdout ---\n${run.stdout.slice(-3000)}`
  );
}
