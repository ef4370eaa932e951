// Appends that take turns per queue, so ids commit in the order they were drawn.
//
// Offline messages and list entries get their ids from a sequence, and readers page with "after
// id" or acknowledge with "through id". A sequence hands out values in call order, but two
// transactions may commit in the other order: a reader could then see id 8, move past it, and
// never see id 7 committed a moment later. SQLite's single writer rules that out; here an append
// first takes a transaction-scoped advisory lock keyed by its queue (an account's offline
// messages, one owner's entries in one store) and draws its id only once it holds it, and the
// lock is released by the commit. Appends to different queues still run in parallel; a hash
// collision between two queues only makes them take turns too.
//
// One statement, so one round trip: the CTE is scanned (taking the lock) before the INSERT's row,
// and with it the identity default, is computed.

// Advisory lock classes (the first key of pg_advisory_xact_lock(int, int)), one per kind of queue.
export const APPEND_LOCK_CLASSES = { offline: 0x4672_0001, list: 0x4672_0002 } as const;

/**
 * `insert` must read its row `FROM serialised`; `queueKey` is the SQL text expression (over the
 * statement's parameters) naming the queue.
 */
export function serialisedAppend(kind: keyof typeof APPEND_LOCK_CLASSES, insert: string, queueKey: string): string {
  return `WITH serialised AS (SELECT pg_advisory_xact_lock(${APPEND_LOCK_CLASSES[kind]}, hashtext(${queueKey})))
    ${insert}`;
}
