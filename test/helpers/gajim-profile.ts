// The profile a test Gajim starts with, written before its first start so that nothing needs a
// click: settings.sqlite (created with Gajim's own schema, gajim.common.settings.CREATE_SQL) with
// the account (custom host 127.0.0.1 + the test port, STARTTLS, its password in the database, no
// keyring), no update check, no start-chat help, and an open chat with each contact (so that the
// GAction open-chat selects it instead of opening the "Start / Join Chat" dialog); cert_store/
// with the server's certificate (Gajim trusts any PEM there); for SOCKS5, no LAN addresses offered
// (ft_send_local_ips off), 127.0.0.1 on a free port as its own streamhost, proxy.<domain> as its proxy.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const PYTHON = '/usr/bin/python3';
/** A chat seeded besides the contacts' (no such account needed): something to switch away to. */
export const SPARE_CHAT = 'spare@localhost';

export interface GajimProfile {
  /** XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_CACHE_HOME of the Gajim to start. */
  env: NodeJS.ProcessEnv;
  /** Gajim's account name (the JID's local part) and the JID's parts. */
  account: string;
  domain: string;
  resource: string;
  password: string;
  c2sPort: number;
  certificatePem: string;
  /** Bare JIDs to have an open chat with. */
  contacts: string[];
  /** Gajim's own SOCKS5 listener port. */
  fileTransfersPort: number;
}

const SEED = `
import json, sqlite3, sys, uuid
from gajim.common.settings import CREATE_SQL
path, app, account, account_settings, chats = sys.argv[1:]
con = sqlite3.connect(path)
con.executescript(CREATE_SQL)
con.execute("UPDATE settings SET settings = ? WHERE name = 'app'", (app,))
con.execute("UPDATE settings SET settings = ? WHERE name = 'workspaces'",
            (json.dumps({str(uuid.uuid4()): {'chats': json.loads(chats)}}),))
con.execute('INSERT INTO account_settings(account, settings) VALUES (?, ?)', (account, account_settings))
con.commit()
con.close()
`;

export async function seedProfile(o: GajimProfile): Promise<void> {
  const configDir = join(o.env.XDG_CONFIG_HOME!, 'gajim');
  const certStore = join(o.env.XDG_DATA_HOME!, 'gajim', 'cert_store');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(certStore, { recursive: true });
  mkdirSync(o.env.XDG_CACHE_HOME!, { recursive: true });
  writeFileSync(join(certStore, 'ferry-test.pem'), o.certificatePem);
  const app = {
    use_keyring: false,
    check_for_update: false,
    show_help_start_chat: false,
    // SOCKS5: its own streamhost on loopback only, on a port nothing else uses.
    file_transfers_port: o.fileTransfersPort,
    ft_add_hosts_to_send: '127.0.0.1',
  };
  const accountSettings = {
    account: {
      name: o.account,
      hostname: o.domain,
      password: o.password,
      resource: o.resource,
      active: true,
      use_custom_host: true,
      custom_host: '127.0.0.1',
      custom_port: o.c2sPort,
      custom_type: 'START TLS',
      ft_send_local_ips: false,
      use_ft_proxies: true,
      file_transfer_proxies: `proxy.${o.domain}`,
    },
    contact: {},
    group_chat: {},
  };
  const chats = [...o.contacts, SPARE_CHAT].map((jid, position) => ({
    account: o.account,
    jid: { __type: 'JID', value: jid },
    type: 'contact',
    pinned: false,
    position,
  }));
  await run(
    PYTHON,
    [
      '-c',
      SEED,
      join(configDir, 'settings.sqlite'),
      JSON.stringify(app),
      o.account,
      JSON.stringify(accountSettings),
      JSON.stringify(chats),
    ],
    { env: o.env, timeout: 20_000 },
  );
}
