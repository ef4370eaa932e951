// The http_upload module's options: defaults for a self-hoster (a family or a club on one small
// machine), every one checked at start-up with its key named.
import { z } from 'zod';
import { Jid } from '@ferry/protocol/jid';
import { accessRuleSchema } from '../../policy/index.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const bytes = z.number().int().min(0);
/** A MIME type or a family such as `image/*`, matched without parameters and case. */
const mimePattern = z
  .string()
  .regex(/^[A-Za-z0-9!#$&^_.+-]+\/(\*|[A-Za-z0-9!#$&^_.+-]+)$/, 'must be type/subtype or type/*');

/** A list, also as one comma-separated string, so env variables and --set can give one. */
const mimeList = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== '')
      : value,
  z.array(mimePattern),
);

const s3Options = z.strictObject({
  endpoint: z.url().optional(),
  region: z.string().min(1).default('us-east-1'),
  bucket: z.string().min(1),
  // Environment overrides turn an all-digit value into a number; a key is still a string.
  access_key_id: z.union([z.string(), z.number()]).transform(String).pipe(z.string().min(1)),
  secret_access_key: z.union([z.string(), z.number()]).transform(String).pipe(z.string().min(1)),
  /** Most self-hosted S3 servers (MinIO, Garage) want path-style URLs. */
  force_path_style: z.boolean().default(true),
  /**
   * Prepended to every object key. Never empty by default: the sweeper deletes objects under it
   * that have no upload record, so Ferry must not share a key space with anything else.
   */
  prefix: z.string().default('ferry-uploads/'),
});

export const httpUploadOptions = z
  .strictObject({
    /** The component's JID; default upload.<domain>. */
    jid: z
      .string()
      .refine((value) => Jid.tryParse(value)?.isDomain === true, 'must be a domain such as upload.example.org')
      .optional(),
    name: z.string().min(1).default('HTTP File Upload'),
    /** Who may upload: accounts of this server only (default), any JID, or a list of JIDs and domains. */
    acl: accessRuleSchema.default('local'),
    /** The HTTPS path the PUT and GET URLs live under. */
    http_path: z
      .string()
      .regex(/^\/[A-Za-z0-9._~/-]*$/)
      .default('/upload'),
    /** Largest file, in bytes; announced in disco (XEP-0363 §3) and the PUT route's body limit. */
    max_file_size: z
      .number()
      .int()
      .min(1)
      .default(100 * MiB),
    /** How long a slot accepts its PUT; XEP-0363 §8 recommends about 300 s. */
    slot_expiry_seconds: z.number().positive().max(86_400).default(300),
    /** Bytes one account may upload in any 24 hours (counting files still stored); 0 = no limit. */
    daily_quota_bytes: bytes.default(GiB),
    /** Bytes one account may have stored at once; 0 = no limit. */
    user_quota_bytes: bytes.default(0),
    /** Bytes stored for everyone together; 0 = no limit (watch the disk yourself). */
    global_quota_bytes: bytes.default(0),
    /** Only these MIME types (or `type/*` families) may be uploaded; empty = any. */
    allowed_types: mimeList.default([]),
    /** These MIME types (or families) are refused, even when allowed_types lists them. */
    forbidden_types: mimeList.default([]),
    /**
     * Files are deleted this many days after upload (fractions allowed); 0 = kept until deleted.
     * Purpose 'message' (the default) follows it; 'ephemeral' gets the earlier of this and its
     * own expire-before.
     */
    expire_after_days: z.number().min(0).default(7),
    /**
     * XEP-0363 1.2 purpose 'permanent': when true, such files are kept until deleted; when false
     * (default), a permanent request is refused with not-acceptable, since files expire after
     * expire_after_days (with expire_after_days = 0 every file is permanent and it is accepted).
     */
    permanent: z.boolean().default(false),
    /** Purpose 'profile' (avatars, cover photos): kept this many days; 0 = until deleted. */
    profile_expire_after_days: z.number().min(0).default(0),
    /** Purpose 'profile': the spec expects small files; larger ones get file-too-large. */
    profile_max_file_size: z
      .number()
      .int()
      .min(1)
      .default(5 * MiB),
    /** Where the bytes go: 'filesystem' (under `path`) or an S3-compatible object store (`s3`). */
    store: z.enum(['filesystem', 's3']).default('filesystem'),
    /** The filesystem store's folder; default <data_dir>/uploads. */
    path: z.string().min(1).optional(),
    s3: s3Options.optional(),
    /** How often expired files and orphaned blobs are removed (also once at start). */
    sweep_interval_seconds: z.number().positive().default(3_600),
    /**
     * A blob without metadata (its account was deleted while the server was stopped) is removed
     * once it has been seen orphaned for this long, so an upload in flight is never touched.
     */
    orphan_grace_seconds: z.number().min(0).default(3_600),
  })
  .refine((options) => options.store !== 's3' || options.s3 !== undefined, {
    message: 'store = "s3" needs an [s3] table (bucket, access_key_id, secret_access_key…)',
    path: ['s3'],
  });

export type HttpUploadOptions = z.output<typeof httpUploadOptions>;

/** The module's name: the config key (modules.http_upload) and the prefix of its store's name. */
export const MODULE_NAME = 'http_upload';
