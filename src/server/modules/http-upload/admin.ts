// For `ferry uploads` (the CLI): list and delete uploads with the server stopped or running, from
// an opened Storage and the config alone — no module context, no listener. Deleting while the
// server runs is safe: a GET reads the record from the store, so a deleted file is a 404 at once.
import { ConfigError, describeIssues, type Config } from '../../core/config.js';
import type { Storage } from '../../storage/types.js';
import { openBlobStore } from './blob-stores.js';
import { openFilesStore, type FileRecord } from './file-records.js';
import { MODULE_NAME, httpUploadOptions, type HttpUploadOptions } from './options.js';

/** The module's options as the server would read them from `config`. @throws ConfigError */
export function readUploadOptions(config: Config): HttpUploadOptions {
  const { enabled: _enabled, ...raw } = config.modules[MODULE_NAME] ?? {};
  const parsed = httpUploadOptions.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration:\n${describeIssues(parsed.error.issues, ['modules', MODULE_NAME])}`);
  }
  return parsed.data;
}

/** Every upload's record (one account's with `owner`, a prepared username), oldest first. */
export async function listUploads(
  storage: Storage,
  _config: Config,
  filter: { owner?: string } = {},
): Promise<FileRecord[]> {
  const store = await openFilesStore(storage);
  const owners = filter.owner === undefined ? await store.owners() : [filter.owner];
  const records: FileRecord[] = [];
  for (const owner of owners) for (const [, record] of await store.entries(owner)) records.push(record);
  return records.sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
}

/** Deletes the upload's record, then its bytes; false when there was no such upload. */
export async function deleteUpload(storage: Storage, config: Config, id: string): Promise<boolean> {
  const store = await openFilesStore(storage);
  let owner: string | undefined;
  for (const candidate of await store.owners()) {
    if ((await store.get(candidate, id)) !== undefined) {
      owner = candidate;
      break;
    }
  }
  if (owner === undefined) return false;
  await store.delete(owner, id);
  const blobs = await openBlobStore(config, readUploadOptions(config));
  try {
    await blobs.delete(id);
  } finally {
    await blobs.close();
  }
  return true;
}

/** Deletes the bytes of these uploads (their records are gone with their account). */
export async function deleteUploadsOf(config: Config, records: readonly FileRecord[]): Promise<void> {
  if (records.length === 0) return;
  const blobs = await openBlobStore(config, readUploadOptions(config));
  try {
    for (const record of records) await blobs.delete(record.id);
  } finally {
    await blobs.close();
  }
}
