// The control socket's wire format, pure (no sockets): newline-delimited JSON, one request per
// line, one reply per request, in order.
//
//   → {"id":1,"op":"status"}
//   ← {"id":1,"ok":true,"result":{…}}
//   → {"id":2,"op":"kick","jid":"alice@example.org","reason":"spam"}
//   ← {"id":2,"ok":false,"error":{"code":"bad-request","message":"…"}}
//   → {"id":3,"op":"settings","action":"set","key":"modules.proxy65.active","value":false}
//
// Whoever can open the socket is the server's operator (it is 0600 in the data directory), but its
// bytes are still decoded as hostile: lines are bounded, anything that is not a known request is an
// error reply, never an exception.

export const CONTROL_SOCKET_NAME = 'ferry.sock';
/** Longest request line; a longer one is answered `line-too-long` and the connection closed. */
export const MAX_LINE_BYTES = 64 * 1024;

export type ControlOp = 'status' | 'sessions' | 'transfers' | 'kick' | 'reload' | 'settings';
const OPS = new Set<string>(['status', 'sessions', 'transfers', 'kick', 'reload', 'settings']);
const SETTINGS_ACTIONS = new Set<string>(['list', 'set', 'reset']);

export type RequestId = string | number | null;

export type ControlRequest =
  | { id: RequestId; op: 'status' | 'sessions' | 'transfers' | 'reload' }
  | { id: RequestId; op: 'kick'; jid: string; reason?: string }
  | { id: RequestId; op: 'settings'; action: 'list' }
  | { id: RequestId; op: 'settings'; action: 'reset'; key: string }
  | { id: RequestId; op: 'settings'; action: 'set'; key: string; value: unknown };

export type ControlErrorCode =
  | 'bad-json'
  | 'bad-request'
  | 'unknown-op'
  | 'line-too-long'
  | 'busy'
  | 'not-found'
  | 'unavailable'
  | 'bad-config'
  | 'not-applied'
  | 'internal';

export interface ControlError {
  code: ControlErrorCode;
  message: string;
}

export type ControlReply =
  { id: RequestId; ok: true; result: unknown } | { id: RequestId; ok: false; error: ControlError };

/** A line decoded: a request, or the error reply it gets. */
export function decodeRequest(line: string): { request: ControlRequest } | { reply: ControlReply } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { reply: failure(null, 'bad-json', 'a request is one JSON object per line') };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { reply: failure(null, 'bad-request', 'a request is a JSON object such as {"id":1,"op":"status"}') };
  }
  const fields = value as Record<string, unknown>;
  const id = isRequestId(fields.id) ? fields.id : null;
  const op = fields.op;
  if (typeof op !== 'string') return { reply: failure(id, 'bad-request', 'the request names no "op"') };
  if (!OPS.has(op)) return { reply: failure(id, 'unknown-op', `unknown op "${op.slice(0, 40)}"`) };
  if (op === 'settings') return decodeSettings(id, fields);
  if (op !== 'kick') return { request: { id, op: op as 'status' } };
  const { jid, reason } = fields;
  if (typeof jid !== 'string' || jid === '') return { reply: failure(id, 'bad-request', 'kick needs "jid"') };
  if (reason !== undefined && typeof reason !== 'string') {
    return { reply: failure(id, 'bad-request', '"reason" must be a string') };
  }
  return { request: { id, op: 'kick', jid, ...(reason !== undefined ? { reason } : {}) } };
}

function decodeSettings(
  id: RequestId,
  fields: Record<string, unknown>,
): { request: ControlRequest } | { reply: ControlReply } {
  const { action, key } = fields;
  if (typeof action !== 'string' || !SETTINGS_ACTIONS.has(action)) {
    return { reply: failure(id, 'bad-request', 'settings needs "action": "list", "set" or "reset"') };
  }
  if (action === 'list') return { request: { id, op: 'settings', action } };
  if (typeof key !== 'string' || key === '' || key.length > 200) {
    return { reply: failure(id, 'bad-request', `settings ${action} needs "key"`) };
  }
  if (action === 'reset') return { request: { id, op: 'settings', action, key } };
  if (!('value' in fields) || fields.value === null) {
    return { reply: failure(id, 'bad-request', 'settings set needs "value"') };
  }
  return { request: { id, op: 'settings', action: 'set', key, value: fields.value } };
}

export function success(id: RequestId, result: unknown): ControlReply {
  return { id, ok: true, result };
}

export function failure(id: RequestId, code: ControlErrorCode, message: string): ControlReply {
  return { id, ok: false, error: { code, message } };
}

export function encodeReply(reply: ControlReply): string {
  return `${JSON.stringify(reply)}\n`;
}

function isRequestId(value: unknown): value is RequestId {
  return (
    value === null ||
    (typeof value === 'string' && value.length <= 100) ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/**
 * Splits a byte stream into lines without assuming chunk boundaries, holding at most `maxBytes` of
 * an unfinished line. Once a line exceeds the bound, `isTooLong` is set and nothing more is read
 * (the caller answers the lines before it, then closes the connection).
 */
export class LineReader {
  readonly #maxBytes: number;
  #parts: Buffer[] = [];
  #length = 0;
  isTooLong = false;

  constructor(maxBytes = MAX_LINE_BYTES) {
    this.#maxBytes = maxBytes;
  }

  /** The lines this chunk completes (blank ones skipped). */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    if (this.isTooLong) return lines;
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, newline);
      if (this.#length + piece.length > this.#maxBytes) return this.#tooLong(lines);
      const line = this.#length === 0 ? piece : Buffer.concat([...this.#parts, piece]);
      this.#parts = [];
      this.#length = 0;
      const text = line.toString('utf8').replace(/\r$/, '');
      if (text.trim() !== '') lines.push(text);
      start = newline + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length > 0) {
      if (this.#length + rest.length > this.#maxBytes) return this.#tooLong(lines);
      // A copy: the chunk's memory may be reused by whoever read it.
      this.#parts.push(Buffer.from(rest));
      this.#length += rest.length;
    }
    return lines;
  }

  #tooLong(lines: string[]): string[] {
    this.isTooLong = true;
    this.#parts = [];
    this.#length = 0;
    return lines;
  }
}
