// Reads a password without echoing it on a terminal; from piped stdin, reads the first line.
// A new password (adduser, passwd) is asked twice at a terminal so a typo cannot lock you out.
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { CliError, EXIT, usageError } from './cli-error.js';

/** The terminal, or a stand-in for tests. */
export interface PromptIo {
  input: Readable & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  output: Writable;
}

const processIo = (): PromptIo => ({ input: process.stdin, output: process.stderr });

export async function readPassword(prompt: string, io: PromptIo = processIo()): Promise<string> {
  if (!io.input.isTTY) return readLine(io.input);
  return readHidden(prompt, io);
}

/** A new password: at a terminal, typed twice and refused when the two differ. */
export async function readNewPassword(prompt: string, io: PromptIo = processIo()): Promise<string> {
  if (!io.input.isTTY) return readLine(io.input);
  const first = await readHidden(prompt, io);
  const second = await readHidden('Again, to confirm: ', io);
  if (first !== second) throw new CliError('the two passwords differ; nothing was changed, run the command again');
  return first;
}

async function readLine(input: Readable): Promise<string> {
  const lines = createInterface({ input });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  throw usageError('no password: pass it on standard input, in $FERRY_PASSWORD, or run at a terminal');
}

function readHidden(prompt: string, { input, output }: PromptIo): Promise<string> {
  // Raw mode before the prompt shows: a Ctrl-C typed as soon as it appears is read as a character
  // (→ "cancelled", exit 130), not turned into a SIGINT by the terminal.
  input.setRawMode?.(true);
  output.write(prompt);
  input.resume();
  input.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let password = '';
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') {
          finish();
          resolve(password);
          return;
        }
        // Raw mode turns Ctrl-C into a character instead of SIGINT; Ctrl-D is end of input.
        if (char === '\u0003' || char === '\u0004') {
          finish();
          reject(new CliError('cancelled', EXIT.interrupted));
          return;
        }
        if (char === '\u007f' || char === '\b') password = password.slice(0, -1);
        else password += char;
      }
    };
    const finish = () => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
    };
    input.on('data', onData);
  });
}
