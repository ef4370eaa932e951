// The smallest receiver: log in, accept the first file offered into a folder, then log out.
//   FERRY_JID=bob@example.com/phone FERRY_PASSWORD=… node receive.js ./downloads
// Prints `ready` once it is online, then one JSON line with where the verified file was written.
import { join } from 'node:path';
import {
  connect,
  createTransports,
  FileTransferManager,
  sanitizeFileName,
  TransferError,
  xml,
  type FileOffer,
} from '@ferry/client';

const folder = process.argv[2] ?? '.';

const connection = await connect({
  jid: process.env.FERRY_JID ?? '',
  password: process.env.FERRY_PASSWORD ?? '',
  ...(process.env.FERRY_SERVICE ? { service: process.env.FERRY_SERVICE } : {}),
  insecure: process.env.FERRY_INSECURE === '1',
});
const files = new FileTransferManager(connection, { transports: createTransports({ method: 'auto' }) });
const firstOffer = new Promise<FileOffer>((resolve) => files.once('offer', resolve));
await connection.send(xml('presence'));
console.log('ready');
try {
  const offer = await firstOffer;
  // The sender names the file: never trust it as a path.
  const path = join(folder, sanitizeFileName(offer.name));
  await offer.accept({ to: path });
  console.log(JSON.stringify({ from: offer.from.toString(), path, size: offer.size }));
} catch (error) {
  if (!(error instanceof TransferError)) throw error;
  console.error(`not received: ${error.code}: ${error.message}`);
  process.exitCode = 1;
} finally {
  files.close();
  await connection.stop();
}
