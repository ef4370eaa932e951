// The servers the desktop-client suites (Gajim, Dino) run their cases through: a Ferry server, and
// a private Prosody 0.12 as the reference. Each comes with the accounts and the mutual roster
// subscriptions a suite asks for, the ports a client needs, and the certificate it must trust.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, PASSWORD } from './server.js';
import { prosodyUnavailable } from './prosody.js';
import { startDesktopProsody } from './prosody-desktop.js';

export interface DesktopServer {
  /** For test names: "a Ferry server", "Prosody 0.12". */
  label: string;
  c2sPort: number;
  /** The SOCKS5 proxy's port (proxy.<domain> advertises 127.0.0.1 and this port). */
  proxyPort: number;
  /** PEM of the c2s certificate (for the domain), for the client to trust. */
  certificatePem: string;
  /** Whether the full JID is logged in (Ferry: available; Prosody: resource bound). */
  isOnline(fullJid: string): boolean;
  stop(): Promise<void>;
}

export interface DesktopServerKind {
  label: string;
  unavailable(): string | false;
  /** Accounts (all with PASSWORD) and pairs of usernames subscribed to each other. */
  start(users: string[], mutual: [string, string][]): Promise<DesktopServer>;
}

export const FERRY_SERVER: DesktopServerKind = {
  label: 'a Ferry server',
  unavailable: () => false,
  async start(users, mutual) {
    // No HTTP upload: Dino would upload (and Gajim offer an upload) instead of using Jingle.
    const server = await startTestServer({ 'modules.http_upload.enabled': false });
    for (const user of users) await server.addUser(user);
    for (const [a, b] of mutual) {
      await server.server.storage.roster.put(a, { jid: `${b}@localhost`, subscription: 'both', groups: [] });
      await server.server.storage.roster.put(b, { jid: `${a}@localhost`, subscription: 'both', groups: [] });
    }
    return {
      label: this.label,
      c2sPort: server.ports.c2s,
      proxyPort: server.server.service('proxy65')!.listening.port,
      certificatePem: readFileSync(join(server.dataDir, 'tls', 'localhost.crt'), 'utf8'),
      isOnline: (fullJid) =>
        server.server.sessions.available(fullJid.split('/')[0]!).some((s) => s.jid.toString() === fullJid),
      stop: () => server.stop(),
    };
  },
};

export const PROSODY_SERVER: DesktopServerKind = {
  label: 'Prosody 0.12',
  unavailable: prosodyUnavailable,
  async start(users, mutual) {
    const { prosody, certificatePem, isBound } = await startDesktopProsody({
      users: Object.fromEntries(users.map((user) => [user, PASSWORD])),
      mutual,
    });
    return {
      label: this.label,
      c2sPort: prosody.ports.c2s,
      proxyPort: prosody.ports.proxy65,
      certificatePem,
      isOnline: isBound,
      stop: () => prosody.stop(),
    };
  },
};
