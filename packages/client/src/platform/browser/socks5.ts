// XEP-0065 / XEP-0260 need TCP sockets, which a browser does not give scripts: the browser build
// offers IBB only, and anything that still reaches for SOCKS5 fails with the reason.
import type { connectSocks5 as nodeConnectSocks5 } from '@ferry/protocol/socks5/connect';
import type { DirectListener as NodeDirectListener } from '../../transports/socks5/direct-listener.js';
import { TransferError } from '../../transfer-error.js';

const noTcp = () =>
  new TransferError('FERRY_ERR_NO_STREAMHOST', 'SOCKS5 bytestreams need TCP sockets, which a browser does not have');

export const connectSocks5 = ((): Promise<never> => Promise.reject(noTcp())) as unknown as typeof nodeConnectSocks5;

export const DirectListener = {
  open: (): Promise<never> => Promise.reject(noTcp()),
} as unknown as typeof NodeDirectListener;
