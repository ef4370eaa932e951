// XEP-0096 §2 from the sender's side: offer the file (XEP-0095 SI), wait for the accept, open the
// chosen bytestream and stream the file into it — from the requested offset when the receiver
// resumes (§3 <range/>). When SOCKS5 cannot connect, re-offer over IBB without user action: the
// failure users hit with Openfire and Spark (the proxy switched off → Spark waits forever).
import { EventEmitter, createReadStream, stat, basename, pipeline, randomHex } from './platform/index.js';
import type { Readable } from 'node:stream';
import { Jid } from '@ferry/protocol/jid';
import { NS } from '@ferry/protocol/namespaces';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { xml } from '@ferry/protocol/xml/element';
import { classifySiError, decodeSiAccept, encodeSiOffer } from '@ferry/protocol/payloads/si';
import type { XmppConnection } from './connection.js';
import type { BytestreamTransport, OutgoingBytestream } from './transports/bytestream.js';
import { TransferError } from './transfer-error.js';
import { selectOfferTransports, takesHashInJingleOffer, type PeerSupport } from './peer-support.js';
import { ProgressMeter, md5, type Progress } from './progress.js';
import { StallWatch, stalledError } from './stall-watch.js';
import { fileProtocol, type OurMethods, type SendMethod, type SendRoute } from './upload/method-choice.js';
import type { DescribedFile } from './jingle/described-file.js';

/** What the receiver is told about the file (XEP-0096 §2 <file/>, XEP-0234 <file/>). */
export interface FileMetadata {
  name?: string;
  size?: number;
  mimeType?: string;
  description?: string;
  date?: Date | string;
  /** MD5 hex; computed for file paths unless given or `computeHash: false`. */
  hash?: string;
}

/** Options of FileTransferManager.send(). */
export interface SendOptions extends FileMetadata {
  /** Cancels the transfer (the peer is told); `done` rejects with the signal’s reason. */
  signal?: AbortSignal;
  /** Compute the MD5 of a file path before offering it (default true). */
  computeHash?: boolean;
  /**
   * 'auto' (default): Jingle (XEP-0234 over SOCKS5, then IBB) to a resource that takes it, else SI,
   * else upload + link (method-choice.ts); 'si', 'jingle' and 'upload' force one.
   */
  method?: SendMethod;
}

/** How a transfer ended, sent or received. */
export interface TransferResult {
  /** The stream or Jingle session id. */
  sid: string;
  /** How the bytes went: 'socks5' or 'ibb' (SI or Jingle), 'upload' or 'link'. */
  method: string;
  /** Bytes sent or received in this transfer (excluding a resumed offset). */
  bytes: number;
  /** Where the bytes started (a resumed transfer). */
  offset: number;
  hash?: string | undefined;
  /** SOCKS5 only: the JID of the streamhost used — the sender's own full JID when direct, else the proxy. */
  streamhost?: string;
  /** Uploads and links: the file's SHA-256 (hex), computed while streaming. */
  sha256?: string;
  /** Uploads and links: the GET URL shared. */
  url?: string;
}

export interface SendSettings {
  transports: readonly BytestreamTransport[];
  fallbackToIbb: boolean;
  acceptTimeoutMs: number;
  streamTimeoutMs: number;
  /** No byte progress for this long cancels the transfer (FERRY_ERR_STALLED). */
  stallTimeoutMs: number;
  /** What the peer supports (disco#info before the offer); throws FERRY_ERR_PEER_OFFLINE. */
  peerSupport(peer: Jid, signal: AbortSignal): Promise<PeerSupport>;
  /** Decides SI or upload (bare JIDs, method 'upload'); without it only full JIDs are accepted. */
  route?(peer: Jid, method: SendMethod, signal: AbortSignal): Promise<SendRoute>;
  /** XEP-0234 to a full JID over SOCKS5 or IBB (method 'jingle', or chosen by the route). */
  jingle?: {
    /** JingleManager.send: SOCKS5 (then IBB) when `useS5b`, else IBB. */
    send(
      peer: Jid,
      source: string | Readable,
      options: SendOptions,
      events: {
        accepted(event: { sid: string; method: string; offset: number }): void;
        progress(progress: Progress): void;
        fallback(event: { from: string; to: string; reason: Error }): void;
      },
      useS5b: boolean,
      /** False: <hash-used/> in the offer, the hash in a checksum after the bytes. */
      hashInOffer: boolean,
      /** XEP-0353: the sid and file of the proposal the peer proceeded with. */
      prepared?: { sid: string; file: DescribedFile },
    ): Promise<TransferResult>;
    /** Whether a peer with these features (undefined: unknown) gets a SOCKS5 offer. */
    offersS5b(features: readonly string[] | undefined): boolean;
    /** Our SI stream methods and Jingle transports, for the automatic choice. */
    methods: OurMethods;
    /** XEP-0353: proposes the file to a bare JID; the device that proceeds is the peer. */
    propose?(
      to: Jid,
      source: string | Readable,
      options: SendOptions,
      onRinging: (from: Jid) => void,
    ): Promise<{ peer: Jid; sid: string; file: DescribedFile; release(): void }>;
  };
  /** Uploads the file (XEP-0363) and sends `peer` the link message. */
  upload?(
    peer: Jid,
    source: string | Readable,
    options: SendOptions,
    report: (progress: Progress) => void,
  ): Promise<TransferResult>;
}

/** OutgoingTransfer's events and their arguments (`transfer.on('progress', …)`). */
export interface OutgoingEvents {
  /** How the file goes (bare JIDs and uploads): SI to the chosen resource, or upload + link. */
  route: [SendRoute];
  accepted: [{ sid: string; method: string; offset: number }];
  progress: [Progress];
  fallback: [{ from: string; to: string; reason: Error }];
  /** XEP-0353: a device of the bare JID the file was proposed to is ringing. */
  ringing: [{ from: Jid }];
}

const CONNECTIVITY_FAILURES = new Set(['FERRY_ERR_NO_STREAMHOST', 'FERRY_ERR_ACTIVATION', 'FERRY_ERR_TIMEOUT']);

/**
 * One file being sent, as FileTransferManager.send() returns it: events as it goes, `done` at the
 * end. `done` resolves once the receiver has the whole file and rejects with a TransferError
 * (stable `code`), a StanzaError (the peer's or its server's answer) or the AbortSignal's reason.
 */
export class OutgoingTransfer extends EventEmitter<OutgoingEvents> {
  /** The recipient: as given, then the resource SI was offered to. */
  #peer: Jid;
  /** Settles when the transfer ends (see the class). */
  readonly done: Promise<TransferResult>;
  #sid = '';
  #isMaybeOffline = false;

  /** @internal FileTransferManager makes these; applications get them from it. */
  constructor(
    connection: XmppConnection,
    peer: string,
    source: string | Readable,
    options: SendOptions,
    settings: SendSettings,
  ) {
    super();
    this.#peer = Jid.parse(peer);
    if (!this.#peer.isFull && !settings.route)
      throw new TransferError('FERRY_ERR_DECLINED', `${peer} is not a full JID (user@domain/resource)`);
    this.done = this.#run(connection, source, options, settings);
    this.done.catch(() => {}); // the caller may only listen to events; never an unhandled rejection
  }

  /** The recipient: as given, then the full JID the file was offered to. */
  get peer(): Jid {
    return this.#peer;
  }

  /** The stream id, once the offer was sent ('' before). */
  get sid(): string {
    return this.#sid;
  }

  async #run(
    connection: XmppConnection,
    source: string | Readable,
    options: SendOptions,
    settings: SendSettings,
  ): Promise<TransferResult> {
    const signal = options.signal ?? new AbortController().signal;
    const method = options.method ?? 'auto';
    if (method === 'jingle' && this.#peer.isFull) {
      return await this.#sendJingle(connection, source, options, settings, signal);
    }
    if (settings.route && (!this.#peer.isFull || method === 'upload')) {
      const route = await settings.route(this.#peer, method, signal);
      this.emit('route', route);
      if (route.kind === 'upload') {
        return await settings.upload!(this.#peer, source, options, (progress) => this.emit('progress', progress));
      }
      this.#peer = route.to;
      if (route.kind === 'jingle' && route.propose) {
        return await this.#sendProposed(connection, source, options, settings, signal);
      }
      if (route.kind === 'jingle') return await this.#sendJingle(connection, source, options, settings, signal);
    }
    const offline = watchOffline(connection, this.peer);
    try {
      // Ask before offering (and before hashing the file): an unsupported peer fails at once.
      const support = await settings.peerSupport(this.peer, anySignal(signal, offline.signal));
      this.#isMaybeOffline = support.kind === 'unknown' && support.isMaybeOffline;
      // A full JID that takes Jingle file transfer over a transport we share gets Jingle.
      if (
        method === 'auto' &&
        settings.jingle &&
        support.kind === 'known' &&
        fileProtocol(support.info.features, settings.jingle.methods) === 'jingle'
      ) {
        offline.stop();
        return await this.#sendJingle(connection, source, options, settings, signal);
      }
      let transports =
        support.kind === 'known'
          ? selectOfferTransports(this.peer.toString(), support.info.features, settings.transports)
          : [...settings.transports];
      const file = await describe(source, options);
      for (;;) {
        signal.throwIfAborted();
        const sid = randomHex(12);
        this.#sid = sid;
        const accept = await this.#offer(connection, sid, file, transports, settings, signal, offline.signal);
        const transport = transports.find((candidate) => candidate.namespace === accept.method)!;
        const offset = Math.min(accept.range?.offset ?? 0, file.size);
        this.emit('accepted', { sid, method: transport.method, offset });
        let stream: OutgoingBytestream;
        try {
          stream = await transport.open({
            connection,
            sid,
            initiator: connection.jid,
            target: this.peer,
            signal: anySignal(signal, offline.signal),
          });
        } catch (error) {
          const ibb = transports.find((candidate) => candidate.method === 'ibb');
          const code = (error as { code?: string }).code;
          if (settings.fallbackToIbb && transport.method !== 'ibb' && ibb && code && CONNECTIVITY_FAILURES.has(code)) {
            this.emit('fallback', { from: transport.method, to: 'ibb', reason: error as Error });
            transports = [ibb];
            continue;
          }
          throw error;
        }
        return await this.#stream(stream, sid, transport.method, file, source, offset, settings.stallTimeoutMs, {
          signal,
          offline: offline.signal,
        });
      }
    } finally {
      offline.stop();
    }
  }

  /** XEP-0353: the proposal to the bare JID, then Jingle to the device that proceeded. */
  async #sendProposed(
    connection: XmppConnection,
    source: string | Readable,
    options: SendOptions,
    settings: SendSettings,
    signal: AbortSignal,
  ): Promise<TransferResult> {
    if (!settings.jingle?.propose) {
      throw new TransferError('FERRY_ERR_NO_COMMON_METHOD', 'Jingle file transfer needs the IBB transport');
    }
    const proposal = await settings.jingle.propose(this.#peer, source, { ...options, signal }, (from) =>
      this.emit('ringing', { from }),
    );
    try {
      this.#peer = proposal.peer;
      this.#sid = proposal.sid;
      return await this.#sendJingle(connection, source, options, settings, signal, proposal);
    } finally {
      proposal.release();
    }
  }

  /** A full JID: SOCKS5 when it lists XEP-0260, else IBB; `prepared`: the proposal it answered. */
  async #sendJingle(
    connection: XmppConnection,
    source: string | Readable,
    options: SendOptions,
    settings: SendSettings,
    signal: AbortSignal,
    prepared?: { sid: string; file: DescribedFile },
  ): Promise<TransferResult> {
    if (!settings.jingle) {
      throw new TransferError('FERRY_ERR_NO_COMMON_METHOD', 'Jingle file transfer needs the IBB transport');
    }
    if (!this.#peer.isFull) {
      throw new TransferError('FERRY_ERR_DECLINED', `${this.#peer.toString()} is not a full JID (Jingle needs one)`);
    }
    const offline = watchOffline(connection, this.peer);
    try {
      // As for SI: a peer whose disco#info lacks Jingle file transfer, or both of its transports
      // we have, fails at once. SOCKS5 is offered when it lists it (IBB is the fallback).
      const support = await settings.peerSupport(this.peer, anySignal(signal, offline.signal));
      const features = support.kind === 'known' ? support.info.features : undefined;
      const useS5b = settings.jingle.offersS5b(features);
      const needed = [NS.JINGLE, NS.JINGLE_FT, ...(useS5b ? [] : [NS.JINGLE_IBB])];
      if (features !== undefined && !needed.every((feature) => features.includes(feature))) {
        throw new TransferError(
          'FERRY_ERR_PEER_UNSUPPORTED',
          `${this.peer.toString()} does not take files over Jingle with IBB or SOCKS5 (its disco#info lacks ${needed.filter((feature) => !features.includes(feature)).join(', ')})`,
        );
      }
      return await settings.jingle.send(
        this.peer,
        source,
        { ...options, signal: anySignal(signal, offline.signal) },
        {
          accepted: (event) => {
            this.#sid = event.sid;
            this.emit('accepted', event);
          },
          progress: (progress) => this.emit('progress', progress),
          fallback: (event) => this.emit('fallback', event),
        },
        useS5b,
        takesHashInJingleOffer(support),
        prepared && { sid: prepared.sid, file: prepared.file },
      );
    } finally {
      offline.stop();
    }
  }

  async #offer(
    connection: XmppConnection,
    sid: string,
    file: Described,
    transports: readonly BytestreamTransport[],
    settings: SendSettings,
    signal: AbortSignal,
    offline: AbortSignal,
  ) {
    const offer = encodeSiOffer({
      id: sid,
      profile: NS.SI_FILE,
      mimeType: file.mimeType,
      methods: transports.map((transport) => transport.namespace),
      file: {
        name: file.name,
        size: file.size,
        hash: file.hash,
        date: file.date,
        description: file.description,
        // Resume needs a source we can seek: a file path.
        range: file.isSeekable ? true : undefined,
      },
    });
    const iq = xml('iq', { type: 'set', to: this.peer.toString() }, offer);
    let answer;
    try {
      answer = await raceSignals(connection.request(iq, settings.acceptTimeoutMs), signal, offline);
    } catch (error) {
      if (error instanceof StanzaError) {
        const kind = classifySiError(error);
        if (kind === 'declined')
          throw new TransferError(
            'FERRY_ERR_DECLINED',
            `${this.peer.toString()} declined ${file.name}${error.text && error.text !== 'Offer Declined' ? `: ${error.text}` : ''}`,
            { cause: error },
          );
        if (kind === 'no-valid-streams')
          throw new TransferError(
            'FERRY_ERR_NO_COMMON_METHOD',
            `${this.peer.toString()} supports none of ${transports.map((t) => t.method).join(', ')}${error.text ? ` (${error.text})` : ''}`,
            { cause: error },
          );
        const { condition } = error;
        if (
          condition === 'recipient-unavailable' ||
          condition === 'item-not-found' ||
          (condition === 'service-unavailable' && this.#isMaybeOffline)
        ) {
          throw new TransferError('FERRY_ERR_PEER_OFFLINE', `${this.peer.toString()} is not online (${condition})`, {
            cause: error,
          });
        }
        throw error;
      }
      if ((error as { code?: string }).code === 'FERRY_ERR_TIMEOUT') {
        throw new TransferError(
          'FERRY_ERR_TIMEOUT',
          `${this.peer.toString()} did not answer the file offer within ${settings.acceptTimeoutMs / 1000} s`,
        );
      }
      throw error;
    }
    const si = answer.getChild('si', NS.SI);
    if (!si) throw new TransferError('FERRY_ERR_NO_COMMON_METHOD', 'the accept carries no <si/>');
    return decodeSiAccept(
      si,
      transports.map((transport) => transport.namespace),
    );
  }

  async #stream(
    stream: OutgoingBytestream,
    sid: string,
    method: string,
    file: Described,
    source: string | Readable,
    offset: number,
    stallTimeoutMs: number,
    { signal, offline }: { signal: AbortSignal; offline: AbortSignal },
  ): Promise<TransferResult> {
    const input = typeof source === 'string' ? createReadStream(source, { start: offset }) : source;
    // Until the pipeline settles, which includes waiting for the last acks and the close: a
    // receiver that froze (stopped reading or acknowledging) would otherwise hold us for ever.
    const stall = new StallWatch(stallTimeoutMs, () => stalledError(stallTimeoutMs, 'to', this.peer.toString()));
    const meter = new ProgressMeter({
      offset,
      total: file.size,
      method,
      report: (progress) => this.emit('progress', progress),
      onChunk: () => stall.touch(),
    });
    try {
      await pipeline(input, meter, stream.writable, { signal: anySignal(signal, offline, stall.signal) });
    } catch (error) {
      const reason = offline.aborted
        ? (offline.reason as Error)
        : stall.signal.aborted && !signal.aborted
          ? (stall.signal.reason as Error)
          : byReceiver(error as Error, signal);
      // Tells the receiver: IBB <close/>, SOCKS5 reset (a no-op when the pipeline already did).
      stream.abort(reason);
      throw reason;
    } finally {
      stall.stop();
    }
    const sent = meter.bytes - offset;
    if (meter.bytes !== file.size) {
      throw new TransferError(
        'FERRY_ERR_SIZE_MISMATCH',
        `the source gave ${meter.bytes} bytes, the offer said ${file.size}`,
      );
    }
    const streamhost = stream.streamhost?.jid;
    return { sid, method, bytes: sent, offset, hash: file.hash, ...(streamhost ? { streamhost } : {}) };
  }
}

interface Described {
  name: string;
  size: number;
  mimeType?: string | undefined;
  description?: string | undefined;
  date?: string | undefined;
  hash?: string | undefined;
  isSeekable: boolean;
}

async function describe(source: string | Readable, options: SendOptions): Promise<Described> {
  const date = options.date instanceof Date ? options.date.toISOString() : options.date;
  if (typeof source !== 'string') {
    if (options.size === undefined) throw new TypeError('sending a stream needs its size (XEP-0096 requires it)');
    return {
      name: options.name ?? 'file',
      size: options.size,
      mimeType: options.mimeType,
      description: options.description,
      date,
      hash: options.hash,
      isSeekable: false,
    };
  }
  const info = await stat(source);
  if (!info.isFile()) throw new TypeError(`${source} is not a regular file`);
  let hash = options.hash;
  if (hash === undefined && options.computeHash !== false) {
    const digest = md5();
    for await (const chunk of createReadStream(source)) digest.update(chunk as Buffer);
    hash = digest.digest('hex');
  }
  return {
    name: options.name ?? basename(source),
    size: info.size,
    mimeType: options.mimeType,
    description: options.description,
    date: date ?? info.mtime.toISOString(),
    hash,
    isSeekable: true,
  };
}

/**
 * Aborts when the peer's resource goes unavailable or our connection is lost: waiting on it any
 * longer is pointless.
 */
function watchOffline(connection: XmppConnection, peer: Jid): { signal: AbortSignal; stop(): void } {
  const controller = new AbortController();
  const stopPresence = connection.onPresence((presence) => {
    if (presence.attrs.type !== 'unavailable' || presence.attrs.from !== peer.toString()) return;
    controller.abort(new TransferError('FERRY_ERR_PEER_OFFLINE', `${peer.toString()} went offline`));
  });
  const stopDisconnect = connection.onDisconnect((error) => controller.abort(error));
  return {
    signal: controller.signal,
    stop() {
      stopPresence();
      stopDisconnect();
    },
  };
}

/**
 * The bytestream broke while we were not aborting: the receiver cancelled (IBB <close/>, SOCKS5
 * close or reset), which the transports report as FERRY_ERR_CANCELLED.
 */
function byReceiver(error: Error, signal: AbortSignal): Error {
  if (signal.aborted || (error as { code?: string }).code !== 'FERRY_ERR_CANCELLED') return error;
  return new TransferError(
    'FERRY_ERR_CANCELLED_BY_PEER',
    `the transfer was cancelled by the receiver (${error.message})`,
    {
      cause: error,
    },
  );
}

function anySignal(...signals: AbortSignal[]): AbortSignal {
  return AbortSignal.any(signals);
}

function raceSignals<T>(promise: Promise<T>, ...signals: AbortSignal[]): Promise<T> {
  const combined = anySignal(...signals);
  if (combined.aborted) return Promise.reject(combined.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(combined.reason as Error);
    combined.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        combined.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        combined.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
