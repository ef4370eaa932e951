// Retention: removes files past their expiry (expire_after_days, or an ephemeral file's own
// deadline) and blobs whose metadata is gone — an account deleted while the server was stopped
// (`ferry accounts delete` deletes the records with the account, but cannot reach the blobs), or a
// crash between storing a blob and writing its record. Runs at start and then on an unref'd timer.
import type { UploadRuntime } from './runtime.js';

export interface SweepReport {
  expired: number;
  orphans: number;
}

export class Sweeper {
  readonly #runtime: UploadRuntime;
  /** Blob key → when a sweep first found it without a record. Lives only as long as the module. */
  readonly #orphansSeen = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<SweepReport> | undefined;

  constructor(runtime: UploadRuntime) {
    this.#runtime = runtime;
  }

  start(intervalMs: number): void {
    const run = () => {
      this.sweep().catch((error: unknown) => this.#runtime.logger.error({ err: error }, 'HTTP upload sweep failed'));
    };
    run();
    this.#timer = setInterval(run, intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a sweep under way. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }

  /** One pass; concurrent calls share it. `now` (ms) lets a test sweep as if days had passed. */
  sweep(now?: number): Promise<SweepReport> {
    this.#running ??= this.#sweep(now).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #sweep(at: number | undefined): Promise<SweepReport> {
    const { records, blobs, logger, inFlight } = this.#runtime;
    // Re-read the store: records deleted by another process (the CLI) leave the index here.
    await records.reload();
    const now = at ?? this.#runtime.now();
    let expired = 0;
    for (const record of [...records.all()]) {
      if (record.expires === undefined || record.expires > now) continue;
      // The record first: once it is gone nobody is served the file, whatever happens to the blob.
      await records.remove(record.id);
      await blobs.delete(record.id);
      expired += 1;
    }
    const grace = this.#runtime.options.orphan_grace_seconds * 1000;
    let orphans = 0;
    const stillOrphaned = new Set<string>();
    for await (const key of blobs.keys()) {
      if (records.has(key) || inFlight.has(key)) continue;
      stillOrphaned.add(key);
      const firstSeen = this.#orphansSeen.get(key) ?? now;
      this.#orphansSeen.set(key, firstSeen);
      if (now - firstSeen < grace) continue;
      await blobs.delete(key);
      this.#orphansSeen.delete(key);
      orphans += 1;
    }
    for (const key of this.#orphansSeen.keys()) if (!stillOrphaned.has(key)) this.#orphansSeen.delete(key);
    if (expired + orphans > 0) logger.info({ expired, orphans }, 'HTTP upload sweep removed files');
    return { expired, orphans };
  }
}
