// Measure 3: message routing. Pairs of sessions (sender → receiver's full JID), each pair sending
// its share of the total as small chat messages. Senders keep at most WINDOW messages in flight
// (sent but not yet received), so the servers are loaded but their queues stay bounded, and write
// in batches so the client stays cheap. Receivers count <message/> stanzas and check the last id.
import { BenchConnection } from '../client/connection.js';
import { attribute } from '../client/xml-scanner.js';
import { mapLimit } from '../lib/map-limit.js';
import { startCost } from '../lib/cost.js';
import type { Scope } from '../lib/scope.js';
import type { BenchServer } from '../servers/types.js';
import type { Sizes } from './sizes.js';
import type { CaseDef, Sample } from './types.js';

const WINDOW = 1_000;
const BATCH = 100;

interface Pair {
  sender: BenchConnection;
  receiver: BenchConnection;
  count: number;
  sent: number;
  received: number;
}

async function openPairs(server: BenchServer, scope: Scope, pairs: number): Promise<BenchConnection[][]> {
  const accounts = server.accounts;
  return mapLimit(
    Array.from({ length: pairs }, (_, index) => index),
    10,
    async (index) => {
      const sender = scope.track(
        await BenchConnection.login(server.endpoint, accounts[(2 * index) % accounts.length]!, {
          resource: `send${index}`,
          presence: true,
        }),
      );
      const receiver = scope.track(
        await BenchConnection.login(
          server.receiverEndpoint ?? server.endpoint,
          accounts[(2 * index + 1) % accounts.length]!,
          {
            resource: `recv${index}`,
            presence: true,
          },
        ),
      );
      return [sender, receiver];
    },
  );
}

function runPair(pair: Pair): Promise<void> {
  const { sender, receiver, count } = pair;
  const to = receiver.jid;
  const pump = (): void => {
    while (pair.sent < count && pair.sent - pair.received < WINDOW) {
      const batch = Math.min(BATCH, count - pair.sent, WINDOW - (pair.sent - pair.received));
      let text = '';
      for (let i = 0; i < batch; i += 1) {
        const n = pair.sent + i;
        text += `<message to='${to}' type='chat' id='m${n}'><body>benchmark message ${n}</body></message>`;
      }
      pair.sent += batch;
      sender.write(text);
    }
  };
  return new Promise<void>((resolve, reject) => {
    receiver.onStanza = (stanza) => {
      if (!stanza.startsWith('<message')) return;
      pair.received += 1;
      if (pair.received === count) {
        const lastId = attribute(stanza, 'id');
        if (lastId !== `m${count - 1}`) reject(new Error(`last message id ${lastId}, expected m${count - 1}`));
        else resolve();
      } else if (pair.sent - pair.received <= WINDOW / 2) {
        pump();
      }
    };
    sender.onStanza = (stanza) => {
      if (stanza.startsWith('<message') && attribute(stanza, 'type') === 'error') {
        reject(new Error(`message bounced: ${stanza.slice(0, 300)}`));
      }
    };
    pump();
  });
}

async function runMessages(server: BenchServer, scope: Scope, total: number, pairCount: number): Promise<Sample> {
  const connections = await openPairs(server, scope, pairCount);
  // Let the initial presence broadcasts settle before timing.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const share = Math.floor(total / pairCount);
  const pairs: Pair[] = connections.map(([sender, receiver], index) => ({
    sender: sender!,
    receiver: receiver!,
    count: index === 0 ? total - share * (pairCount - 1) : share,
    sent: 0,
    received: 0,
  }));
  const meter = startCost(server.pids ?? server.pid);
  await Promise.all(pairs.map(runPair));
  const cost = meter.stop();
  return {
    perSecond: total / cost.wallSeconds,
    cpuPer100k: (cost.serverCpuSeconds * 100_000) / total,
    clientCpuPer100k: (cost.clientCpuSeconds * 100_000) / total,
    rssMiB: cost.serverRssAfterKiB / 1024,
  };
}

export function messageCases(sizes: Sizes): CaseDef[] {
  const total = sizes.messages;
  return [1, 50].map((pairCount) => ({
    id: `messages-${pairCount}-pair${pairCount === 1 ? '' : 's'}`,
    measure: 'messages' as const,
    title: `Message routing: ${total.toLocaleString('en')} messages, ${pairCount} pair${pairCount === 1 ? '' : 's'}`,
    short: `Messages, ${total.toLocaleString('en')}, ${pairCount} pair${pairCount === 1 ? '' : 's'}`,
    method:
      `${pairCount} sender/receiver session pair${pairCount === 1 ? '' : 's'} (initial presence sent), ` +
      `${total.toLocaleString('en')} <message type='chat'/> of ~90 bytes in all, to the receiver's full JID; ` +
      `at most ${WINDOW} in flight per pair, written in batches of ${BATCH}. Timed from the first send ` +
      `to the last receipt; every receiver must get exactly its share, the last one with the last id.`,
    metrics: [
      { key: 'perSecond', label: 'messages/s', unit: 'msg/s', better: 'higher' },
      { key: 'cpuPer100k', label: 'server CPU s/100k', unit: 's/100k', better: 'lower' },
      { key: 'clientCpuPer100k', label: 'client CPU s/100k', unit: 's/100k', better: 'none' },
      { key: 'rssMiB', label: 'server RSS after, MiB', unit: 'MiB', better: 'none' },
    ],
    chartMetric: 'perSecond',
    references: [],
    deadlineMs: 60_000 + total, // gives up below ~1,000 messages/s
    run: (target, { scope }) => runMessages(target.server!, scope, total, pairCount),
  }));
}
