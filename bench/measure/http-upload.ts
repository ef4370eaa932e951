// Measure 7: XEP-0363 HTTP File Upload. The load generator asks each server's upload service for
// slots over XMPP and moves the bytes over HTTPS on loopback: one large file PUT then GET back
// (throughput, server CPU per GiB, and whether the server's memory stays flat while it streams),
// then many concurrent PUTs (aggregate throughput, fairness, nothing lost).
import { randomBytes, randomFillSync } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent } from 'node:https';
import { BenchConnection } from '../client/connection.js';
import {
  NS_HTTP_UPLOAD,
  discoverUploadService,
  generatedSha256,
  getHashed,
  loopbackAgent,
  putGenerated,
  requestSlot,
  type Slot,
  type UploadService,
} from '../client/http-upload.js';
import { startCost } from '../lib/cost.js';
import { mapLimit } from '../lib/map-limit.js';
import { rssKiB, watchPeakRss } from '../lib/proc-stats.js';
import type { Scope } from '../lib/scope.js';
import { UPLOAD_JID, type BenchServer } from '../servers/types.js';
import type { Sizes } from './sizes.js';
import { GiB, MiB, sizeLabel, type CaseDef, type RunContext, type Sample, type Target } from './types.js';

// Anything slower is broken: give up. Lower than the relay's 5 MiB/s: Prosody as shipped PUTs at
// about 3 MiB/s (its 4 KiB read per event-loop turn; see the report's caveats), which is a result.
const MIN_RATE_BYTES_PER_SECOND = 2 * MiB;
const CONTENT_TYPE = 'application/octet-stream';
const SETUP_CONCURRENCY = 10;
/** The server's RSS "after" is read this long after the load generator closed its connections. */
const SETTLE_MS = 1_000;

export function uploadCases(sizes: Sizes): CaseDef[] {
  const single = sizes.uploadSingleBytes;
  const count = sizes.uploadConcurrentCount;
  const each = sizes.uploadConcurrentBytes;
  const common =
    `The upload service is found by disco#items of the domain and disco#info of each item ` +
    `(${NS_HTTP_UPLOAD}); slots are requested over the bench client's XMPP session, bytes move over HTTPS ` +
    `with node:https (keep-alive agent, TLS to each server's own self-signed ECDSA P-256 certificate, not ` +
    `verified; every host name resolved to 127.0.0.1, the URL's host kept in the Host header). The PUT body is ` +
    `one random 1 MiB block written over and over with backpressure; nothing holds a whole file in memory.`;
  return [
    {
      id: 'upload-single',
      measure: 'upload',
      title: `HTTP upload: one ${sizeLabel(single)} file, PUT then GET`,
      short: `HTTP upload, ${sizeLabel(single)}`,
      method:
        `${common} One slot for ${sizeLabel(single)}; PUT timed from the request to the server's 2xx answer, then ` +
        `GET of the slot's URL timed from the request to the last byte, verified by a SHA-256 computed while ` +
        `it streams in (against the hash of what was sent, computed before the PUT). Server CPU from /proc for ` +
        `each direction. Server RSS: before the PUT, the peak over PUT and GET (VmHWM reset through ` +
        `/proc/PID/clear_refs, plus VmRSS sampled every 50 ms), and ${SETTLE_MS / 1000} s after the client ` +
        `closed its connections; "RSS growth" = peak − before: a server that streams keeps it near 0 whatever ` +
        `the file size. The stored files are deleted after each run (XEP-0363 has no delete).`,
      metrics: [
        { key: 'putMibps', label: 'PUT MiB/s', unit: 'MiB/s', better: 'higher' },
        { key: 'getMibps', label: 'GET MiB/s', unit: 'MiB/s', better: 'higher' },
        { key: 'putCpuPerGiB', label: 'server CPU s/GiB PUT', unit: 's/GiB', better: 'lower' },
        { key: 'getCpuPerGiB', label: 'server CPU s/GiB GET', unit: 's/GiB', better: 'lower' },
        { key: 'clientCpuPerGiB', label: 'client CPU s/GiB', unit: 's/GiB', better: 'none' },
        { key: 'rssBeforeMiB', label: 'RSS before, MiB', unit: 'MiB', better: 'none' },
        { key: 'rssPeakMiB', label: 'RSS peak, MiB', unit: 'MiB', better: 'none' },
        { key: 'rssAfterMiB', label: 'RSS after, MiB', unit: 'MiB', better: 'none' },
        { key: 'rssGrowthMiB', label: 'RSS growth (peak − before), MiB', unit: 'MiB', better: 'lower' },
      ],
      chartMetric: 'putMibps',
      references: [],
      deadlineMs: 60_000 + ((2 * single) / MIN_RATE_BYTES_PER_SECOND) * 1000,
      async run(target, context): Promise<Sample> {
        const { server, pid } = serverOf(target);
        const session = await uploadSession(server, context.scope, 1);
        try {
          const slot = await session.slot(0, single);
          const block = randomFillSync(Buffer.allocUnsafe(MiB));
          const expected = generatedSha256(block, single);
          const agent = trackAgent(context.scope);
          const rssBefore = rssKiB(pid);
          const peak = context.scope.track(watchPeakRss(pid));
          let putCost;
          let getCost;
          let peakKiB: number;
          try {
            const putMeter = startCost(pid);
            const putStartedAt = performance.now();
            const put = await putGenerated(agent, slot, single, block, CONTENT_TYPE);
            putCost = { ...putMeter.stop(), seconds: (put.finishedAt - putStartedAt) / 1000 };
            context.log(`    ${target.label}: ${session.service.jid}, ${put.tls}`);
            const getMeter = startCost(pid);
            const getStartedAt = performance.now();
            const got = await getHashed(agent, slot.getUrl, single);
            getCost = { ...getMeter.stop(), seconds: (got.finishedAt - getStartedAt) / 1000 };
            if (got.sha256 !== expected) throw new Error(`GET returned other bytes than were PUT (SHA-256 differs)`);
          } finally {
            peakKiB = peak.stop();
          }
          agent.destroy();
          await sleep(SETTLE_MS);
          const rssAfter = rssKiB(pid);
          const gib = single / GiB;
          return {
            putMibps: single / MiB / putCost.seconds,
            getMibps: single / MiB / getCost.seconds,
            putCpuPerGiB: putCost.serverCpuSeconds / gib,
            getCpuPerGiB: getCost.serverCpuSeconds / gib,
            clientCpuPerGiB: (putCost.clientCpuSeconds + getCost.clientCpuSeconds) / (2 * gib),
            rssBeforeMiB: rssBefore / 1024,
            rssPeakMiB: peakKiB / 1024,
            rssAfterMiB: rssAfter / 1024,
            rssGrowthMiB: (peakKiB - rssBefore) / 1024,
          };
        } finally {
          clearStore(server, context);
        }
      },
    },
    {
      id: 'upload-concurrent',
      measure: 'upload',
      title: `HTTP upload: ${count} concurrent ${sizeLabel(each)} PUTs`,
      short: `HTTP upload, ${count} × ${sizeLabel(each)}`,
      method:
        `${common} ${count} slots requested first (${SETUP_CONCURRENCY} at a time, spread round-robin over one ` +
        `session per bench account, so ${count} ÷ accounts files per account), then all ${count} PUTs start at ` +
        `once, each on its own HTTPS connection (TLS handshakes included in the time). Aggregate = ` +
        `${count} × ${sizeLabel(each)} ÷ time until the last 2xx answer; fairness = slowest upload's rate ÷ ` +
        `fastest's (1 = perfectly fair); "complete" counts 2xx answers (any failure fails the run). Afterwards ` +
        `the first upload and the slowest are fetched back and checked by SHA-256 (not timed). RSS growth as ` +
        `above, over the PUTs.`,
      metrics: [
        { key: 'mibps', label: 'aggregate MiB/s', unit: 'MiB/s', better: 'higher' },
        { key: 'fairness', label: 'fairness (slowest/fastest)', unit: '', better: 'higher' },
        { key: 'cpuPerGiB', label: 'server CPU s/GiB', unit: 's/GiB', better: 'lower' },
        { key: 'clientCpuPerGiB', label: 'client CPU s/GiB', unit: 's/GiB', better: 'none' },
        { key: 'complete', label: 'complete', unit: '', better: 'higher' },
        { key: 'rssGrowthMiB', label: 'RSS growth (peak − before), MiB', unit: 'MiB', better: 'lower' },
        { key: 'rssAfterMiB', label: 'RSS after, MiB', unit: 'MiB', better: 'none' },
      ],
      chartMetric: 'mibps',
      references: [],
      deadlineMs: 120_000 + ((count * each) / MIN_RATE_BYTES_PER_SECOND) * 1000,
      async run(target, context): Promise<Sample> {
        const { server, pid } = serverOf(target);
        const session = await uploadSession(server, context.scope, Math.min(count, server.accounts.length));
        try {
          const slots = await mapLimit(
            Array.from({ length: count }, (_, index) => index),
            SETUP_CONCURRENCY,
            (index) => session.slot(index, each),
          );
          const block = randomFillSync(Buffer.allocUnsafe(MiB));
          const expected = generatedSha256(block, each);
          const agent = trackAgent(context.scope);
          const rssBefore = rssKiB(pid);
          const peak = context.scope.track(watchPeakRss(pid));
          const meter = startCost(pid);
          const startedAt = performance.now();
          const outcomes = await Promise.allSettled(
            slots.map((slot) => putGenerated(agent, slot, each, block, CONTENT_TYPE)),
          );
          const cost = meter.stop();
          const peakKiB = peak.stop();
          const failures = outcomes.filter((outcome) => outcome.status === 'rejected');
          if (failures.length > 0) {
            const first = (failures[0] as PromiseRejectedResult).reason as Error;
            throw new Error(`${failures.length} of ${count} uploads failed; first: ${first.message}`);
          }
          const finishedAt = outcomes.map(
            (outcome) => (outcome as PromiseFulfilledResult<{ finishedAt: number }>).value.finishedAt,
          );
          const slowest = finishedAt.indexOf(Math.max(...finishedAt));
          for (const index of new Set([0, slowest])) {
            const got = await getHashed(agent, slots[index]!.getUrl, each);
            if (got.sha256 !== expected) throw new Error(`upload ${index}: GET returned other bytes than were PUT`);
          }
          agent.destroy();
          await sleep(SETTLE_MS);
          const rssAfter = rssKiB(pid);
          const rates = finishedAt.map((at) => each / ((at - startedAt) / 1000));
          const total = count * each;
          return {
            mibps: total / MiB / ((Math.max(...finishedAt) - startedAt) / 1000),
            fairness: Math.min(...rates) / Math.max(...rates),
            cpuPerGiB: cost.serverCpuSeconds / (total / GiB),
            clientCpuPerGiB: cost.clientCpuSeconds / (total / GiB),
            complete: count,
            rssGrowthMiB: (peakKiB - rssBefore) / 1024,
            rssAfterMiB: rssAfter / 1024,
          };
        } finally {
          clearStore(server, context);
        }
      },
    },
  ];
}

function serverOf(target: Target): { server: BenchServer; pid: number } {
  if (!target.server || target.pid === undefined) throw new Error(`${target.label} is not a server`);
  return { server: target.server, pid: target.pid };
}

function trackAgent(scope: Scope): Agent {
  const agent = loopbackAgent();
  scope.track({ destroy: () => agent.destroy() });
  return agent;
}

interface UploadSession {
  service: UploadService;
  /** A slot for upload number `index` (sessions taken round-robin). */
  slot(index: number, size: number): Promise<Slot>;
}

/** Logs in `sessions` bench accounts and finds the upload service; fails with "unavailable: …" when there is none. */
async function uploadSession(server: BenchServer, scope: Scope, sessions: number): Promise<UploadSession> {
  const connections = await mapLimit(
    server.accounts.slice(0, Math.max(1, sessions)),
    SETUP_CONCURRENCY,
    async (account) => scope.track(await BenchConnection.login(server.endpoint, account)),
  );
  const service = await discoverUploadService(connections[0]!, server.endpoint.domain);
  if (!service) {
    throw new Error(
      `unavailable: ${server.label} has no ${UPLOAD_JID} component (no disco#items entry of ` +
        `${server.endpoint.domain} announces ${NS_HTTP_UPLOAD})`,
    );
  }
  return {
    service,
    async slot(index: number, size: number): Promise<Slot> {
      if (service.maxFileSize !== undefined && service.maxFileSize < size) {
        throw new Error(`${service.jid} announces max-file-size ${service.maxFileSize}, below ${size}`);
      }
      const connection = connections[index % connections.length]!;
      const name = `bench-${index}-${randomBytes(6).toString('hex')}.bin`;
      return requestSlot(connection, service.jid, { name, size, contentType: CONTENT_TYPE });
    },
  };
}

/** Deletes what the server stored (XEP-0363 has no delete; a full run uploads ~20 GiB per server). */
function clearStore(server: BenchServer, context: RunContext): void {
  const dir = server.upload.storeDir;
  if (dir === undefined) {
    context.log(`  ${server.label}: where it stores uploads is unknown; uploaded files are left on disk`);
    return;
  }
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    // Nothing was stored, or the server stores elsewhere (Ferry: see FERRY_UPLOAD_STORE).
    context.log(`  ${server.label}: no upload store at ${dir}; if uploads succeeded, their files are left on disk`);
    return;
  }
  for (const entry of entries) rmSync(join(dir, entry), { recursive: true, force: true });
}
