// What every ListStore backend shares: ids are decimal strings of a positive integer that grows
// with each append (one sequence per database), and queries and stamps are checked the same way.
import type { ListQuery } from '../types.js';

export function formatListId(id: number): string {
  return String(id);
}

/** An id this store could not have issued is a programmer error, not an empty result. */
export function parseListId(id: string): number {
  const value = /^[1-9][0-9]{0,15}$/.test(id) ? Number(id) : NaN;
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a list entry id: ${JSON.stringify(id)}`);
  return value;
}

export function stampMs(stamp: Date): number {
  const ms = stamp.getTime();
  if (Number.isNaN(ms)) throw new RangeError('invalid stamp');
  return ms;
}

/** The query with its parts as numbers; absent parts stay undefined. */
export function listQueryBounds(query: ListQuery): { afterId?: number; beforeMs?: number; limit?: number } {
  const bounds: { afterId?: number; beforeMs?: number; limit?: number } = {};
  if (query.after !== undefined) bounds.afterId = parseListId(query.after);
  if (query.before !== undefined) bounds.beforeMs = stampMs(query.before);
  if (query.limit !== undefined) {
    if (!Number.isSafeInteger(query.limit) || query.limit < 0) {
      throw new RangeError(`limit must be a non-negative integer, got ${query.limit}`);
    }
    bounds.limit = query.limit;
  }
  return bounds;
}
