// The admin console: a JSON API under <path>/api/ and server-rendered pages under <path>/, on the
// HTTPS listener only, for the accounts listed in the top-level `admins` (ADR 0008). Not an XMPP
// protocol; on by default only when `admins` lists someone.
//
//   admin-login.ts     JID + XMPP password against the stored SCRAM keys, throttled
//   admin-sessions.ts  cookie sessions (idle expiry, cap) and their CSRF tokens
//   request-guard.ts   Origin / Sec-Fetch-Site and X-CSRF-Token checks
//   api.ts             the endpoint table (api-*.ts) with auth, CSRF and JSON errors (api-errors.ts)
//   console/           the pages, the stylesheet and the one script
import { z } from 'zod';
import { Jid } from '@ferry/protocol/jid';
import { ConfigError } from '../../core/config.js';
import { logRing } from '../../core/logger.js';
import { defineModule } from '../../core/module.js';
import { auditLogger, type AdminContext } from './admin-context.js';
import { adminLogin } from './admin-login.js';
import { AdminSessions } from './admin-sessions.js';
import { adminApi } from './api.js';
import { consolePages } from './pages.js';

const options = z.strictObject({
  /** Where the console lives on the HTTPS listener; the API is under <path>/api/. */
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-]$/, 'must be a path such as /admin (no trailing slash)')
    .default('/admin'),
  /** A console session unused this long ends. */
  session_idle_minutes: z.number().positive().max(1_440).default(30),
  /** A console session ends this long after login, used or not. */
  session_lifetime_hours: z.number().positive().max(168).default(12),
  /** Console sessions at once; past it the least recently used one ends. */
  max_sessions: z.number().int().min(1).max(10_000).default(100),
});

/** Whole requests are small JSON forms (http-json.ts holds them to 16 KiB); this is the route's hard cap. */
const ROUTE_MAX_BODY_BYTES = 1024 * 1024;

export default defineModule({
  name: 'admin',
  spec: [], // not a protocol: no row in docs/protocol-support.md
  enabledByDefault: (config) => config.admins.length > 0,
  options,
  setup(ctx, opts) {
    if (ctx.config.admins.length === 0) {
      throw new ConfigError('modules.admin is enabled but `admins` lists nobody: add admins = ["you@domain"]');
    }
    const admins = new Set(ctx.config.admins.map((jid) => Jid.parse(jid).bare().toString()));
    const { limits } = ctx.config;
    const sessions = new AdminSessions({
      idleMs: opts.session_idle_minutes * 60_000,
      lifetimeMs: opts.session_lifetime_hours * 3_600_000,
      max: opts.max_sessions,
      path: opts.path,
    });
    ctx.onTeardown(() => sessions.clear());
    const admin: AdminContext = {
      ctx,
      path: opts.path,
      admins,
      sessions,
      logs: logRing(ctx.logger),
      audit: auditLogger(ctx),
      login: adminLogin({
        accounts: ctx.storage.accounts,
        admins,
        iterations: ctx.config.scram_iterations,
        throttle: {
          baseDelayMs: limits.auth_failure_delay_ms,
          accountFailures: limits.max_auth_failures_per_account,
          windowMs: limits.auth_failure_window_seconds * 1000,
        },
      }),
    };
    // However the account went (here, in-band, the library), its console sessions go with it.
    ctx.onTeardown(
      ctx.events.on('account-deleted', (username) => {
        sessions.endAllOf(`${username}@${Jid.parse(ctx.domain).domain}`);
      }),
    );

    const configured = ctx.config.http.public_url;
    const publicOrigin = configured === undefined ? undefined : new URL(configured).origin;
    const api = adminApi(admin, () => publicOrigin);
    const pages = consolePages(admin);
    ctx.http.route({
      method: ['GET', 'POST', 'DELETE'],
      prefix: opts.path,
      maxBodyBytes: ROUTE_MAX_BODY_BYTES,
      // The password and the session cookie never cross the network in clear.
      secureOnly: true,
      handler: (request, response) =>
        request.segments[0] === 'api'
          ? api(request, response, request.segments.slice(1))
          : pages(request, response, request.segments),
    });
    const { http } = ctx.config;
    if (!http.enabled || !http.https_enabled) {
      ctx.logger.warn('the admin console answers on HTTPS only, and the HTTPS listener is off (http.https_enabled)');
    }
    ctx.logger.info({ path: opts.path, admins: [...admins] }, 'admin console ready');
  },
});
