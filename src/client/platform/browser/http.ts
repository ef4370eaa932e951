// XEP-0363 upload and link downloads use node:http(s) (upload/http-request.ts). In the browser
// build they are not available yet: a request fails at once with a coded error, never silently.
// TODO: upload and download with fetch() and Web Streams.
import type * as NodeHttp from 'node:http';
import type * as NodeHttps from 'node:https';
import { TransferError } from '../../transfer-error.js';

function request(): never {
  throw new TransferError(
    'FERRY_ERR_HTTP',
    'HTTP upload and link downloads are not available in the browser build yet',
  );
}

export const http = { request } as unknown as typeof NodeHttp;
export const https = { request } as unknown as typeof NodeHttps;
