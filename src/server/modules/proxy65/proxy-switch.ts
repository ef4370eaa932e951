// The proxy's listener as an operator changes it while the server runs (admin console, `ferry
// settings`, reload): on/off and a new host or port. A new listener is opened before the old one
// stops accepting, so a port in use fails with its reason and the old listener stays. A listener
// that stops accepting keeps what it accepted: relays go on until they end (or the operator closes
// them); it is closed for good at teardown.
import type { Socks5Listener } from './socks5-listener.js';

export interface ListenAt {
  host: string;
  port: number;
}

export class ProxySwitch {
  readonly #listen: (at: ListenAt) => Promise<Socks5Listener>;
  #current: Socks5Listener | undefined;
  /** What was asked for: port 0 stays 0 here, while the listener's address has the real port. */
  #asked: ListenAt | undefined;
  readonly #retired = new Set<Socks5Listener>();

  constructor(listen: (at: ListenAt) => Promise<Socks5Listener>) {
    this.#listen = listen;
  }

  get isOn(): boolean {
    return this.#current !== undefined;
  }

  /** Where the listener listens now; undefined while off. */
  get address(): ListenAt | undefined {
    const address = this.#current?.address;
    return address ? { host: address.address, port: address.port } : undefined;
  }

  /** On at `at` (a no-op when already listening there). @throws when it cannot listen; nothing changed then. */
  async on(at: ListenAt): Promise<void> {
    if (this.#current && this.#asked?.host === at.host && this.#asked.port === at.port) return;
    const next = await this.#listen(at);
    this.#retire();
    this.#current = next;
    this.#asked = { ...at };
  }

  /** Stops accepting; what was accepted stays until teardown or the relays end. */
  off(): void {
    this.#retire();
    this.#asked = undefined;
  }

  async close(): Promise<void> {
    this.#retire();
    const all = [...this.#retired];
    this.#retired.clear();
    await Promise.all(all.map((listener) => listener.close()));
  }

  #retire(): void {
    if (this.#current === undefined) return;
    this.#current.stopAccepting();
    this.#retired.add(this.#current);
    this.#current = undefined;
  }
}
