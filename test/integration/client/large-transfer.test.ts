// A 1 GiB file alice → bob through the FileTransferManager over SOCKS5 via Ferry's own proxy
// (XEP-0065 §6, mediated), streamed from a generator into a hashing sink: the bytes arrive intact
// (sha256 on both sides) and the process's memory stays flat. The server, the proxy and both
// clients all run in this one process, so flat memory here means no layer buffers the file.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { startConnectionPair, type ConnectionPair } from '../../helpers/connection-pair.js';
import { hashingSink, patternStream } from '../../helpers/files.js';
import { withTimeout } from '../../helpers/xmpp-client.js';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { createSocks5Transport } from '@ferry/client';

const MiB = 1024 * 1024;
const SIZE = 1024 * MiB;
/** The whole transfer, offer to last byte; the runner gives each test 120 s. */
const TRANSFER_TIMEOUT_MS = 110_000;
/**
 * Peak growth allowed over the value sampled just before the offer. Flat streaming holds a few
 * MiB at any moment: the 1 MiB pattern, 256 KiB + 64 KiB stream high-water marks on each side,
 * socket write queues bounded by back-pressure. On top of that comes GC slack: every 64 KiB
 * socket read, on bob and on both proxy sockets, is a fresh Buffer freed only at V8's next
 * collection. Measured: +36–47 MiB RSS, +28–37 MiB arrayBuffers, also with other test files
 * loading the machine. 200 MiB leaves room for a slower CI machine's GC schedule and is still
 * a fifth of the file; a sink that keeps what it receives fails at +1 GiB (tried).
 */
const MAX_GROWTH = 200 * MiB;

interface MemorySample {
  rss: number;
  arrayBuffers: number;
}

/** Samples process.memoryUsage() every `intervalMs` until stop(); reports the peaks. */
function sampleMemory(intervalMs: number) {
  const read = (): MemorySample => {
    const { rss, arrayBuffers } = process.memoryUsage();
    return { rss, arrayBuffers };
  };
  const start = read();
  const peak = { ...start };
  let samples = 1;
  const take = () => {
    const now = read();
    peak.rss = Math.max(peak.rss, now.rss);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers);
    samples += 1;
  };
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return {
        start,
        peak,
        samples,
        growth: { rss: peak.rss - start.rss, arrayBuffers: peak.arrayBuffers - start.arrayBuffers },
      };
    },
  };
}

/** A pass-through that hashes what the sender hands to the transfer: the reference digest. */
function hashingTap(): Transform & { digest(): string; bytes: number } {
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      tap.bytes += chunk.length;
      callback(null, chunk);
    },
  }) as Transform & { digest(): string; bytes: number };
  tap.bytes = 0;
  tap.digest = () => hash.digest('hex');
  return tap;
}

const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

describe('large transfer: 1 GiB over SOCKS5 via the proxy, in flat memory', () => {
  let pair: ConnectionPair;
  before(async () => {
    pair = await startConnectionPair();
  });
  after(() => pair.stop());

  it(
    'moves 1 GiB from a stream into a stream, sha256-identical, without buffering it',
    { timeout: 120_000 },
    async (t) => {
      const transports = () => [createSocks5Transport({ direct: false })];
      const sender = new FileTransferManager(pair.alice, { transports: transports(), acceptTimeoutMs: 10_000 });
      const receiver = new FileTransferManager(pair.bob, { transports: transports(), streamTimeoutMs: 10_000 });
      const sink = hashingSink();
      const source = patternStream(SIZE).pipe(hashingTap());
      let received: Promise<unknown> = Promise.resolve();
      receiver.once('offer', (offer) => {
        received = offer.accept({ to: sink });
      });

      const memory = sampleMemory(100);
      const started = performance.now();
      let report: ReturnType<typeof memory.stop>;
      try {
        const transfer = sender.send(pair.bob.jid.toString(), source, {
          method: 'si',
          size: SIZE,
          name: 'one-gibibyte.bin',
        });
        const sent = await withTimeout(transfer.done, TRANSFER_TIMEOUT_MS, 'the 1 GiB transfer (sender)');
        await withTimeout(received, 10_000, 'the receiver finishing after the sender');
        assert.equal(sent.method, 'socks5');
        assert.equal(sent.bytes, SIZE);
      } finally {
        report = memory.stop();
        sender.close();
        receiver.close();
      }
      const elapsed = performance.now() - started;
      const { start, peak, growth, samples } = report;
      t.diagnostic(
        `${mib(SIZE)} in ${(elapsed / 1000).toFixed(1)} s (${mib((SIZE / elapsed) * 1000)}/s); ` +
          `rss ${mib(start.rss)} → peak ${mib(peak.rss)} (+${mib(growth.rss)}), ` +
          `arrayBuffers ${mib(start.arrayBuffers)} → peak ${mib(peak.arrayBuffers)} (+${mib(growth.arrayBuffers)}), ` +
          `${samples} samples`,
      );

      assert.equal(source.bytes, SIZE);
      assert.equal(sink.bytes, SIZE);
      assert.equal(sink.digest(), source.digest());
      assert.ok(growth.rss < MAX_GROWTH, `RSS grew by ${mib(growth.rss)} (bound ${mib(MAX_GROWTH)})`);
      assert.ok(
        growth.arrayBuffers < MAX_GROWTH,
        `ArrayBuffer memory grew by ${mib(growth.arrayBuffers)} (bound ${mib(MAX_GROWTH)})`,
      );
    },
  );
});
