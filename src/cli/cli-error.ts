// An error the CLI reports as one line and an exit code, without a stack trace (unless --debug).

/** The exit codes `ferry` documents (README "Exit codes"); nothing else is ever returned. */
export const EXIT = {
  ok: 0,
  /** The command ran and failed: a transfer, a login, the server stopping. */
  failure: 1,
  /** The command line or the configuration is wrong: fix it and run again. */
  usage: 2,
  /** No server runs on this data directory (no control socket answers), as `systemctl is-active` says 3. */
  notRunning: 3,
  /** Ctrl-C (SIGINT), as shells report it: 128 + 2. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = EXIT.failure, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A mistake on the command line or in the configuration (exit 2). */
export function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

/**
 * Ends a client command: sets the exit code, and exits shortly after if a stray timer (an IQ
 * still timing out in xmpp.js) would otherwise keep the process alive.
 */
export function finishWith(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 500).unref();
}
