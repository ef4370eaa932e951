// GET uploads, DELETE uploads/:id (through the http_upload service, so its quota index stays true),
// GET logs?level=&limit= (the log ring).
import { LOG_LEVELS, type LogLevelName } from '../../core/logger.js';
import type { AdminContext } from './admin-context.js';
import { apiErrors } from './api-errors.js';
import type { Endpoint } from './api-table.js';

const MAX_LOG_LINES = 1_000;

export function uploadEndpoints(admin: AdminContext): Endpoint[] {
  const uploads = () => {
    const service = admin.ctx.service('http_upload');
    if (!service) throw apiErrors.unavailable('uploads unavailable: the http_upload module is off');
    return service;
  };
  return [
    {
      method: 'GET',
      path: 'uploads',
      handler({ request }) {
        const owner = request.query.get('owner') ?? undefined;
        return { body: { uploads: uploads().list(owner === undefined ? {} : { owner }) } };
      },
    },
    {
      method: 'DELETE',
      path: 'uploads/:id',
      async handler({ session, params }) {
        const record = await uploads().delete(params.id!);
        if (!record) throw apiErrors.notFound('no such upload');
        admin.audit(session!, 'upload.delete', record.id, { owner: record.owner, name: record.name });
        return { body: { ok: true } };
      },
    },
  ];
}

export function logEndpoints(admin: AdminContext): Endpoint[] {
  return [
    {
      method: 'GET',
      path: 'logs',
      handler({ request }) {
        const level = parseLevel(request.query.get('level'));
        const limit = parseLimit(request.query.get('limit'));
        return { body: { lines: admin.logs.entries({ level, limit }) } };
      },
    },
  ];
}

/** @throws ApiError 400 */
export function parseLevel(value: string | null): LogLevelName {
  if (value === null || value === '') return 'trace';
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw apiErrors.invalid(`level must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return value as LogLevelName;
}

function parseLimit(value: string | null): number {
  if (value === null || value === '') return MAX_LOG_LINES;
  const limit = Number(value);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LOG_LINES) {
    throw apiErrors.invalid(`limit must be a whole number from 1 to ${MAX_LOG_LINES}`);
  }
  return limit;
}
