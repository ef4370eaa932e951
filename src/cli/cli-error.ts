// An error the CLI reports as one line and an exit code, without a stack trace.
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/**
 * Ends a client command: sets the exit code, and exits shortly after if a stray timer (an IQ
 * still timing out in xmpp.js) would otherwise keep the process alive.
 */
export function finishWith(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 500).unref();
}
