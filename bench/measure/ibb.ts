// Measure 2: XEP-0047 In-Band Bytestreams through the server. The Requester opens an IBB session
// with the Target's full JID and sends <data/> in <iq type='set'/>; the Target acknowledges each
// with an empty result. "Ack-paced" waits for each result before the next block (window 1); a
// window of N keeps N blocks unacknowledged. The Target decodes nothing but checks every block's
// seq and counts the decoded size from the base64 length.
import { randomBytes } from 'node:crypto';
import { BenchConnection } from '../client/connection.js';
import { attribute } from '../client/xml-scanner.js';
import { startCost } from '../lib/cost.js';
import type { Scope } from '../lib/scope.js';
import type { BenchServer } from '../servers/types.js';
import type { Sizes } from './sizes.js';
import { MiB, sizeLabel, type CaseDef, type Sample } from './types.js';

const NS_IBB = 'http://jabber.org/protocol/ibb';

interface IbbVariant {
  id: string;
  blockSize: number;
  window: number;
}

/** Decoded bytes of a base64 run without decoding it. */
function base64Bytes(text: string, start: number, end: number): number {
  let padding = 0;
  if (text.charCodeAt(end - 1) === 0x3d) padding += 1;
  if (text.charCodeAt(end - 2) === 0x3d) padding += 1;
  return ((end - start) / 4) * 3 - padding;
}

/** The Target: answers every iq set, counts data, checks seq order. */
function receive(connection: BenchConnection, sid: string): { bytes: () => number; error: () => Error | undefined } {
  let bytes = 0;
  let nextSeq = 0;
  let error: Error | undefined;
  connection.onStanza = (stanza) => {
    if (!stanza.startsWith('<iq') || attribute(stanza, 'type') !== 'set') return;
    const dataAt = stanza.indexOf('<data');
    if (dataAt >= 0) {
      const textStart = stanza.indexOf('>', dataAt) + 1;
      const textEnd = stanza.indexOf('</data>', textStart);
      const tag = stanza.slice(dataAt, textStart);
      if (attribute(tag, 'sid') !== sid || Number(attribute(tag, 'seq')) !== nextSeq) {
        error ??= new Error(`IBB: expected seq ${nextSeq} of ${sid}, got ${tag}`);
      }
      nextSeq = (nextSeq + 1) & 0xffff;
      bytes += base64Bytes(stanza, textStart, textEnd);
    }
    connection.write(`<iq type='result' to='${attribute(stanza, 'from')}' id='${attribute(stanza, 'id')}'/>`);
  };
  return { bytes: () => bytes, error: () => error };
}

/** The Requester: keeps up to `window` data iqs unanswered until `total` bytes are acknowledged. */
function send(connection: BenchConnection, to: string, sid: string, total: number, variant: IbbVariant): Promise<void> {
  const block = randomBytes(variant.blockSize).toString('base64');
  const blocks = Math.ceil(total / variant.blockSize);
  const lastSize = total - (blocks - 1) * variant.blockSize;
  const lastBlock = randomBytes(lastSize).toString('base64');
  let sent = 0;
  let acknowledged = 0;
  return new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      while (sent < blocks && sent - acknowledged < variant.window) {
        const payload = sent === blocks - 1 ? lastBlock : block;
        connection.write(
          `<iq type='set' to='${to}' id='d${sent}'><data xmlns='${NS_IBB}' seq='${sent & 0xffff}' sid='${sid}'>${payload}</data></iq>`,
        );
        sent += 1;
      }
    };
    connection.onStanza = (stanza) => {
      if (!stanza.startsWith('<iq')) return;
      const type = attribute(stanza, 'type');
      if (type === 'error') {
        reject(new Error(`IBB block refused: ${stanza.slice(0, 500)}`));
        return;
      }
      if (type !== 'result' || !attribute(stanza, 'id')?.startsWith('d')) return;
      acknowledged += 1;
      if (acknowledged === blocks) resolve();
      else pump();
    };
    pump();
  });
}

async function runIbb(server: BenchServer, scope: Scope, total: number, variant: IbbVariant): Promise<Sample> {
  const [requesterAccount, targetAccount] = server.accounts;
  const requester = scope.track(await BenchConnection.login(server.endpoint, requesterAccount!, { presence: true }));
  const target = scope.track(await BenchConnection.login(server.endpoint, targetAccount!, { presence: true }));
  const sid = randomBytes(8).toString('hex');
  const received = receive(target, sid);
  const meter = startCost(server.pid);
  await requester.iq(
    'set',
    target.jid,
    `<open xmlns='${NS_IBB}' block-size='${variant.blockSize}' sid='${sid}' stanza='iq'/>`,
  );
  await send(requester, target.jid, sid, total, variant);
  await requester.iq('set', target.jid, `<close xmlns='${NS_IBB}' sid='${sid}'/>`);
  const cost = meter.stop();
  const error = received.error();
  if (error) throw error;
  if (received.bytes() !== total) throw new Error(`IBB: received ${received.bytes()} of ${total} bytes`);
  return {
    mibps: total / MiB / cost.wallSeconds,
    cpuPerMiB: cost.serverCpuSeconds / (total / MiB),
    clientCpuPerMiB: cost.clientCpuSeconds / (total / MiB),
    rssMiB: cost.serverRssAfterKiB / 1024,
  };
}

export function ibbCases(sizes: Sizes): CaseDef[] {
  const total = sizes.ibbBytes;
  const variants: IbbVariant[] = [
    { id: 'ibb-4096-acked', blockSize: 4096, window: 1 },
    { id: 'ibb-65535-window16', blockSize: 65535, window: 16 },
  ];
  return variants.map((variant) => ({
    id: variant.id,
    measure: 'ibb' as const,
    title:
      variant.window === 1
        ? `IBB through the server: ${sizeLabel(total)}, block ${variant.blockSize}, ack-paced`
        : `IBB through the server: ${sizeLabel(total)}, block ${variant.blockSize}, window ${variant.window}`,
    short:
      variant.window === 1
        ? `IBB ${variant.blockSize} ack-paced, ${sizeLabel(total)}`
        : `IBB ${variant.blockSize} window ${variant.window}, ${sizeLabel(total)}`,
    method:
      `IBB session (open, data in iq set, close) between two accounts' full JIDs; block-size ` +
      `${variant.blockSize}, ${variant.window === 1 ? 'each block waits for the previous result' : `up to ${variant.window} blocks unacknowledged`}. ` +
      `Payload MiB/s counts file bytes (not base64), from <open/> to the <close/> result.`,
    metrics: [
      { key: 'mibps', label: 'payload MiB/s', unit: 'MiB/s', better: 'higher' },
      { key: 'cpuPerMiB', label: 'server CPU s/MiB', unit: 's/MiB', better: 'lower' },
      { key: 'clientCpuPerMiB', label: 'client CPU s/MiB', unit: 's/MiB', better: 'none' },
      { key: 'rssMiB', label: 'server RSS after, MiB', unit: 'MiB', better: 'none' },
    ],
    chartMetric: 'mibps',
    references: [],
    deadlineMs: 60_000 + (total / (256 * 1024)) * 1000, // gives up below 256 KiB/s
    run: (target, { scope }) => runIbb(target.server!, scope, total, variant),
  }));
}
