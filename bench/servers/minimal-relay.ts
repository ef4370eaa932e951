// The reference for measure 1: the least a Node relay can do. A sink connects and sends one line,
// the port of the source; the relay connects to that source and pumps source → sink with one
// reused 64 KiB read buffer (net.connect's `onread`): no allocation per read, and reading pauses
// while a write still holds the buffer (the kernel did not take it all at once), so the buffer is
// never overwritten under a pending write. Half-close is forwarded. Run: node --import tsx <this>.
import { connect, createServer, type Socket } from 'node:net';

const LOOPBACK = '127.0.0.1';

function pump(sourcePort: number, sink: Socket): void {
  const buffer = Buffer.allocUnsafe(64 * 1024);
  let isWaitingForWrite = false;
  const source = connect({
    host: LOOPBACK,
    port: sourcePort,
    onread: {
      buffer,
      callback: (length: number): boolean => {
        sink.write(buffer.subarray(0, length), () => {
          if (isWaitingForWrite) {
            isWaitingForWrite = false;
            source.resume();
          }
        });
        if (sink.writableLength > 0) {
          isWaitingForWrite = true;
          return false; // stop reading until this write has left the buffer
        }
        return true;
      },
    },
  });
  source.setNoDelay(true);
  source.once('end', () => sink.end());
  source.on('error', () => sink.destroy());
  sink.on('error', () => source.destroy());
  sink.once('close', () => source.destroy());
}

const server = createServer({ allowHalfOpen: true }, (sink) => {
  sink.setNoDelay(true);
  let header = '';
  const onHeader = (chunk: Buffer): void => {
    header += chunk.toString('latin1');
    const newline = header.indexOf('\n');
    if (newline < 0) {
      if (header.length > 16) sink.destroy();
      return;
    }
    sink.off('data', onHeader);
    const port = Number(header.slice(0, newline));
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      sink.destroy();
      return;
    }
    pump(port, sink);
  };
  sink.on('data', onHeader);
  sink.on('error', () => sink.destroy());
});

server.listen(0, LOOPBACK, () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`listening ${address.port}\n`);
});
process.once('SIGTERM', () => process.exit(0));
