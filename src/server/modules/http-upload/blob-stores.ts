// Which BlobStore holds the bytes, chosen by the `store` option: the one place that knows every
// backend, shared by the running module and the CLI's admin functions.
import { join, resolve } from 'node:path';
import type { Config } from '../../core/config.js';
import { createFilesystemBlobStore } from './blob-store/filesystem.js';
import type { BlobStore } from './blob-store/types.js';
import type { HttpUploadOptions } from './options.js';

export async function openBlobStore(config: Config, options: HttpUploadOptions): Promise<BlobStore> {
  switch (options.store) {
    case 'filesystem':
      return createFilesystemBlobStore(resolve(options.path ?? join(config.data_dir, 'uploads')));
    case 's3': {
      const s3 = options.s3!; // the options' refine makes store = 's3' come with its table
      // Loaded only when configured: the AWS SDK is large and most servers keep files on disk.
      const { createS3BlobStore } = await import('./blob-store/s3.js');
      return createS3BlobStore({
        ...(s3.endpoint === undefined ? {} : { endpoint: s3.endpoint }),
        region: s3.region,
        bucket: s3.bucket,
        accessKeyId: s3.access_key_id,
        secretAccessKey: s3.secret_access_key,
        forcePathStyle: s3.force_path_style,
        prefix: s3.prefix,
      });
    }
  }
}
