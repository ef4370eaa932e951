// What the `ferry` CLI tells peers it supports (disco#info features), read from the client library
// it is built on: the same FileTransferManager over the same transports as `ferry receive`
// (createTransports({ method: 'auto' })). Interop suites use it to decide at run time which cases
// this build can pass, e.g. skip the Jingle SOCKS5 (XEP-0260) cases until the client has it.
import { FileTransferManager, createTransports } from '@ferry/client';
import { NS } from '@ferry/protocol/namespaces';
import { loginConnection } from './connection-pair.js';

/** The disco#info features of a Ferry client logged in as `username` (an account of the server on `c2sPort`). */
export async function ferryClientFeatures(c2sPort: number, username: string): Promise<string[]> {
  const connection = await loginConnection(c2sPort, username, 'feature-probe');
  const manager = new FileTransferManager(connection, {
    transports: createTransports({ method: 'auto' }),
    identity: { type: 'console', name: 'Ferry' },
  });
  try {
    return manager.entity.info.features;
  } finally {
    manager.close();
    await connection.stop();
  }
}

/** Whether the client offers and accepts Jingle SOCKS5 Bytestreams (XEP-0260). */
export function hasJingleSocks5(features: readonly string[]): boolean {
  return features.includes(NS.JINGLE_S5B);
}

/** The skip reason of the cases that need XEP-0260 in the client. */
export const NEEDS_JINGLE_S5B = 'needs XEP-0260 in the client';
