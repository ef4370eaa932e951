// What `ferry doctor` (client side) knows going in, and what each check leaves for the next:
// where the server is, the connections, the services found. Owned by one run; closed at its end.
import type { Jid } from '@ferry/protocol/jid';
import type { XmppConnection } from '@ferry/client/internal/connection';
import type { TlsTrust } from '@ferry/client/internal/dial';
import type { SrvResolver } from '@ferry/client/internal/endpoints';

export interface ClientDoctorState {
  /** The account, bare. */
  jid: Jid;
  password: string;
  /** Where the password came from, for the fix of a failed login. */
  passwordFrom: string;
  flags: {
    host: string | undefined;
    port: number | undefined;
    /** Given: direct TLS is expected there, and its absence fails. */
    directTlsPort: number | undefined;
    caFile: string | undefined;
  };
  trust: TlsTrust;
  timeoutMs: number;
  /** A random tag for this run's resources. */
  tag: string;
  /** SRV lookups (default: node:dns with this run's timeout); tests inject a fake one. */
  resolveSrv?: SrvResolver;
  // Found on the way.
  c2s?: { host: string; port: number };
  directTls?: { host: string; port: number; isExpected: boolean; why: string };
  /** The address the c2s connection reached (what "public" means for the NAT check). */
  serverAddress?: string;
  connection?: XmppConnection;
  receiver?: XmppConnection;
  proxy?: { jid: string; host: string; port: number };
  upload?: { jid: string; maxFileSize: number | undefined };
}

/** Logs both connections out, each bounded: the report is already printed. */
export async function closeClientState(state: ClientDoctorState): Promise<void> {
  const stops = [state.connection, state.receiver].map((connection) => connection?.stop().catch(() => {}));
  await Promise.race([Promise.all(stops), new Promise((resolve) => setTimeout(resolve, 1_500).unref())]);
}
