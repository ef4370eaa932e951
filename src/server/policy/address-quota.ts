// How many things (connections, pending uploads) one network address may hold at once. proxy65
// counts connections until their bytestream is activated (modules.proxy65.max_pending_per_address),
// which bounds what a client can pin down on the proxy without ever transferring a byte, and
// optionally all addresses together (modules.proxy65.max_pending_total), which bounds what a
// flood from many addresses can pin down.

export class AddressQuota<Holder extends object> {
  readonly #max: number;
  readonly #maxTotal: number;
  readonly #perAddress = new Map<string, number>();
  readonly #holders = new Map<Holder, string>();

  constructor(maxPerAddress: number, options: { maxTotal?: number } = {}) {
    this.#max = maxPerAddress;
    this.#maxTotal = options.maxTotal ?? Number.POSITIVE_INFINITY;
  }

  /**
   * Counts `holder` against `address`; false (and not counted) when the address, or every
   * address together (`isFull`), is at its limit.
   */
  admit(holder: Holder, address: string): boolean {
    if (this.#holders.has(holder)) return true;
    if (this.isFull) return false;
    const count = this.#perAddress.get(address) ?? 0;
    if (count >= this.#max) return false;
    this.#perAddress.set(address, count + 1);
    this.#holders.set(holder, address);
    return true;
  }

  /** No longer held (e.g. activated or closed). Idempotent. */
  release(holder: Holder): void {
    const address = this.#holders.get(holder);
    if (address === undefined) return;
    this.#holders.delete(holder);
    const count = (this.#perAddress.get(address) ?? 1) - 1;
    if (count === 0) this.#perAddress.delete(address);
    else this.#perAddress.set(address, count);
  }

  /** Every address together is at the total limit. */
  get isFull(): boolean {
    return this.#holders.size >= this.#maxTotal;
  }

  /** How many holders there are now, over all addresses. */
  get total(): number {
    return this.#holders.size;
  }

  /** How many holders `address` has now. */
  heldBy(address: string): number {
    return this.#perAddress.get(address) ?? 0;
  }
}
