// What we know about each uploaded file (the blob store only knows bytes): one record per file in
// the module's key-value store, owner = the uploader's prepared username, key = the file id. The
// store is the truth; an in-memory index (id → record, owner → ids) built at start and kept in step
// on every put and delete answers quota questions and GET lookups without scanning the store.
// Another process sharing the store (a cluster node) adds files this index has not seen: a GET
// for an id it does not know asks the store by id, and a user's records are read again before
// their quota is checked; the whole index is read again at each sweep.
import type { UploadPurposeName } from '@ferry/protocol/payloads/http-upload';
import type { KeyValueStore, Storage } from '../../storage/types.js';
import { MODULE_NAME } from './options.js';

export interface FileRecord {
  owner: string;
  /** Random, ≥ 128 bits: the GET URL's secret and the blob's key. */
  id: string;
  /** The name the uploader gave: the GET URL's last segment and the Content-Disposition. */
  name: string;
  size: number;
  contentType: string;
  /** Hex SHA-256 of the bytes, computed while they streamed in; the ETag. */
  sha256: string;
  /** ms since the epoch. */
  created: number;
  /** ms since the epoch after which the file is never served again; absent = kept until deleted. */
  expires?: number;
  purpose: UploadPurposeName;
}

/** The store's name inside the module (full name: http_upload:files). */
export const FILES_STORE = 'files';

/** For code without a module context (the CLI's admin functions): the same store, by its full name. */
export function openFilesStore(storage: Storage): Promise<KeyValueStore<FileRecord>> {
  return storage.openKeyValue<FileRecord>({ name: `${MODULE_NAME}:${FILES_STORE}` });
}

export class FileRecords {
  readonly #store: KeyValueStore<FileRecord>;
  #byId = new Map<string, FileRecord>();
  #byOwner = new Map<string, Set<string>>();
  #totalBytes = 0;
  /** Adds (record) and removals (null) made while a reload reads the store, replayed over what it read. */
  #changedDuringReload: Map<string, FileRecord | null> | undefined;

  constructor(store: KeyValueStore<FileRecord>) {
    this.#store = store;
  }

  /** Rebuilds the index from the store (at start, and at each sweep to catch deletions made elsewhere). */
  async reload(): Promise<void> {
    const changed = new Map<string, FileRecord | null>();
    this.#changedDuringReload = changed;
    const byId = new Map<string, FileRecord>();
    try {
      for (const owner of await this.#store.owners()) {
        for (const [, record] of await this.#store.entries(owner)) byId.set(record.id, record);
      }
    } finally {
      this.#changedDuringReload = undefined;
    }
    for (const [id, record] of changed) {
      if (record) byId.set(id, record);
      else byId.delete(id);
    }
    this.#byId = new Map();
    this.#byOwner = new Map();
    this.#totalBytes = 0;
    for (const record of byId.values()) this.#index(record);
  }

  /**
   * The record from the store (so a deletion or an upload made by another process is seen), or
   * undefined.
   */
  async get(id: string): Promise<FileRecord | undefined> {
    const indexed = this.#byId.get(id);
    if (!indexed) {
      const found = await this.#store.find(id);
      if (found === undefined || found[1].id !== id || found[1].owner !== found[0]) return undefined;
      this.#index(found[1]);
      return found[1];
    }
    const record = await this.#store.get(indexed.owner, id);
    if (!record) this.#unindex(indexed);
    return record;
  }

  /** Reads one owner's records from the store again: what other processes added or deleted. */
  async refreshOwner(owner: string): Promise<void> {
    const stored = new Map((await this.#store.entries(owner)).map(([id, record]) => [id, record]));
    for (const record of this.ofOwner(owner)) if (!stored.has(record.id)) this.#unindex(record);
    for (const [id, record] of stored) {
      if (record.id === id && record.owner === owner && !this.#byId.has(id)) this.#index(record);
    }
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  async add(record: FileRecord): Promise<void> {
    await this.#store.set(record.owner, record.id, record);
    this.#changedDuringReload?.set(record.id, record);
    this.#index(record);
  }

  /** Deletes the record; returns it, or undefined when there was none. */
  async remove(id: string): Promise<FileRecord | undefined> {
    const record = this.#byId.get(id);
    if (!record) return undefined;
    await this.#store.delete(record.owner, id);
    this.#changedDuringReload?.set(id, null);
    this.#unindex(record);
    return record;
  }

  /** Forgets an account's records in the index (the account store already deleted them). */
  forgetOwner(owner: string): FileRecord[] {
    const records = this.ofOwner(owner);
    for (const record of records) {
      this.#changedDuringReload?.set(record.id, null);
      this.#unindex(record);
    }
    return records;
  }

  ofOwner(owner: string): FileRecord[] {
    return [...(this.#byOwner.get(owner) ?? [])].map((id) => this.#byId.get(id)!);
  }

  all(): IterableIterator<FileRecord> {
    return this.#byId.values();
  }

  get totalBytes(): number {
    return this.#totalBytes;
  }

  #index(record: FileRecord): void {
    const previous = this.#byId.get(record.id);
    if (previous) this.#unindex(previous);
    this.#byId.set(record.id, record);
    let ids = this.#byOwner.get(record.owner);
    if (!ids) this.#byOwner.set(record.owner, (ids = new Set()));
    ids.add(record.id);
    this.#totalBytes += record.size;
  }

  #unindex(record: FileRecord): void {
    if (!this.#byId.delete(record.id)) return;
    const ids = this.#byOwner.get(record.owner);
    ids?.delete(record.id);
    if (ids?.size === 0) this.#byOwner.delete(record.owner);
    this.#totalBytes -= record.size;
  }
}
