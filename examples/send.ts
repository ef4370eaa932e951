// The smallest sender: log in, send one file to a JID, wait until the receiver has verified it.
//   FERRY_JID=alice@example.com/laptop FERRY_PASSWORD=… node send.js bob@example.com/phone ./photo.jpg
// FERRY_SERVICE (xmpp://host:port, xmpps://…, wss://…) skips the DNS SRV lookup; FERRY_INSECURE=1
// accepts a self-signed certificate (a test server).
import { connect, createTransports, FileTransferManager, StanzaError, TransferError, xml } from '@ferry/client';

const [to, file] = process.argv.slice(2);
if (!to || !file) throw new Error('usage: send <jid> <file>');

const connection = await connect({
  jid: process.env.FERRY_JID ?? '',
  password: process.env.FERRY_PASSWORD ?? '',
  ...(process.env.FERRY_SERVICE ? { service: process.env.FERRY_SERVICE } : {}),
  insecure: process.env.FERRY_INSECURE === '1',
});
const files = new FileTransferManager(connection, { transports: createTransports({ method: 'auto' }) });
try {
  // Available presence (with the manager's caps): some clients only answer peers they see online.
  await connection.send(xml('presence'));
  const transfer = files.send(to, file, { description: 'sent by the @ferry/client example' });
  transfer.on('progress', ({ bytes, total }) => process.stderr.write(`\r${bytes} / ${total ?? '?'} bytes`));
  const result = await transfer.done;
  process.stderr.write('\n');
  console.log(JSON.stringify({ method: result.method, bytes: result.bytes }));
} catch (error) {
  if (error instanceof TransferError) console.error(`not sent: ${error.code}: ${error.message}`);
  else if (error instanceof StanzaError) console.error(`not sent: the peer answered ${error.condition}`);
  else throw error;
  process.exitCode = 1;
} finally {
  files.close();
  await connection.stop();
}
