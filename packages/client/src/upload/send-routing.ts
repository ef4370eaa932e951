// The manager's send() for bare JIDs and uploads: gathers what the method choice needs (the
// contact's online resources and their disco#info, from PeerDirectory) and runs the upload path —
// XEP-0363 upload, then the link message (share-link.ts).
import type { Jid } from '@ferry/protocol/jid';
import type { Readable } from 'node:stream';
import type { XmppConnection } from '../connection.js';
import type { SendOptions, TransferResult } from '../outgoing-transfer.js';
import type { PeerDirectory } from '../peer-directory.js';
import type { Progress } from '../progress.js';
import type { HttpUploader } from './http-uploader.js';
import { chooseSendRoute, type OurMethods, type SendMethod, type SendRoute } from './method-choice.js';
import { shareLink } from './share-link.js';
import { takesFileProposals } from '../peer-support.js';

export interface SendRouting {
  route(peer: Jid, method: SendMethod, signal: AbortSignal): Promise<SendRoute>;
  upload(
    peer: Jid,
    source: string | Readable,
    options: SendOptions,
    report: (progress: Progress) => void,
  ): Promise<TransferResult>;
}

export function sendRouting(deps: {
  connection: XmppConnection;
  peers: PeerDirectory;
  uploader: HttpUploader;
  /** The namespaces of our SI stream methods and Jingle transports. */
  methods: OurMethods;
}): SendRouting {
  return {
    async route(peer, method, signal) {
      // Never ourselves: sending to our own bare JID reaches our other resources only.
      const online = (method === 'upload' || peer.isFull ? [] : deps.peers.onlineResources(peer)).filter(
        ({ jid }) => !jid.equals(deps.connection.jid),
      );
      const resources = await Promise.all(
        online.map(async ({ jid, priority }) => {
          const support = await deps.peers.support(jid, signal).catch(() => undefined);
          return {
            jid,
            priority,
            features: support?.kind === 'known' ? support.info.features : undefined,
            takesFileProposals: support !== undefined && takesFileProposals(support),
          };
        }),
      );
      signal.throwIfAborted();
      return chooseSendRoute(peer, method, resources, deps.methods);
    },
    async upload(peer, source, options, report) {
      const upload = deps.uploader.upload(source, {
        name: options.name,
        size: options.size,
        mimeType: options.mimeType,
        signal: options.signal,
      });
      upload.on('progress', report);
      const result = await upload.done;
      const id = await shareLink(deps.connection, peer, result);
      return { sid: id, method: 'upload', bytes: result.size, offset: 0, sha256: result.sha256, url: result.url };
    },
  };
}
