// XEP-0363 v1.2: HTTP File Upload, as the component upload.<domain>. A client asks the component
// for a slot (§4) and gets a PUT URL with a signed token and the GET URL to share; it PUTs the file
// over HTTPS (§6) and anyone with the GET URL can fetch it. Purposes (1.2) pick how long a file is
// kept; quotas, types and sizes are checked at the slot and again at the PUT.
//
//   slot-request.ts  §4 slot → signed token (slot-token.ts), §5 errors (upload-errors.ts, limits.ts)
//   put-handler.ts   §6 PUT → blob store (blob-stores.ts, blob-store/) + metadata (file-records.ts)
//   get-handler.ts   GET/HEAD with ranges (byte-range.ts) and safe headers (response-headers.ts)
//   sweeper.ts       expiry, and blobs whose account was deleted
//   admin.ts         list/delete for the CLI, without a running server
import { NS } from '@ferry/protocol/namespaces';
import { purposeFeature, uploadServiceForm } from '@ferry/protocol/payloads/http-upload';
import { defineModule } from '../../core/module.js';
import { LiveTransfers, type LiveTransferSnapshot } from '../../core/live-transfers.js';
import { accessList } from '../../policy/index.js';
import { openBlobStore } from './blob-stores.js';
import { FILES_STORE, FileRecords, type FileRecord } from './file-records.js';
import { handleGet } from './get-handler.js';
import { MODULE_NAME, httpUploadOptions, type HttpUploadOptions } from './options.js';
import { handlePut } from './put-handler.js';
import { CORS_HEADERS } from './response-headers.js';
import type { UploadRuntime } from './runtime.js';
import { KEYS_STORE, loadSlotKey, sharedSlotKey } from './slot-token.js';
import { answerSlotRequest, ownerOf } from './slot-request.js';
import { Sweeper, type SweepReport } from './sweeper.js';
import { uploadErrors } from './upload-errors.js';

export type { FileRecord } from './file-records.js';
export type { UploadServedRecord, UploadStoredRecord } from './runtime.js';

export interface HttpUploadService {
  readonly jid: string;
  /** Runs the sweeper now (as at `now`, ms, when given) — for the admin console and tests. */
  sweep(now?: number): Promise<SweepReport>;
  /** Sum of the stored files' sizes, from the in-memory index of file records (no store scan). */
  readonly storedBytes: number;
  /** PUTs and GETs streaming now, with their bytes so far (for operators: the operations service). */
  transfers(): LiveTransferSnapshot[];
  /** Every stored file's record (one account's with `owner`, a prepared username), oldest first. */
  list(filter?: { owner?: string }): FileRecord[];
  /** Deletes the record, then the bytes; the record, or undefined when there was no such file. */
  delete(id: string): Promise<FileRecord | undefined>;
  /** The effective limits, for the admin console (nothing secret: no S3 keys). */
  readonly settings: UploadSettings;
}

export type UploadSettings = Pick<
  HttpUploadOptions,
  | 'acl'
  | 'max_file_size'
  | 'slot_expiry_seconds'
  | 'daily_quota_bytes'
  | 'user_quota_bytes'
  | 'global_quota_bytes'
  | 'allowed_types'
  | 'forbidden_types'
  | 'expire_after_days'
  | 'permanent'
  | 'profile_expire_after_days'
  | 'profile_max_file_size'
  | 'store'
>;

declare module '../../core/services.js' {
  interface Services {
    http_upload: HttpUploadService;
  }
}

export default defineModule({
  name: MODULE_NAME,
  spec: {
    xep: 363,
    version: '1.2.0',
    status: 'complete',
    note: 'component upload.<domain>; purposes message, profile, ephemeral, permanent (configurable)',
  },
  depends: ['disco'],
  options: httpUploadOptions,
  async setup(ctx, options) {
    const component = options.jid ?? `upload.${ctx.domain}`;
    const prefix = options.http_path.replace(/\/+$/, '');
    const blobs = await openBlobStore(ctx.config, options);
    ctx.onTeardown(() => blobs.close());
    // Several nodes serve one domain: they must check each other's slots and files.
    const isShared = ctx.config.cluster !== undefined;
    const records = new FileRecords(await ctx.openKeyValue<FileRecord>({ name: FILES_STORE }));
    await records.reload();
    const runtime: UploadRuntime = {
      domain: ctx.domain,
      options,
      slotKey: isShared
        ? await sharedSlotKey(await ctx.openKeyValue<string>({ name: KEYS_STORE }))
        : await loadSlotKey(ctx.config.data_dir),
      records,
      blobs,
      logger: ctx.logger,
      events: ctx.events,
      inFlight: new Map(),
      // Requests are bounded by the HTTP listeners' connections; this only caps what operators see.
      live: new LiveTransfers({ max: 10_000 }),
      now: () => Date.now(),
      // Called per request: the HTTPS port is known only once the listeners run.
      fileUrl: (id, name) => ctx.http.publicUrl(`${prefix}/${id}/${encodeURIComponent(name)}`),
    };

    const sweeper = new Sweeper(runtime);
    sweeper.start(options.sweep_interval_seconds * 1000);
    ctx.onTeardown(() => sweeper.stop());

    // §3: the component in the server's disco#items, with max-file-size in an XEP-0128 form.
    ctx.onTeardown(ctx.router.addHost(component));
    const isPermanentOffered = options.permanent || options.expire_after_days === 0;
    const discoEntry = ctx.require('disco').addComponent(component, {
      name: options.name,
      identities: [{ category: 'store', type: 'file', name: options.name }],
      features: [
        NS.HTTP_UPLOAD,
        purposeFeature('message'),
        purposeFeature('profile'),
        purposeFeature('ephemeral'),
        ...(isPermanentOffered ? [purposeFeature('permanent')] : []),
      ],
      forms: [uploadServiceForm(options.max_file_size)],
    });

    let isAllowed = accessList(options.acl, ctx.domain);
    let refusal = refusalText(options.acl);
    // Who may upload, the quotas, the type lists, the largest file and the expiry of files uploaded
    // from now on change on a reload (and from the admin console); paths, the store and the purposes
    // offered need a restart.
    ctx.onReload<HttpUploadOptions>((next) => {
      isAllowed = accessList(next.acl, ctx.domain);
      refusal = refusalText(next.acl);
      const live = {
        acl: next.acl,
        daily_quota_bytes: next.daily_quota_bytes,
        user_quota_bytes: next.user_quota_bytes,
        global_quota_bytes: next.global_quota_bytes,
        allowed_types: next.allowed_types,
        forbidden_types: next.forbidden_types,
        max_file_size: next.max_file_size,
        expire_after_days: next.expire_after_days,
      };
      if (next.max_file_size !== runtime.options.max_file_size) {
        // §3: disco announces the new limit; the route's body limit follows.
        discoEntry.setForms([uploadServiceForm(next.max_file_size)]);
        removeRoute();
        removeRoute = serve(next.max_file_size);
      }
      runtime.options = { ...runtime.options, ...live };
      return Object.keys(live);
    });
    ctx.onIq({ type: 'get', to: 'host', host: component, child: [NS.HTTP_UPLOAD, 'request'] }, async (iq) => {
      if (!isAllowed(iq.from)) throw uploadErrors.forbidden(refusal);
      const owner = ownerOf(iq.from, ctx.domain);
      // Uploads through other nodes of a cluster count towards the quota too.
      if (isShared) await records.refreshOwner(owner);
      return answerSlotRequest(runtime, owner, iq.payload);
    });

    // secureOnly: the PUT's token and the GET URL's secret must never cross the network in clear.
    // Registered again when max_file_size changes (the body limit is the route's).
    const serve = (maxBodyBytes: number): (() => void) =>
      ctx.http.route({
        method: ['PUT', 'GET', 'HEAD', 'OPTIONS'],
        prefix,
        maxBodyBytes,
        secureOnly: true,
        handler: (request, response) => {
          if (request.method === 'PUT') return handlePut(runtime, request, response);
          if (request.method === 'OPTIONS') {
            response.writeHead(204, CORS_HEADERS).end(); // the CORS preflight (XEP-0363 §9)
            return;
          }
          return handleGet(runtime, request, response);
        },
      });
    let removeRoute = serve(options.max_file_size);

    // An account deleted while we run: its records went with it (AccountStore.delete); its bytes go here.
    ctx.onTeardown(
      ctx.events.on('account-deleted', async (username) => {
        const gone = records.forgetOwner(username);
        for (const record of gone) await blobs.delete(record.id);
        if (gone.length > 0)
          ctx.logger.info({ user: username, files: gone.length }, 'HTTP uploads of a deleted account removed');
      }),
    );

    ctx.provide('http_upload', {
      jid: component,
      sweep: (now) => sweeper.sweep(now),
      get storedBytes() {
        return records.totalBytes;
      },
      transfers: () => runtime.live.snapshot(),
      list: (filter = {}) =>
        (filter.owner === undefined ? [...records.all()] : records.ofOwner(filter.owner)).sort(
          (a, b) => a.created - b.created || a.id.localeCompare(b.id),
        ),
      delete: async (id) => {
        // The record first: once it is gone nobody is served the file, whatever happens to the blob.
        const record = await records.remove(id);
        if (record) await blobs.delete(id);
        return record;
      },
      // A getter: a reload or the console changes some of them.
      get settings() {
        const options = runtime.options;
        return {
          acl: options.acl,
          max_file_size: options.max_file_size,
          slot_expiry_seconds: options.slot_expiry_seconds,
          daily_quota_bytes: options.daily_quota_bytes,
          user_quota_bytes: options.user_quota_bytes,
          global_quota_bytes: options.global_quota_bytes,
          allowed_types: options.allowed_types,
          forbidden_types: options.forbidden_types,
          expire_after_days: options.expire_after_days,
          permanent: options.permanent,
          profile_expire_after_days: options.profile_expire_after_days,
          profile_max_file_size: options.profile_max_file_size,
          store: options.store,
        };
      },
    });
    ctx.logger.info(
      { jid: component, store: blobs.description, files: [...records.all()].length },
      'HTTP upload ready',
    );
  },
});

function refusalText(acl: HttpUploadOptions['acl']): string {
  return acl === 'local' ? 'Only accounts of this server may upload files' : 'You may not upload files here';
}
