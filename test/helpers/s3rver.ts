// A local S3-compatible server for tests: s3rver, in-process on 127.0.0.1 with an ephemeral port,
// its buckets in a temporary directory.
import S3rver from 's3rver';
import { tempDir } from './files.js';

export interface LocalS3 {
  readonly s3rver: S3rver;
  /** http://127.0.0.1:PORT once started. */
  endpoint(): string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Credentials s3rver accepts (its built-in pair). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export function localS3(buckets: readonly string[]): LocalS3 {
  const dir = tempDir('ferry-s3rver-');
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir.path,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  let endpoint = '';
  return {
    s3rver,
    endpoint: () => endpoint,
    async start() {
      const { port } = await s3rver.run();
      endpoint = `http://127.0.0.1:${port}`;
    },
    async stop() {
      await s3rver.close();
      dir.remove();
    },
  };
}
