// The HTTP seam, Node's side: node:http(s) (node/http.ts). A browser build swaps this file for
// browser/http.ts (fetch()), as it swaps index.ts for browser/index.ts.
export { getFile, putFile } from './node/http.js';
export type { GetFile, GetFileRequest, HttpAnswer, PutFile, PutFileRequest } from './http-contract.js';
