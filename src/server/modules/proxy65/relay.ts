// XEP-0065 §6.3.6: after activation the proxy relays bytes both ways. Each direction is a minimal
// pump: what is read from one socket is written to the other, and a write that the kernel cannot
// take at once stops the reader until it has — so a slow reader slows the writer instead of
// filling the proxy's memory. An optional token bucket stops the reader the same way. A half-close
// is forwarded once the pending bytes are flushed (end() queues the FIN behind them), so the last
// bytes always arrive; an error on either side resets both. Bytes are counted as they are read.
//
// Reads go into one buffer per socket, reused for every read (net.Socket's `onread`), as in the
// minimal relay the benchmark measures Ferry against: Node's default read path allocates a fresh
// 64 KiB buffer for every read, and at relay speeds that garbage (external memory, which V8
// answers with full mark-compact collections of the whole server's heap) cost more CPU than the
// copying itself. A buffer is only read into again once the write of its previous bytes has
// completed (socket.writableLength back to 0): a write the kernel does not take at once keeps
// pointing into the buffer. Node 20 has no `onread` for accepted sockets, so the relay takes the
// TCP handle over from the accepted socket (see adopt()); a socket it cannot take over safely is
// relayed through its 'data' events as before.
import { Socket } from 'node:net';
import { TokenBucket } from '../../policy/index.js';

export interface RelayOptions {
  /** Per direction; 0 = unlimited. */
  bytesPerSecond: number;
}

export interface RelayStats {
  /** Bytes relayed from the initiator to the target, and back. */
  bytesToTarget: number;
  bytesToInitiator: number;
  durationMs: number;
  /** Ended by an error, a reset or shutdown rather than both sides closing normally. */
  isAborted: boolean;
}

export interface Relay {
  /** Cuts both connections now (shutdown); onDone still reports, with isAborted. */
  stop(): void;
  /** Bytes relayed so far, both directions: read when asked (operators), never per chunk. */
  readonly bytes: number;
}

/**
 * One per relayed socket, allocated once. Twice Node's own 64 KiB reads: on loopback fewer, larger
 * reads and writes per byte measured about 10% more throughput and 15% less CPU than 64 KiB.
 */
const READ_BUFFER_BYTES = 128 * 1024;

/** One end of the relay. */
interface Side {
  /** What the relay reads from and writes to: the accepted socket, or a new one on its handle. */
  readonly socket: Socket;
  /** The accepted socket whose handle `socket` took over; closed when the relay is over. */
  readonly original: Socket | undefined;
  /** Reads land here (reused), or undefined: the socket is read through 'data' events. */
  readonly buffer: Buffer | undefined;
  /** Bytes the accepted socket had read (and unshifted) before the relay: the stream's first bytes. */
  readonly early: readonly Buffer[];
}

interface Pump {
  readonly bytes: number;
  /** The source's `onread` callback (its buffer holds `length` new bytes); false: stop reading. */
  onRead(length: number): boolean;
  /** Starts (or resumes) reading, unless a write or the bandwidth limit holds it back. */
  start(): void;
  dispose(): void;
}

export function startRelay(
  initiator: Socket,
  target: Socket,
  options: RelayOptions,
  onDone: (stats: RelayStats) => void,
): Relay {
  const startedAt = performance.now();
  let isAborted = false;
  let isDone = false;
  let open = 2;
  // A pump needs both sides, a side needs its pump's read callback: reads only start (start(),
  // below) once both pumps exist.
  const pumps: { toTarget?: Pump; toInitiator?: Pump } = {};
  const from = adopt(initiator, (length) => pumps.toTarget!.onRead(length));
  const to = adopt(target, (length) => pumps.toInitiator!.onRead(length));
  const sides = [from, to];
  const abort = (): void => {
    isAborted = true;
    // A reset, not a FIN: the survivor must not mistake a broken relay for the end of the file.
    for (const { socket } of sides) {
      if (!socket.destroyed) socket.resetAndDestroy();
    }
  };
  const pumpToTarget = (pumps.toTarget = pump(from, to.socket, options.bytesPerSecond));
  const pumpToInitiator = (pumps.toInitiator = pump(to, from.socket, options.bytesPerSecond));
  const onClose = (socket: Socket): void => {
    // A socket that closes without its end-of-stream (destroyed, not half-closed) lost bytes.
    if (!socket.readableEnded) abort();
    open -= 1;
    if (open > 0) return;
    isDone = true;
    pumpToTarget.dispose();
    pumpToInitiator.dispose();
    for (const { original } of sides) original?.destroy();
    onDone({
      bytesToTarget: pumpToTarget.bytes,
      bytesToInitiator: pumpToInitiator.bytes,
      durationMs: performance.now() - startedAt,
      isAborted,
    });
  };
  for (const { socket, original } of sides) {
    // Each side's FIN is forwarded by its pump; the socket itself must not answer it with its own
    // FIN, or bytes still travelling the other way would be cut off.
    socket.allowHalfOpen = true;
    socket.setNoDelay(true);
    socket.on('error', abort);
    socket.once('close', () => onClose(socket));
    // Its owner (the SOCKS5 listener, at shutdown) may still close the accepted socket: that
    // ends the relay as it did when the accepted socket carried the bytes itself.
    original?.once('close', () => {
      if (!isDone) abort();
    });
  }
  // Both were paused since their SOCKS5 reply; early bytes come out first.
  pumpToTarget.start();
  pumpToInitiator.start();
  return {
    stop: abort,
    get bytes() {
      return pumpToTarget.bytes + pumpToInitiator.bytes;
    },
  };
}

/** What the relay needs of Node's TCP handle to read into its own buffer. */
interface StreamHandle {
  readStop(): number;
  useUserBuffer(buffer: Uint8Array): void;
}

/** Socket fields Node keeps private: adopt() reads them to decide whether it is safe, and clears `_handle`. */
interface SocketInternals {
  _handle?: StreamHandle | null;
  _readableState?: { ended?: boolean };
}

/**
 * Moves the accepted socket's TCP handle to a new net.Socket that reads into one reused buffer
 * (`onread`), with `onRead(length)` called for every read (false: stop reading until resume()).
 * Only when nothing can be lost: a plain, open TCP socket, not flowing, with no write pending, no
 * 'data' listener and no end-of-stream seen yet; whatever it had already read is returned as `early`.
 * Otherwise the socket is relayed as it is, through 'data' events.
 */
function adopt(socket: Socket, onRead: (length: number) => boolean): Side {
  const internals = socket as unknown as SocketInternals;
  const handle = internals._handle;
  const isAdoptable =
    Object.getPrototypeOf(socket) === Socket.prototype &&
    typeof handle?.useUserBuffer === 'function' &&
    typeof handle.readStop === 'function' &&
    internals._readableState?.ended === false &&
    !socket.destroyed &&
    !socket.connecting &&
    socket.readableFlowing !== true &&
    socket.readableEncoding === null &&
    socket.listenerCount('data') === 0 &&
    socket.writableLength === 0 &&
    !socket.writableEnded;
  if (!isAdoptable) return { socket, original: undefined, buffer: undefined, early: [] };
  // What the socket read before it was paused, or got back through unshift(): still its to send.
  const early: Buffer[] = [];
  for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) {
    early.push(chunk);
  }
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  // Takes the handle (it reads for the new socket from now on) and stops its reading until start().
  const adopted = new Socket({
    handle,
    allowHalfOpen: true,
    pauseOnCreate: true,
    onread: { buffer, callback: onRead },
  } as ConstructorParameters<typeof Socket>[0]);
  // The accepted socket keeps its listeners (and its owners' bookkeeping) but no longer touches
  // the connection: destroying it later closes nothing, it only emits its 'close'.
  internals._handle = null;
  return { socket: adopted, original: socket, buffer, early };
}

function pump(from: Side, to: Socket, bytesPerSecond: number): Pump {
  const source = from.socket;
  const bucket = bytesPerSecond > 0 ? new TokenBucket(bytesPerSecond) : undefined;
  let bytes = 0;
  let isWaitingForWrite = false;
  let throttle: NodeJS.Timeout | undefined;
  const resumeIfClear = (): void => {
    if (!isWaitingForWrite && throttle === undefined) source.resume();
  };
  /** Spends `length` from the bandwidth budget; false when reading must wait for a while. */
  const isWithinLimit = (length: number): boolean => {
    const waitMs = bucket ? bucket.take(length) : 0;
    if (waitMs <= 0) return true;
    throttle = setTimeout(() => {
      throttle = undefined;
      resumeIfClear();
    }, waitMs);
    return false;
  };

  let onRead: (length: number) => boolean = () => false; // 'data' events instead
  const buffer = from.buffer;
  if (buffer) {
    // One function for every write: Node batches the callbacks of writes done synchronously.
    const onWritten = (): void => {
      if (!isWaitingForWrite || to.writableLength > 0) return;
      isWaitingForWrite = false;
      resumeIfClear();
    };
    onRead = (length: number): boolean => {
      bytes += length;
      to.write(length === buffer.length ? buffer : buffer.subarray(0, length), onWritten);
      // Not taken at once: the pending write points into `buffer`, so no read until it is done.
      if (to.writableLength > 0) isWaitingForWrite = true;
      return isWithinLimit(length) && !isWaitingForWrite;
    };
    let earlyBytes = 0;
    for (const chunk of from.early) {
      earlyBytes += chunk.length;
      to.write(chunk, onWritten);
    }
    if (earlyBytes > 0) {
      bytes += earlyBytes;
      if (to.writableLength > 0) isWaitingForWrite = true;
      isWithinLimit(earlyBytes);
    }
  } else {
    source.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      // The chunk is ours to keep: the write may hold it, reading only waits for 'drain'.
      if (!to.write(chunk)) {
        isWaitingForWrite = true;
        source.pause();
      }
      if (!isWithinLimit(chunk.length)) source.pause();
    });
    to.on('drain', () => {
      isWaitingForWrite = false;
      resumeIfClear();
    });
  }
  source.once('end', () => to.end());
  return {
    onRead,
    get bytes() {
      return bytes;
    },
    start: resumeIfClear,
    dispose() {
      clearTimeout(throttle);
    },
  };
}
