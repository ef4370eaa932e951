// profanity (Debian `profanity`, a terminal client) driven headless inside tmux: an accounts file
// pre-seeded under a private HOME, keys typed with `tmux send-keys`, the screen read back with
// `tmux capture-pane`. Every wait is bounded; the tmux server is private to one instance.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './files.js';

export function hasProfanity(): boolean {
  const which = (name: string) => spawnSync('which', [name]).status === 0;
  return which('profanity') && which('tmux');
}

export interface ProfanityInstance {
  /** Types a line and presses Enter. */
  type(line: string): void;
  /** The visible screen. */
  screen(): string;
  /** Resolves once the screen matches; rejects with the screen after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): void;
}

export async function startProfanity(options: {
  jid: string;
  password: string;
  port: number;
}): Promise<ProfanityInstance> {
  const home = tempDir('ferry-profanity-');
  const socket = join(home.path, 'tmux.sock');
  const data = join(home.path, '.local', 'share', 'profanity');
  mkdirSync(data, { recursive: true });
  // tls.policy=trust: profanity takes the self-signed certificate (for XMPP and for its upload PUT).
  writeFileSync(
    join(data, 'accounts'),
    [
      `[${options.jid}]`,
      'enabled=true',
      `jid=${options.jid}`,
      'server=127.0.0.1',
      `port=${options.port}`,
      `password=${options.password}`,
      'tls.policy=trust',
      'resource=profanity',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const tmux = (...args: string[]) => spawnSync('tmux', ['-S', socket, ...args], { encoding: 'utf8', timeout: 10_000 });
  const started = tmux(
    ...['new-session', '-d', '-s', 'prof', '-x', '200', '-y', '50'],
    `env HOME=${home.path} TERM=xterm profanity -a ${options.jid}`,
  );
  if (started.status !== 0) throw new Error(`tmux could not start profanity: ${started.stderr}`);
  const screen = () => tmux('capture-pane', '-p', '-t', 'prof').stdout;
  const instance: ProfanityInstance = {
    type(line) {
      tmux('send-keys', '-t', 'prof', '-l', line);
      tmux('send-keys', '-t', 'prof', 'Enter');
    },
    screen,
    async waitFor(pattern, timeoutMs = 15_000) {
      for (let waited = 0; waited < timeoutMs; waited += 200) {
        const text = screen();
        if (pattern.test(text)) return text;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`profanity did not show ${String(pattern)} within ${timeoutMs} ms; screen:\n${screen()}`);
    },
    stop() {
      tmux('kill-server');
      home.remove();
    },
  };
  return instance;
}
