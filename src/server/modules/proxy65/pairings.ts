// XEP-0065 §6.3: the proxy pairs SOCKS5 connections by DST.ADDR hash. The first connection with a
// hash is the Target's (§6.3.2, it connects before answering streamhost-used), the second the
// Requester's (§6.3.4), a third is refused. A pairing not activated in time is dropped with both of
// its sockets, and so is one whose side leaves before activation. Activation hands both sockets
// to the relay; the entry stays (so a second activation is a conflict) until the relay releases it.

/** What the table needs of a socket; net.Socket in the module, a fake in unit tests. */
export interface PairedSocket {
  destroy(): void;
  /** A TCP reset, so a dropped pairing never reads as an empty but complete file. */
  resetAndDestroy?(): void;
  once(event: 'close', listener: () => void): unknown;
}

export type Role = 'target' | 'initiator';

interface Pairing<S> {
  readonly target: S;
  initiator: S | undefined;
  isActive: boolean;
  timer: NodeJS.Timeout | undefined;
}

export type Activation<S> =
  | { ok: true; initiator: S; target: S; /** The relay is over: forget the pairing. */ release(): void }
  | { ok: false; condition: 'item-not-found' | 'not-allowed' | 'conflict'; text: string };

export interface PairingTableOptions {
  activationTimeoutMs: number;
  /** A pairing was dropped before activation: 'expired' (timeout) or 'closed' (a side left). */
  onDropped?: (hash: string, reason: 'expired' | 'closed') => void;
}

export class PairingTable<S extends PairedSocket> {
  readonly #pairings = new Map<string, Pairing<S>>();
  readonly #timeoutMs: number;
  readonly #onDropped: (hash: string, reason: 'expired' | 'closed') => void;

  constructor(options: PairingTableOptions) {
    this.#timeoutMs = options.activationTimeoutMs;
    this.#onDropped = options.onDropped ?? (() => {});
  }

  /** Records a connection whose CONNECT carried `hash`; undefined means refuse it. */
  connect(hash: string, socket: S): Role | undefined {
    const existing = this.#pairings.get(hash);
    if (existing && (existing.initiator !== undefined || existing.isActive)) return undefined;
    if (existing) {
      existing.initiator = socket;
    } else {
      const pairing: Pairing<S> = { target: socket, initiator: undefined, isActive: false, timer: undefined };
      // The activation deadline runs from the first connection: the Requester has had the
      // streamhost-used result since then and has no reason to wait.
      pairing.timer = setTimeout(() => this.#drop(hash, pairing, 'expired'), this.#timeoutMs);
      this.#pairings.set(hash, pairing);
    }
    socket.once('close', () => {
      const pairing = this.#pairings.get(hash);
      if (pairing && !pairing.isActive && (pairing.target === socket || pairing.initiator === socket)) {
        this.#drop(hash, pairing, 'closed');
      }
    });
    return existing ? 'initiator' : 'target';
  }

  /** §6.3.5: activation needs both connections and happens once. */
  activate(hash: string): Activation<S> {
    const pairing = this.#pairings.get(hash);
    if (!pairing) {
      return { ok: false, condition: 'item-not-found', text: 'no SOCKS5 connection for this sid and these JIDs' };
    }
    if (pairing.isActive) return { ok: false, condition: 'conflict', text: 'this bytestream is already active' };
    if (!pairing.initiator) {
      return { ok: false, condition: 'not-allowed', text: 'only the target has connected; the initiator has not' };
    }
    pairing.isActive = true;
    clearTimeout(pairing.timer);
    return {
      ok: true,
      initiator: pairing.initiator,
      target: pairing.target,
      release: () => {
        if (this.#pairings.get(hash) === pairing) this.#pairings.delete(hash);
      },
    };
  }

  /** Shutdown: drops waiting pairings with their sockets. Active ones belong to their relay. */
  /** Drops every pairing not yet activated (its connections closed); active relays go on. */
  dropPending(): number {
    let dropped = 0;
    for (const [hash, pairing] of [...this.#pairings]) {
      if (pairing.isActive) continue;
      clearTimeout(pairing.timer);
      this.#destroy(pairing);
      this.#pairings.delete(hash);
      dropped += 1;
    }
    return dropped;
  }

  clear(): void {
    for (const [hash, pairing] of [...this.#pairings]) {
      clearTimeout(pairing.timer);
      if (!pairing.isActive) this.#destroy(pairing);
      this.#pairings.delete(hash);
    }
  }

  get size(): number {
    return this.#pairings.size;
  }

  #drop(hash: string, pairing: Pairing<S>, reason: 'expired' | 'closed'): void {
    if (this.#pairings.get(hash) !== pairing || pairing.isActive) return;
    this.#pairings.delete(hash);
    clearTimeout(pairing.timer);
    this.#destroy(pairing);
    this.#onDropped(hash, reason);
  }

  #destroy(pairing: Pairing<S>): void {
    for (const socket of [pairing.target, pairing.initiator]) {
      if (!socket) continue;
      if (socket.resetAndDestroy) socket.resetAndDestroy();
      else socket.destroy();
    }
  }
}
