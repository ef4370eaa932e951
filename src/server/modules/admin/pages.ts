// The console's pages and static files under <path>/: GET only. A page without a session
// redirects to the login page; an unknown page is a 404 page. Data comes from the same places the
// JSON API reads.
import type { ServerResponse } from 'node:http';
import type { HttpRequest } from '../../transport/http/types.js';
import type { AdminContext } from './admin-context.js';
import { ApiError } from './api-errors.js';
import { parseLevel } from './api-files.js';
import { listUsers, usersPageQuery } from './api-users.js';
import { SECURITY_HEADERS } from './http-json.js';
import { effectiveSettings } from './settings.js';
import { logsBody, uploadsBody, usersBody } from './console/admin-pages.js';
import { settingsBody } from './console/settings-page.js';
import { CONSOLE_CSS } from './console/console-css.js';
import { CONSOLE_JS, FAVICON_SVG } from './console/console-js.js';
import { html, type Html } from './console/html.js';
import { page, type PageFrame } from './console/layout.js';
import { dashboardBody, loginBody } from './console/live-pages.js';

type Current = NonNullable<PageFrame['current']>;

const STATIC: Readonly<Record<string, { type: string; body: string }>> = {
  'console.css': { type: 'text/css; charset=utf-8', body: CONSOLE_CSS },
  'console.js': { type: 'text/javascript; charset=utf-8', body: CONSOLE_JS },
  'favicon.svg': { type: 'image/svg+xml', body: FAVICON_SVG },
};

export type PageHandler = (
  request: HttpRequest,
  response: ServerResponse,
  segments: readonly string[],
) => Promise<void>;

export function consolePages(admin: AdminContext): PageHandler {
  const { ctx, path: base } = admin;
  const bodies: Record<Current, (request: HttpRequest) => Html | Promise<Html>> = {
    dashboard: () => dashboardBody(ctx.service('operations')),
    users: async (request) => usersBody(await listUsers(admin, usersPageQuery(request.query)), ctx.domain),
    uploads: () => uploadsBody(ctx.service('http_upload')?.list()),
    logs: (request) => {
      const level = parseLevel(request.query.get('level') || 'info');
      return logsBody(admin.logs.entries({ level, limit: 500 }), level);
    },
    settings: () => settingsBody(effectiveSettings(ctx)),
  };
  const titles: Record<Current, string> = {
    dashboard: 'Dashboard',
    users: 'Users',
    uploads: 'Uploads',
    logs: 'Logs',
    settings: 'Settings',
  };

  return async (request, response, segments) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' });
    }
    const [first = '', ...rest] = segments;
    if (first === 'static' && rest.length === 1) {
      const file = STATIC[rest[0]!];
      if (file) return send(response, 200, file.type, file.body);
    }
    const session = admin.sessions.fromRequest(request.headers);
    if (first === 'login' && rest.length === 0) {
      if (session) return redirect(response, `${base}/dashboard`);
      return sendPage(response, 200, page({ title: 'Log in', base }, loginBody()));
    }
    const name = first === '' ? 'dashboard' : first;
    if (!Object.hasOwn(bodies, name) || rest.length > 0) {
      return sendPage(response, 404, page({ title: 'Not found', base }, html`<p>No such page.</p>`));
    }
    if (!session) return redirect(response, `${base}/login`);
    const current = name as Current;
    let body: Html;
    try {
      body = await bodies[current](request);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      body = html`<p>${error.message}</p>`;
    }
    const frame = { title: titles[current], base, current, session };
    sendPage(response, 200, page(frame, body));
  };
}

function sendPage(response: ServerResponse, status: number, text: string): void {
  send(response, status, 'text/html; charset=utf-8', text);
}

function send(
  response: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': type,
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  });
  response.end(body);
}

function redirect(response: ServerResponse, location: string): void {
  response.writeHead(303, { ...SECURITY_HEADERS, location, 'content-length': '0' });
  response.end();
}
