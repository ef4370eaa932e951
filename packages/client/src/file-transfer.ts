// The FileTransferManager a Smack user recognises — send(jid, file) and an 'offer' event with
// accept/decline — with promises, streams, events and AbortSignal instead of status polling.
import { EventEmitter } from './platform/index.js';
import type { Readable } from 'node:stream';
import { Jid } from '@ferry/protocol/jid';
import { NS } from '@ferry/protocol/namespaces';
import { decodeSiOffer, encodeSiAccept, selectStreamMethod, siErrors, type SiOffer } from '@ferry/protocol/payloads/si';
import type { XmppConnection } from './connection.js';
import type { BytestreamTransport } from './transports/bytestream.js';
import { OutgoingTransfer, type SendOptions } from './outgoing-transfer.js';
import { IncomingOffer, type AcceptOptions, type StreamAttempt } from './incoming-offer.js';
import { TransferError } from './transfer-error.js';
import { DEFAULT_STALL_TIMEOUT_MS, checkStallTimeout } from './stall-watch.js';
import { ClientEntity, type EntityOptions } from './entity.js';
import { PeerDirectory } from './peer-directory.js';
import type { FileOffer } from './file-offer.js';
import { HTTP_DEFAULTS, type HttpSettings } from './upload/http-settings.js';
import { HttpUploader, type Upload, type UploadOptions } from './upload/http-uploader.js';
import { LinkOffers } from './upload/link-offers.js';
import { sendRouting, type SendRouting } from './upload/send-routing.js';
import type { OurMethods } from './upload/method-choice.js';
import { shareLink, type SharedFile } from './upload/share-link.js';
import { JingleManager } from './jingle/jingle-manager.js';
import type { IbbTransport } from './transports/ibb/ibb-transport.js';
import type { Socks5Transport } from './transports/socks5/index.js';

/** Options of a FileTransferManager: which transports it offers and accepts, and its timeouts. */
export interface FileTransferOptions {
  /** In order of preference; SOCKS5 before IBB (XEP-0096 §3.1). */
  transports: readonly BytestreamTransport[];
  /** Re-offer over IBB when SOCKS5 cannot connect (default true). */
  fallbackToIbb?: boolean;
  /** How long a sent offer waits for the receiver's answer (default 120 s). */
  acceptTimeoutMs?: number;
  /** How long the receiving application may take to decide (default 110 s, inside the sender's wait). */
  decisionTimeoutMs?: number;
  /** How long an accepted bytestream may take to open (default 30 s). */
  streamTimeoutMs?: number;
  /** How long a receiver waits for an IBB re-offer after SOCKS5 failed (default 30 s). */
  fallbackWaitMs?: number;
  /**
   * XEP-0353: how long a file proposed to a bare JID waits for one of its devices to proceed
   * (default 60 s); then the proposal is retracted and the send fails with FERRY_ERR_TIMEOUT.
   */
  proposalTimeoutMs?: number;
  /** How long send() waits for the peer's disco#info before offering anyway (default 10 s). */
  discoTimeoutMs?: number;
  /**
   * No byte progress for this long cancels a transfer, sending or receiving, with FERRY_ERR_STALLED
   * and tells the peer (IBB <close/>, SOCKS5 reset); also the HTTP stall timeout of uploads and
   * links unless `http.stallTimeoutMs` says otherwise. Default 30 s.
   */
  stallTimeoutMs?: number;
  /**
   * Who answers disco#info, ping and version on this connection; the manager adds SI and its
   * transports' features to it. Default: its own, closed with it. Share one between managers.
   */
  entity?: ClientEntity;
  /** The identity of the entity the manager makes (ignored with `entity`): default type 'pc', name 'Ferry'. */
  identity?: EntityOptions['identity'];
  /** Turn incoming link messages (XEP-0066 oob, XEP-0447 file-sharing) into offers (default true). */
  links?: boolean;
  /**
   * HTTP for uploads and links; TLS trust is the connection's. `allowHttp` (default false) lets
   * plain-http URLs through, for local tests; timeouts default to 15 s (connect) and stallTimeoutMs.
   */
  http?: Partial<Omit<HttpSettings, 'tls'>>;
  /** How long the upload service's disco and slot answers may take (default 30 s). */
  uploadRequestTimeoutMs?: number;
}

/** An offer refused before the application saw it: none of its stream methods is one of ours. */
export interface RefusedOffer {
  from: Jid;
  sid: string;
  name: string;
  /** What the sender was told (the text of its no-valid-streams error). */
  reason: string;
}

/** FileTransferManager's events and their arguments (`files.on('offer', …)`). */
export interface ManagerEvents {
  /** An SI offer (IncomingOffer, 'si'), a Jingle one (JingleOffer, 'jingle') or a link (LinkOffer). */
  offer: [FileOffer];
  refused: [RefusedOffer];
}

/**
 * An accepted file from one sender, kept until it is received, so that the sender's IBB re-offer
 * after a failed SOCKS5 attempt continues it instead of asking the user again.
 */
interface AcceptedFile {
  offer: IncomingOffer;
  options: AcceptOptions;
  /** Fails the attempt in progress when a re-offer replaces it. */
  supersede(): void;
  queued: StreamAttempt | undefined;
  waiter: ((attempt: StreamAttempt | undefined) => void) | undefined;
  /** Ends every bytestream of this file: the connection was lost or the sender went offline. */
  stop: AbortController;
}

/**
 * Sends and receives files on one connection: XEP-0096 SI over the given bytestream
 * transports, Jingle file transfer (XEP-0234) and XEP-0363 upload with link messages. Answers
 * disco#info for what it supports, adds XEP-0115 caps to available presence, and emits 'offer' for
 * every incoming file (an IncomingOffer, a JingleOffer or a LinkOffer) while it has a listener.
 */
export class FileTransferManager extends EventEmitter<ManagerEvents> {
  readonly #connection: XmppConnection;
  readonly #options: Required<Omit<FileTransferOptions, 'entity' | 'identity' | 'http' | 'links'>>;
  readonly #uploader: HttpUploader;
  readonly #routing: SendRouting;
  /** Our SI stream methods and Jingle transports (namespaces), for the automatic choice. */
  readonly #methods: OurMethods;
  readonly #links: LinkOffers | undefined;
  readonly #entity: ClientEntity;
  readonly #ownsEntity: boolean;
  readonly #withdrawFeatures: () => void;
  readonly #peers: PeerDirectory;
  /** XEP-0234 over SOCKS5 and IBB, when the manager has the IBB transport (jingle/jingle-manager.ts). */
  readonly #jingle: JingleManager | undefined;
  readonly #accepted = new Map<string, AcceptedFile>();
  readonly #undecided = new Set<(error: Error) => void>();
  /** The stop controllers of accepted files still in progress. */
  readonly #receiving = new Set<AbortController>();
  readonly #unregister: () => void;
  readonly #unwatchConnection: () => void;

  constructor(connection: XmppConnection, options: FileTransferOptions) {
    super();
    this.#connection = connection;
    const { entity, identity, http: httpOptions, links, ...rest } = options;
    this.#options = {
      fallbackToIbb: true,
      acceptTimeoutMs: 120_000,
      decisionTimeoutMs: 110_000,
      streamTimeoutMs: 30_000,
      fallbackWaitMs: 30_000,
      discoTimeoutMs: 10_000,
      proposalTimeoutMs: 60_000,
      uploadRequestTimeoutMs: 30_000,
      stallTimeoutMs: DEFAULT_STALL_TIMEOUT_MS,
      ...rest,
    };
    checkStallTimeout(this.#options.stallTimeoutMs);
    const http: HttpSettings = {
      ...HTTP_DEFAULTS,
      stallTimeoutMs: this.#options.stallTimeoutMs,
      ...httpOptions,
      tls: connection.tls,
    };
    this.#uploader = new HttpUploader(connection, { http, requestTimeoutMs: this.#options.uploadRequestTimeoutMs });
    this.#entity = entity ?? new ClientEntity(connection, identity ? { identity } : {});
    this.#ownsEntity = entity === undefined;
    // What this manager really runs: SI file transfer over the transports it was given.
    this.#withdrawFeatures = this.#entity.addFeatures(
      NS.SI,
      NS.SI_FILE,
      ...this.#options.transports.map((transport) => transport.namespace),
    );
    this.#peers = new PeerDirectory(connection, this.#options.discoTimeoutMs);

    this.#links =
      links === false
        ? undefined
        : new LinkOffers(connection, http, {
            wants: () => this.listenerCount('offer') > 0,
            emit: (offer) => this.emit('offer', offer),
          });
    const ibb = this.#options.transports.find((transport) => transport.method === 'ibb') as IbbTransport | undefined;
    this.#jingle =
      ibb &&
      new JingleManager(connection, {
        ...this.#options,
        ibb,
        socks5: this.#options.transports.find((transport) => transport.method === 'socks5') as
          Socks5Transport | undefined,
        entity: this.#entity,
        wantsOffers: () => this.listenerCount('offer') > 0,
        emit: (offer) => this.emit('offer', offer),
      });
    const hasSocks5 = this.#options.transports.some((transport) => transport.method === 'socks5');
    this.#methods = {
      si: this.#options.transports.map((transport) => transport.namespace),
      jingle: this.#jingle ? [...(hasSocks5 ? [NS.JINGLE_S5B] : []), NS.JINGLE_IBB] : [],
    };
    this.#routing = sendRouting({
      connection,
      peers: this.#peers,
      uploader: this.#uploader,
      methods: this.#methods,
    });
    this.#unregister = connection.onIq('set', NS.SI, 'si', (stanza, payload) =>
      this.#onOffer(stanza.attrs.from as string, payload),
    );
    // A lost connection ends every offer and transfer at once (senders watch it themselves).
    this.#unwatchConnection = connection.onDisconnect((error) => {
      for (const abandon of [...this.#undecided]) abandon(error);
      for (const stop of [...this.#receiving]) stop.abort(error);
    });
  }

  /**
   * Sends a file (path or stream); the transfer runs until `done` settles. A full JID gets a Jingle
   * offer when its disco#info lists Jingle file transfer and a transport we share, else an SI
   * offer; a bare JID gets one on its best online resource that takes files, else an HTTP upload
   * and a link message (stored offline by its server). `method` forces 'si', 'jingle' or 'upload'
   * (method-choice.ts).
   */
  send(to: string, source: string | Readable, options: SendOptions = {}): OutgoingTransfer {
    const jingle = this.#jingle;
    return new OutgoingTransfer(this.#connection, to, source, options, {
      ...this.#routing,
      transports: this.#options.transports,
      fallbackToIbb: this.#options.fallbackToIbb,
      acceptTimeoutMs: this.#options.acceptTimeoutMs,
      streamTimeoutMs: this.#options.streamTimeoutMs,
      stallTimeoutMs: this.#options.stallTimeoutMs,
      peerSupport: (peer, signal) => this.#peers.support(peer, signal),
      ...(jingle
        ? {
            jingle: {
              send: jingle.send.bind(jingle),
              offersS5b: jingle.offersS5b.bind(jingle),
              propose: jingle.propose.bind(jingle),
              methods: this.#methods,
            },
          }
        : {}),
    });
  }

  /** XEP-0363: uploads a file to our server's upload service; `done` gives the URL to share. */
  upload(source: string | Readable, options: UploadOptions = {}): Upload {
    return this.#uploader.upload(source, options);
  }

  /** Sends `to` a link message for an upload (body + oob + XEP-0447); resolves with its id. */
  shareLink(to: string, upload: SharedFile): Promise<string> {
    return shareLink(this.#connection, to, upload);
  }

  /** What this client tells peers it is and supports (disco#info, caps). */
  get entity(): ClientEntity {
    return this.#entity;
  }

  /** Stops answering offers and removes every handler and feature it added; offers not yet answered fail with FERRY_ERR_CANCELLED. */
  close(): void {
    this.#unregister();
    this.#jingle?.close();
    this.#unwatchConnection();
    this.#peers.close();
    this.#withdrawFeatures();
    if (this.#ownsEntity) this.#entity.close();
    const closed = new TransferError('FERRY_ERR_CANCELLED', 'the file transfer manager was closed');
    for (const abandon of [...this.#undecided]) abandon(closed);
    this.#links?.close(closed);
    for (const accepted of this.#accepted.values()) accepted.waiter?.(undefined);
    this.#accepted.clear();
  }

  async #onOffer(rawFrom: string, payload: Parameters<typeof decodeSiOffer>[0]) {
    const from = Jid.parse(rawFrom);
    const offer = decodeSiOffer(payload); // bad-profile / bad-request for malformed offers
    const accepted = this.#accepted.get(fallbackKey(from, offer));
    // Nobody here wants offers: let another handler on this connection answer it.
    if (!accepted && this.listenerCount('offer') === 0) return undefined;
    const method = this.#selectMethod(from, offer);
    if (accepted) return this.#acceptFallback(accepted, from, offer, method);

    let decide!: (decision: Promise<{ options: AcceptOptions; offset: number }>) => void;
    let abandon!: (error: Error) => void;
    const decided = new Promise<{ options: AcceptOptions; offset: number }>((resolve, reject) => {
      decide = (decision) => decision.then(resolve, reject);
      abandon = reject;
    });
    const incoming = new IncomingOffer(from, offer, decide, this.#options.stallTimeoutMs);
    // close() and a lost connection end waits nobody will answer any more, with their timers.
    const onClose = (error: Error) => abandon(error);
    this.#undecided.add(onClose);
    this.emit('offer', incoming);
    let decision: { options: AcceptOptions; offset: number };
    try {
      decision = await withTimeout(decided, this.#options.decisionTimeoutMs);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'FERRY_ERR_CANCELLED' || code === 'FERRY_ERR_DISCONNECTED') incoming.fail(error as Error);
      if ((error as { code?: string }).code === 'FERRY_ERR_TIMEOUT') {
        incoming.fail(
          new TransferError(
            'FERRY_ERR_TIMEOUT',
            `no decision on ${offer.file.name} within ${this.#options.decisionTimeoutMs / 1000} s`,
          ),
        );
      }
      throw siErrors.declined((error as Error).message === 'declined' ? undefined : (error as Error).message);
    } finally {
      this.#undecided.delete(onClose);
    }
    const key = fallbackKey(from, offer);
    const entry: AcceptedFile = {
      offer: incoming,
      options: decision.options,
      supersede: () => {},
      queued: undefined,
      waiter: undefined,
      stop: new AbortController(),
    };
    this.#accepted.set(key, entry);
    const unwatch = this.#watchSender(from, entry.stop);
    void incoming.done
      .catch(() => {})
      .finally(() => {
        this.#accepted.delete(key);
        unwatch();
      });
    const attempt = this.#track(entry, this.#expect(from, offer.id, method, decision.offset, entry.stop.signal));
    void incoming.receive(attempt, decision.options, () => this.#nextAttempt(entry));
    return encodeSiAccept({ method, range: decision.offset > 0 ? { offset: decision.offset } : undefined });
  }

  /**
   * XEP-0095 §4.2: the receiver picks one of the offered stream methods, the first of its own
   * transports (in their order) that the offer lists; none is no-valid-streams, with the reason.
   */
  #selectMethod(from: Jid, offer: SiOffer): string {
    const ours = this.#options.transports;
    try {
      return selectStreamMethod(
        offer.methods,
        ours.map((transport) => transport.namespace),
      );
    } catch {
      const offered = offer.methods.map((namespace) => METHOD_NAMES.get(namespace) ?? namespace);
      const reason =
        `the receiver accepts only ${ours.map((transport) => transport.method).join(' or ')}; ` +
        `the offer has ${offered.length > 0 ? offered.join(', ') : 'no stream method'}`;
      this.emit('refused', { from, sid: offer.id, name: offer.file.name, reason });
      throw siErrors.noValidStreams(reason);
    }
  }

  async #acceptFallback(entry: AcceptedFile, from: Jid, offer: SiOffer, method: string) {
    const offset = await entry.offer.offsetFor({ ...entry.options, overwrite: true });
    const supersedePrevious = entry.supersede;
    const attempt = this.#track(entry, this.#expect(from, offer.id, method, offset, entry.stop.signal));
    supersedePrevious();
    if (entry.waiter) entry.waiter(attempt);
    else entry.queued = attempt;
    return encodeSiAccept({ method, range: offset > 0 ? { offset } : undefined });
  }

  /** Lets a later re-offer fail this attempt at once, instead of after its timeout. */
  #track(entry: AcceptedFile, attempt: StreamAttempt & { cancel(): void }): StreamAttempt {
    const superseded = new Promise<never>((_, reject) => {
      entry.supersede = () => {
        // Reject first: the race must report "superseded" (retryable), not the cancel.
        reject(new TransferError('FERRY_ERR_NO_STREAMHOST', 'the sender re-offered the file over another method'));
        attempt.cancel();
      };
    });
    superseded.catch(() => {});
    return {
      sid: attempt.sid,
      method: attempt.method,
      offset: attempt.offset,
      stream: Promise.race([attempt.stream, superseded]),
    };
  }

  #nextAttempt(entry: AcceptedFile): Promise<StreamAttempt | undefined> {
    if (!this.#options.fallbackToIbb) return Promise.resolve(undefined);
    if (entry.queued) {
      const attempt = entry.queued;
      entry.queued = undefined;
      return Promise.resolve(attempt);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        entry.waiter = undefined;
        resolve(undefined);
      }, this.#options.fallbackWaitMs);
      entry.waiter = (attempt) => {
        clearTimeout(timer);
        entry.waiter = undefined;
        resolve(attempt);
      };
    });
  }

  /** The sender's resource going unavailable ends its transfer at once, not after a timeout. */
  #watchSender(from: Jid, stop: AbortController): () => void {
    this.#receiving.add(stop);
    const unsubscribe = this.#connection.onPresence((presence) => {
      if (presence.attrs.type !== 'unavailable' || presence.attrs.from !== from.toString()) return;
      stop.abort(new TransferError('FERRY_ERR_PEER_OFFLINE', `${from.toString()} went offline`));
    });
    return () => {
      this.#receiving.delete(stop);
      unsubscribe();
    };
  }

  #expect(
    from: Jid,
    sid: string,
    method: string,
    offset: number,
    signal: AbortSignal,
  ): StreamAttempt & { cancel(): void } {
    const transport = this.#options.transports.find((candidate) => candidate.namespace === method)!;
    const { established, cancel } = transport.expect(
      {
        connection: this.#connection,
        sid,
        initiator: from,
        target: this.#connection.jid,
        signal,
      },
      this.#options.streamTimeoutMs,
    );
    return { sid, method: transport.method, offset, stream: established, cancel };
  }
}

const METHOD_NAMES = new Map<string, string>([
  [NS.BYTESTREAMS, 'socks5'],
  [NS.IBB, 'ibb'],
]);

/** A re-offer is the same file from the same resource. */
function fallbackKey(from: Jid, offer: SiOffer): string {
  return [from.toString(), offer.file.name, offer.file.size, offer.file.hash ?? ''].join('\u0000');
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransferError('FERRY_ERR_TIMEOUT', `no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
