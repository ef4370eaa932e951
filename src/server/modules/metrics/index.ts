// Metrics in the Prometheus text exposition format (version 0.0.4) at /metrics, for Prometheus
// and Grafana: connections, logins, stanzas, routing errors, file transfers by method and outcome,
// their bytes, upload storage, sessions, and the process (event-loop lag, memory, GC). Off by
// default and, when on, readable only from the `allow` addresses (loopback by default) and with
// the bearer `token` when one is set — as Prosody's mod_http_openmetrics is opt-in and IP-limited.
//
//   collectors.ts  the metrics on a private Registry: read from the core's counters when scraped,
//                  or counted from the modules' transfer events
//   access.ts      the allow list (addresses, CIDR ranges) and the token
import { z } from 'zod';
import { defineModule } from '../../core/module.js';
import { checkAllowEntry, metricsAccess } from './access.js';
import { createMetrics } from './collectors.js';
import { nodeIdFor } from '../../cluster/keys.js';

const options = z.strictObject({
  /**
   * Remote addresses allowed to read the metrics: addresses or CIDR ranges (10.0.0.0/8, ::/0); a
   * comma-separated string is a list too, for FERRY_MODULES__METRICS__ALLOW and --set.
   */
  allow: z
    .preprocess(
      (value) => (typeof value === 'string' ? value.split(',').map((entry) => entry.trim()) : value),
      z.array(
        z.string().superRefine((entry, context) => {
          const problem = checkAllowEntry(entry);
          if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
        }),
      ),
    )
    .default(['127.0.0.1', '::1']),
  /** When set, requests must also send `Authorization: Bearer <token>`. */
  token: z.string().min(16, 'use at least 16 characters').optional(),
  /** Where the metrics are served, on both HTTP listeners. */
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9._~/-]*$/, 'must be a path such as /metrics')
    .default('/metrics'),
});

export default defineModule({
  name: 'metrics',
  spec: [], // not a protocol: no row in docs/protocol-support.md
  enabledByDefault: false,
  options,
  setup(ctx, opts) {
    const { registry, transfers } = createMetrics({
      counters: ctx.counters,
      sessions: () => ctx.sessions.size,
      // Looked up when scraped: HTTP upload is optional and may be set up after this module.
      uploadStorageBytes: () => ctx.service('http_upload')?.storedBytes,
      node: ctx.config.cluster === undefined ? undefined : nodeIdFor(ctx.config.cluster, ctx.config.c2s.port),
    });
    ctx.onTeardown(() => registry.clear());

    ctx.onTeardown(
      ctx.events.on('proxy65-relay', (record) =>
        transfers.finished(
          'socks5',
          record.isAborted ? 'aborted' : 'completed',
          record.bytesToTarget + record.bytesToInitiator,
        ),
      ),
    );
    ctx.onTeardown(
      ctx.events.on('http-upload-stored', (record) => transfers.finished('http_upload', 'completed', record.bytes)),
    );
    ctx.onTeardown(
      ctx.events.on('http-upload-served', (record) =>
        transfers.finished('http_download', record.isComplete ? 'completed' : 'aborted', record.bytes),
      ),
    );

    const access = metricsAccess(opts.allow, opts.token);
    ctx.http.route({
      method: 'GET',
      prefix: opts.path,
      handler: async (request, response) => {
        if (!access.isAllowed(request.remoteAddress, request.headers)) {
          ctx.logger.debug({ remote: request.remoteAddress }, 'metrics refused');
          response.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('forbidden\n');
          return;
        }
        const text = await registry.metrics();
        response.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(text);
      },
    });
    ctx.logger.info({ path: opts.path, allow: opts.allow, token: opts.token !== undefined }, 'metrics ready');
  },
});
