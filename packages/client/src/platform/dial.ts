// Connecting to the server, Node's side: TCP and TLS sockets, SRV lookups (../dial.ts). A browser
// build swaps this file for browser/dial.ts (WebSocket only), as it swaps index.ts and http.ts.
export { dial, tlsOptionsFor } from '../dial.js';
