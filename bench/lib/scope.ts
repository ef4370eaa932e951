// Everything a measurement opens (sockets, connections, servers, timers) is tracked by its scope
// and closed when the run ends, whether it finished, failed or hit its deadline.
export interface Disposable {
  destroy(): void;
}

export class Scope {
  readonly #items = new Set<Disposable>();
  #isDisposed = false;

  track<T extends Disposable>(item: T): T {
    if (this.#isDisposed) {
      item.destroy();
      throw new Error('scope already closed (deadline passed)');
    }
    this.#items.add(item);
    return item;
  }

  /** A listening server, closed with its connections. */
  trackServer<T extends { close(): unknown; closeAllConnections?: () => void }>(server: T): T {
    this.track({ destroy: () => server.close() });
    return server;
  }

  get isDisposed(): boolean {
    return this.#isDisposed;
  }

  dispose(): void {
    this.#isDisposed = true;
    for (const item of this.#items) {
      try {
        item.destroy();
      } catch {
        // closing is best effort
      }
    }
    this.#items.clear();
  }
}
