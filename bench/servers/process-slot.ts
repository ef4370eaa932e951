// A server process that can be replaced by a fresh one (same config, data and ports): measures
// of memory start from a clean process instead of one still holding the previous run's buffers.
export interface Launched {
  pid: number;
  stop(): Promise<void>;
}

export class ProcessSlot {
  #current: Launched;
  readonly #launch: () => Promise<Launched>;

  constructor(first: Launched, launch: () => Promise<Launched>) {
    this.#current = first;
    this.#launch = launch;
  }

  get pid(): number {
    return this.#current.pid;
  }

  async restart(): Promise<void> {
    await this.#current.stop();
    this.#current = await this.#launch();
  }

  stop(): Promise<void> {
    return this.#current.stop();
  }
}
