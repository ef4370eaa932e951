// The RFC 1928 subset XEP-0065 uses, for the server's proxy and the client alike.
export { dstAddrHash } from './hash.js';
export {
  ATYP,
  COMMAND,
  METHOD,
  REPLY,
  SOCKS_VERSION,
  decodeGreeting,
  decodeMethodSelection,
  decodeReply,
  decodeRequest,
  describeReply,
  encodeConnectRequest,
  encodeGreeting,
  encodeMethodSelection,
  encodeReply,
  encodeRequest,
  type Address,
  type AddressType,
  type Decoded,
  type Greeting,
  type MethodSelection,
  type Reply,
  type Request,
} from './codec.js';
export {
  ServerHandshake,
  type AcceptResult,
  type ServerAction,
  type ServerHandshakeState,
} from './server-handshake.js';
export {
  ClientHandshake,
  type ClientAction,
  type ClientFailure,
  type ClientHandshakeState,
} from './client-handshake.js';
export {
  acceptSocks5,
  connectSocks5,
  type AcceptSocks5Options,
  type ConnectSocks5Options,
  type Socks5Request,
} from './connect.js';
export { Socks5Error, type Socks5ErrorCode, type Socks5ErrorOptions } from './errors.js';
