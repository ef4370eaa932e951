// Test files and byte streams with known hashes, never held whole in memory.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';

export function tempDir(prefix = 'ferry-files-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function writeRandomFile(path: string, size: number): string {
  const data = randomBytes(size);
  writeFileSync(path, data);
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `size` bytes of a repeating pseudo-random 1 MiB pattern, produced on demand. */
export function patternStream(size: number): Readable {
  const pattern = randomBytes(1024 * 1024);
  let sent = 0;
  return new Readable({
    highWaterMark: 256 * 1024,
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      const length = Math.min(pattern.length, size - sent);
      sent += length;
      this.push(length === pattern.length ? pattern : pattern.subarray(0, length));
    },
  });
}

/** A sink that only hashes and counts. */
export function hashingSink(): Writable & { digest(): string; bytes: number } {
  const hash = createHash('sha256');
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      sink.bytes += chunk.length;
      callback();
    },
  }) as Writable & { digest(): string; bytes: number };
  sink.bytes = 0;
  sink.digest = () => hash.digest('hex');
  return sink;
}
