// A bot that accepts files into a folder until stopped (Ctrl-C): offers from the JIDs in
// FERRY_BOT_ALLOW (comma-separated bare JIDs; everyone when unset) and up to FERRY_BOT_MAX_BYTES
// (default 1 GiB) are saved under their sanitised name; others are declined with a reason.
//   FERRY_JID=inbox@example.com/bot FERRY_PASSWORD=… node bot.js ./inbox
import { join } from 'node:path';
import {
  connect,
  createTransports,
  FileTransferManager,
  sanitizeFileName,
  StanzaError,
  TransferError,
  xml,
  type FileOffer,
} from '@ferry/client';

const folder = process.argv[2] ?? '.';
const allowed = new Set(
  (process.env.FERRY_BOT_ALLOW ?? '')
    .split(',')
    .map((jid) => jid.trim())
    .filter(Boolean),
);
const maxBytes = Number(process.env.FERRY_BOT_MAX_BYTES ?? 2 ** 30);

const connection = await connect({
  jid: process.env.FERRY_JID ?? '',
  password: process.env.FERRY_PASSWORD ?? '',
  ...(process.env.FERRY_SERVICE ? { service: process.env.FERRY_SERVICE } : {}),
  insecure: process.env.FERRY_INSECURE === '1',
});
const files = new FileTransferManager(connection, { transports: createTransports({ method: 'auto' }) });
const stopping = new AbortController();

files.on('offer', (offer: FileOffer) => {
  const sender = offer.from.bare().toString();
  if (allowed.size > 0 && !allowed.has(sender)) return offer.decline('not on the allow list');
  if ((offer.size ?? 0) > maxBytes) return offer.decline(`larger than ${maxBytes} bytes`);
  const path = join(folder, `${Date.now()}-${sanitizeFileName(offer.name)}`);
  offer.accept({ to: path, signal: stopping.signal }).then(
    (result) => console.log(`${sender}: ${path} (${result.bytes} bytes)`),
    (error: unknown) => {
      if (error instanceof TransferError) console.error(`${sender}: ${offer.name}: ${error.code}`);
      else if (error instanceof StanzaError) console.error(`${sender}: ${offer.name}: ${error.condition}`);
      else if (!stopping.signal.aborted) console.error(`${sender}: ${offer.name}:`, error);
    },
  );
});
connection.onDisconnect(() => {
  console.error('disconnected');
  process.exitCode = 1;
  files.close();
});

await connection.send(xml('presence'));
console.log(`accepting files into ${folder}`);
process.once('SIGINT', () => {
  stopping.abort();
  files.close();
  void connection.stop();
});
