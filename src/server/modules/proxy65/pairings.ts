// XEP-0065 §6.3: the proxy pairs SOCKS5 connections by DST.ADDR hash — the first connection with
// a hash is the target's, the second the initiator's, a third is refused — and forgets pairings
// that are not activated in time. Activation hands both sockets to the relay.
import type { Socket } from 'node:net';

export interface Pairing {
  readonly hash: string;
  target: Socket;
  initiator: Socket | undefined;
  isActive: boolean;
  readonly createdAt: number;
  timer: NodeJS.Timeout;
}

export type ActivationCheck =
  | { ok: true; pairing: Pairing & { initiator: Socket } }
  | { ok: false; condition: 'item-not-found' | 'not-allowed' | 'conflict'; text: string };

export class PairingTable {
  readonly #pairings = new Map<string, Pairing>();
  readonly #timeoutMs: number;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** Which role a new connection with this hash would take; undefined when it must be refused. */
  roleFor(hash: string): 'target' | 'initiator' | undefined {
    const pairing = this.#pairings.get(hash);
    if (!pairing) return 'target';
    if (!pairing.initiator && !pairing.isActive) return 'initiator';
    return undefined;
  }

  add(hash: string, socket: Socket): 'target' | 'initiator' {
    const pairing = this.#pairings.get(hash);
    if (!pairing) {
      const timer = setTimeout(() => this.drop(hash), this.#timeoutMs);
      timer.unref();
      this.#pairings.set(hash, {
        hash,
        target: socket,
        initiator: undefined,
        isActive: false,
        createdAt: Date.now(),
        timer,
      });
      socket.once('close', () => this.#onClose(hash, socket));
      return 'target';
    }
    pairing.initiator = socket;
    socket.once('close', () => this.#onClose(hash, socket));
    return 'initiator';
  }

  /** §6.3.5: activation needs both connections and may happen once. */
  check(hash: string): ActivationCheck {
    const pairing = this.#pairings.get(hash);
    if (!pairing) return { ok: false, condition: 'item-not-found', text: 'no connection for this sid and these JIDs' };
    if (pairing.isActive) return { ok: false, condition: 'conflict', text: 'this bytestream is already active' };
    if (!pairing.initiator) return { ok: false, condition: 'not-allowed', text: 'the initiator has not connected yet' };
    return { ok: true, pairing: pairing as Pairing & { initiator: Socket } };
  }

  activate(pairing: Pairing): void {
    pairing.isActive = true;
    clearTimeout(pairing.timer);
  }

  /** Forgets a pairing and closes its sockets (not-activated timeout, shutdown). */
  drop(hash: string): void {
    const pairing = this.#pairings.get(hash);
    if (!pairing) return;
    this.#pairings.delete(hash);
    clearTimeout(pairing.timer);
    pairing.target.destroy();
    pairing.initiator?.destroy();
  }

  get size(): number {
    return this.#pairings.size;
  }

  pendingFrom(address: string): number {
    let count = 0;
    for (const pairing of this.#pairings.values()) {
      if (pairing.isActive) continue;
      if (pairing.target.remoteAddress === address) count += 1;
      if (pairing.initiator?.remoteAddress === address) count += 1;
    }
    return count;
  }

  clear(): void {
    for (const hash of [...this.#pairings.keys()]) this.drop(hash);
  }

  #onClose(hash: string, socket: Socket): void {
    const pairing = this.#pairings.get(hash);
    if (!pairing) return;
    if (pairing.isActive) {
      // The relay owns the sockets now; the entry goes once both are closed.
      if (pairing.target.destroyed && pairing.initiator?.destroyed !== false) {
        this.#pairings.delete(hash);
      }
      return;
    }
    // One side left before activation: the pairing is useless.
    if (socket === pairing.target || socket === pairing.initiator) this.drop(hash);
  }
}
