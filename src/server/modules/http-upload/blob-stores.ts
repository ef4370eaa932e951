// Which BlobStore holds the bytes, chosen by the `store` option: the one place that knows every
// backend, shared by the running module and the CLI's admin functions.
import { join, resolve } from 'node:path';
import { ConfigError, type Config } from '../../core/config.js';
import { createFilesystemBlobStore } from './blob-store/filesystem.js';
import type { BlobStore } from './blob-store/types.js';
import type { HttpUploadOptions } from './options.js';

export async function openBlobStore(config: Config, options: HttpUploadOptions): Promise<BlobStore> {
  switch (options.store) {
    case 'filesystem':
      return createFilesystemBlobStore(resolve(options.path ?? join(config.data_dir, 'uploads')));
    case 's3':
      // TODO(merge s3 backend): return (await import('./blob-store/s3.js')).createS3BlobStore(options.s3!);
      throw new ConfigError(
        'modules.http_upload.store: "s3" is not available in this build yet (the S3 blob store is not merged); use "filesystem"',
      );
  }
}
