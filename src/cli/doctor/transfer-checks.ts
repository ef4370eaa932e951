// `ferry doctor` steps 7–8: real bytes. A loop-back XEP-0096 transfer between two resources of the
// same account, once through the server's SOCKS5 proxy (XEP-0065 §6, mediated: neither side offers
// or takes a direct connection) and once over IBB (XEP-0047); then an XEP-0363 upload: slot, PUT,
// GET. Small random data, SHA-256 compared end to end; nothing touches the disk.
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { connect, type XmppConnection } from '@ferry/client/internal/connection';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { createIbbTransport, createSocks5Transport } from '@ferry/client';
import type { TransferError } from '@ferry/client/internal/transfer-error';
import type { BytestreamTransport } from '@ferry/client/internal/transports/bytestream';
import { HTTP_DEFAULTS, sendRequest, type HttpSettings } from '@ferry/client/internal/upload/http-request';
import { HttpUploader } from '@ferry/client/internal/upload/http-uploader';
import type { ClientDoctorState } from './client-state.js';
import { describe, fail, pass, type Check, type Verdict } from './runner.js';

const TRANSFER_BYTES = 64 * 1024;
const UPLOAD_BYTES = 16 * 1024;

/** A Writable that keeps only the SHA-256 of what it is given. */
class HashSink extends Writable {
  readonly #hash = createHash('sha256');
  bytes = 0;
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.#hash.update(chunk);
    this.bytes += chunk.length;
    done();
  }
  digest(): string {
    return this.#hash.digest('hex');
  }
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The second resource of the account, made once per run: the receiving end of the loop-back. */
async function receiverOf(state: ClientDoctorState, signal: AbortSignal): Promise<XmppConnection> {
  state.receiver ??= await connect({
    jid: `${state.jid.toString()}/doctor-${state.tag}-receiver`,
    password: state.password,
    host: state.c2s!.host,
    port: state.c2s!.port,
    insecure: state.trust.insecure,
    caFile: state.flags.caFile,
    timeoutMs: state.timeoutMs,
    signal,
  });
  return state.receiver;
}

interface Loopback {
  method: string;
  streamhost: string | undefined;
  bytes: number;
}

/** Sends random bytes from the login connection to the receiver, each side with `transports()`. */
async function loopback(
  state: ClientDoctorState,
  signal: AbortSignal,
  transports: () => BytestreamTransport[],
): Promise<Loopback> {
  const sender = state.connection!;
  const receiver = await receiverOf(state, signal);
  const data = randomBytes(TRANSFER_BYTES);
  const options = {
    fallbackToIbb: false, // the point is to know whether this method works
    acceptTimeoutMs: state.timeoutMs,
    streamTimeoutMs: state.timeoutMs,
    discoTimeoutMs: state.timeoutMs,
    links: false,
    identity: { type: 'console', name: 'Ferry doctor' },
  };
  const sending = new FileTransferManager(sender, { ...options, transports: transports() });
  const receiving = new FileTransferManager(receiver, { ...options, transports: transports() });
  const sink = new HashSink();
  try {
    const received = new Promise<void>((resolve, reject) => {
      receiving.once('offer', (offer) => {
        if (!offer.from.equals(sender.jid)) {
          offer.decline('not the doctor');
          return reject(new Error(`an offer from ${offer.from.toString()} came in instead`));
        }
        offer.accept({ to: sink, signal }).then(() => resolve(), reject);
      });
    });
    received.catch(() => {});
    const transfer = sending.send(receiver.jid.toString(), Readable.from([data]), {
      name: `ferry-doctor-${state.tag}.bin`,
      size: data.length,
      hash: createHash('md5').update(data).digest('hex'),
      method: 'si',
      signal,
    });
    const [result] = await Promise.all([transfer.done, received]);
    if (sink.bytes !== data.length || sink.digest() !== sha256(data))
      throw new Error(`the receiver got ${sink.bytes} bytes that do not match the ${data.length} sent`);
    return { method: result.method, streamhost: result.streamhost, bytes: data.length };
  } finally {
    sending.close();
    receiving.close();
  }
}

export const proxyTransferCheck: Check<ClientDoctorState> = {
  name: 'transfer socks5',
  needs: ['socks5 proxy'],
  async run(state, signal) {
    const proxy = state.proxy!;
    const transports = () => [
      createSocks5Transport({
        direct: false,
        proxies: [proxy.jid],
        candidateTimeoutMs: state.timeoutMs,
        negotiationTimeoutMs: state.timeoutMs,
        discoveryTimeoutMs: state.timeoutMs,
      }),
    ];
    try {
      const result = await loopback(state, signal, transports);
      if (result.streamhost !== proxy.jid)
        return fail(
          `the bytes went by ${result.streamhost ?? result.method}, not ${proxy.jid}`,
          'the proxy was not used: run with --debug',
        );
      return pass(`${result.bytes / 1024} KiB to itself via ${proxy.jid} (mediated), SHA-256 matches`);
    } catch (error) {
      if (signal.aborted) throw error;
      return transferFailure(error, `through ${proxy.jid}`, {
        FERRY_ERR_NO_STREAMHOST: `the proxy's advertised address does not work for transfers: modules.proxy65.advertised_host / advertised_port, and TCP ${proxy.port} open`,
        FERRY_ERR_ACTIVATION:
          'the proxy refused to activate: check modules.proxy65.acl (who may use it) and the server log',
      });
    }
  },
};

export const ibbTransferCheck: Check<ClientDoctorState> = {
  name: 'transfer ibb',
  needs: ['login'],
  async run(state, signal) {
    try {
      const result = await loopback(state, signal, () => [createIbbTransport({})]);
      return pass(`${result.bytes / 1024} KiB to itself over ${result.method}, SHA-256 matches`);
    } catch (error) {
      if (signal.aborted) throw error;
      return transferFailure(error, 'over IBB', {
        FERRY_ERR_IBB: 'the server refused IBB data: is limits.max_stanza_bytes below the block size?',
      });
    }
  },
};

function transferFailure(error: unknown, how: string, fixes: Record<string, string>): Verdict {
  const code = (error as TransferError).code;
  return fail(
    `the loop-back transfer ${how} failed: ${describe(error)}`,
    (code && fixes[code]) ?? 'run with --debug; the server log names the stanza that failed',
  );
}

export const uploadCheck: Check<ClientDoctorState> = {
  name: 'upload',
  needs: ['disco upload'],
  async run(state, signal) {
    const connection = state.connection!;
    const http: HttpSettings = {
      ...HTTP_DEFAULTS,
      tls: connection.tls,
      connectTimeoutMs: state.timeoutMs,
      stallTimeoutMs: state.timeoutMs,
    };
    const uploader = new HttpUploader(connection, { http, requestTimeoutMs: state.timeoutMs });
    const data = randomBytes(UPLOAD_BYTES);
    let url: string | undefined;
    try {
      const upload = uploader.upload(Readable.from([data]), {
        name: `ferry-doctor-${state.tag}.bin`,
        size: data.length,
        mimeType: 'application/octet-stream',
        signal,
      });
      const uploaded = await upload.done;
      url = uploaded.url;
      const response = await sendRequest({ method: 'GET', url, headers: {}, signal }, http);
      const sink = new HashSink();
      for await (const chunk of response) sink.write(chunk as Buffer);
      if (response.statusCode !== 200)
        return fail(
          `GET ${url}: HTTP ${response.statusCode ?? '?'}`,
          'the upload was stored but cannot be fetched: see the server log',
        );
      if (sink.digest() !== sha256(data))
        return fail(
          `GET ${url} returned ${sink.bytes} bytes that do not match the ${data.length} uploaded`,
          'something between here and the HTTPS listener (a reverse proxy at http.public_url?) changes bodies',
        );
      return pass(`${UPLOAD_BYTES / 1024} KiB PUT and GET at ${new URL(url).host}, SHA-256 matches`);
    } catch (error) {
      if (signal.aborted) throw error;
      return uploadFailure(error, url);
    }
  },
};

function uploadFailure(error: unknown, url: string | undefined): Verdict {
  const code = (error as TransferError).code;
  const detail = `${url ? `GET ${url}: ` : ''}${describe(error)}`;
  switch (code) {
    case 'FERRY_ERR_UPLOAD_REFUSED':
    case 'FERRY_ERR_FILE_TOO_LARGE':
      return fail(
        detail,
        'the service refused a slot: check modules.http_upload.acl, its quotas (daily_quota_bytes, user_quota_bytes, global_quota_bytes) and allowed_types',
      );
    case 'FERRY_ERR_TLS_UNTRUSTED':
      return fail(
        detail,
        "pass --ca-file FILE with the HTTPS listener's CA, or give it a trusted certificate (tls.cert_file)",
      );
    case 'FERRY_ERR_INSECURE_URL':
      return fail(detail, 'slot URLs must be https: set http.public_url to an https:// address');
    case 'FERRY_ERR_CONNECTION_REFUSED':
    case 'FERRY_ERR_DNS':
    case 'FERRY_ERR_TIMEOUT':
      return fail(
        detail,
        'clients cannot reach the upload URL: set http.public_url to the address clients reach the HTTPS listener at, and open its port (http.https_port)',
      );
    default:
      return fail(
        detail,
        'the HTTPS listener answered an error: see the server log (http.public_url behind a reverse proxy?)',
      );
  }
}
