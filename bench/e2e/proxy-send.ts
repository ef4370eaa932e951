// `ferry send` with the direct streamhost switched off, for measure 6's "via proxy" case: on
// loopback the Target always reaches the sender's own listener first, and the CLI has no switch
// to skip it. Same library, same login, same manager as src/cli/commands/send.ts; only the
// transport options differ (direct: false, the server's proxy named explicitly).
// Usage: node --import tsx bench/e2e/proxy-send.ts <full-jid> <file> <proxy-jid>
//        with FERRY_JID, FERRY_PASSWORD, FERRY_HOST, FERRY_PORT in the environment.
import { FileTransferManager } from '../../src/client/file-transfer.js';
import { createSocks5Transport } from '../../src/client/index.js';
import { login } from '../../src/cli/login-options.js';

const [to, file, proxy] = process.argv.slice(2);
if (!to || !file || !proxy) {
  console.error('usage: proxy-send.ts <full-jid> <file> <proxy-jid>');
  process.exit(2);
}
const connection = await login({
  host: process.env.FERRY_HOST,
  port: process.env.FERRY_PORT,
  insecure: true,
});
const manager = new FileTransferManager(connection, {
  transports: [createSocks5Transport({ direct: false, proxies: [proxy] })],
  fallbackToIbb: false,
});
try {
  const result = await manager.send(to, file).done;
  console.log(`sent ${result.bytes + result.offset} bytes over ${result.method}`);
} finally {
  manager.close();
  await connection.stop();
}
process.exit(0);
