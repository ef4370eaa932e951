// Passwords at a terminal: hidden, a new one typed twice, Ctrl-C a clean cancel (exit 130).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { readNewPassword, readPassword, type PromptIo } from '../../../src/cli/password-prompt.js';
import { CliError, EXIT } from '../../../src/cli/cli-error.js';

/** A fake terminal: what the user types, in order, and what was written to the screen. */
function terminal(...typed: string[]): PromptIo & { screen: () => string } {
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined });
  const output = new PassThrough();
  let screen = '';
  output.on('data', (chunk: Buffer) => (screen += chunk.toString()));
  // Each answer arrives after the prompt before it, as keystrokes would.
  let next = 0;
  output.on('data', () => {
    if (next < typed.length && !screen.endsWith('\n')) input.write(typed[next++]!);
  });
  return { input, output, screen: () => screen };
}

describe('password prompt', () => {
  it('asks a new password twice and returns it when both agree, echoing nothing', async () => {
    const io = terminal('s3cret pass\r', 's3cret pass\r');
    assert.equal(await readNewPassword('New password: ', io), 's3cret pass');
    assert.match(io.screen(), /New password: \nAgain, to confirm: \n/);
    assert.doesNotMatch(io.screen(), /s3cret/);
  });

  it('refuses two different passwords', async () => {
    const io = terminal('one\r', 'two\r');
    await assert.rejects(readNewPassword('New password: ', io), (error: unknown) => {
      return error instanceof CliError && /the two passwords differ/.test(error.message);
    });
  });

  it('turns Ctrl-C at the prompt into a cancel with exit code 130', async () => {
    const io = terminal('abc\u0003');
    await assert.rejects(readPassword('Password: ', io), (error: unknown) => {
      return error instanceof CliError && error.exitCode === EXIT.interrupted;
    });
  });

  it('reads the first line of piped input once, without asking twice', async () => {
    const input = new PassThrough();
    input.end('from a pipe\nignored\n');
    assert.equal(await readNewPassword('New password: ', { input, output: new PassThrough() }), 'from a pipe');
  });
});
