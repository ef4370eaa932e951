// Holds a byte stream to the size it announced: more bytes than `max` fail at once (a server that
// never stops cannot fill the disk), fewer than `exact` fail at the end (a short PUT body would
// otherwise leave the HTTP server waiting for the rest).
import { Transform, type TransformCallback } from '../platform/index.js';
import { TransferError } from '../transfer-error.js';

export function byteLimit(options: { max: number | undefined; exact?: boolean; what: string }): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      bytes += chunk.length;
      if (options.max !== undefined && bytes > options.max) {
        callback(new TransferError('FERRY_ERR_SIZE_MISMATCH', `${options.what} is longer than ${options.max} bytes`));
        return;
      }
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (options.exact && options.max !== undefined && bytes !== options.max) {
        callback(
          new TransferError(
            'FERRY_ERR_SIZE_MISMATCH',
            `${options.what} gave ${bytes} bytes, not the announced ${options.max}`,
          ),
        );
        return;
      }
      callback();
    },
  });
}
