// Tearing a bytestream down on purpose (abort, error): a TCP reset rather than the FIN of a clean
// end, so the other side sees ECONNRESET instead of a short but "complete" stream.
import type { Socket } from 'node:net';

export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  socket.on('error', () => {}); // a late error from a socket we are discarding
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy(); // not a TCP handle (cannot happen for net.Socket over TCP): close it anyway
  }
}
