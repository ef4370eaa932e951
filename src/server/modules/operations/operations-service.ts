// What an operator can see and do on a running server, as one typed service (`operations`): the
// local control socket (`ferry status`, `sessions`, `transfers`, `kick`) and the admin console both
// read and act through it, so the two never disagree about what is running.
import type { ClusterView } from '../../cluster/cluster-view.js';

/** A session bound to this server. */
export interface SessionView {
  /** Full JID. */
  readonly jid: string;
  /** The client's address and port, as the transport saw it. */
  readonly address: string;
  readonly transport: 'tcp' | 'direct-tls' | 'websocket';
  /** Whether the stream is encrypted (STARTTLS, direct TLS or wss). */
  readonly tls: boolean;
  /** When the resource was bound (ISO 8601). */
  readonly since: string;
  /** Whether the session sent available presence. */
  readonly available: boolean;
}

export type TransferMethod = 'socks5-relay' | 'ibb' | 'upload' | 'download';

/** A transfer the server is carrying or serving right now. */
export interface TransferView {
  /** Stable while the transfer runs (the SOCKS5 DST.ADDR, the IBB sid, the upload's id). */
  readonly id: string;
  readonly method: TransferMethod;
  /** Sender's JID, when the server knows it (an upload's owner, the IBB or SOCKS5 initiator). */
  readonly from?: string;
  /** Receiver's JID, when the server knows it (the IBB or SOCKS5 target). */
  readonly to?: string;
  /** The HTTP client's address, for uploads and downloads (added with the control socket; optional). */
  readonly address?: string;
  /** Bytes moved so far. */
  readonly bytes: number;
  /** Announced total, when known (upload slot size, a download's Content-Length). */
  readonly size?: number;
  /** Recent rate, bytes per second, averaged over the last few seconds. */
  readonly bytesPerSecond: number;
  /** When the transfer started (ISO 8601). */
  readonly since: string;
}

export interface StatusView {
  readonly version: string;
  readonly domain: string;
  readonly pid: number;
  /** ISO 8601. */
  readonly startedAt: string;
  readonly uptimeSeconds: number;
  readonly sessions: number;
  readonly transfers: number;
  /** Totals since start. */
  readonly totals: {
    readonly transfersCompleted: number;
    readonly bytesRelayed: number;
    readonly bytesUploaded: number;
    readonly bytesDownloaded: number;
  };
  /** What listens where, e.g. { c2s: '127.0.0.1:5222', proxy65: '0.0.0.0:7777' }. */
  readonly listeners: Readonly<Record<string, string>>;
  /** On a cluster node: this node's id and every node with its sessions (`sessions` above is this node's). */
  readonly cluster?: ClusterView;
}

export interface Operations {
  status(): StatusView;
  sessions(): SessionView[];
  transfers(): TransferView[];
  /**
   * Ends every session of a bare JID, or the one of a full JID, with a stream error
   * (`policy-violation` and the given text); resolves to how many sessions were closed.
   */
  kick(jid: string, reason?: string): Promise<number>;
}

/** Why an operation was refused: `code` is stable (the control socket sends it as is). */
export class OperationError extends Error {
  readonly code: 'bad-request' | 'not-found' | 'unavailable';
  constructor(code: OperationError['code'], message: string) {
    super(message);
    this.name = 'OperationError';
    this.code = code;
  }
}

declare module '../../core/services.js' {
  interface Services {
    operations: Operations;
  }
}
