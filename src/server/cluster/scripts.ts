// The Lua scripts: each change that must be atomic in Redis (a write with its announcement, a
// conditional delete, a bounded forward) runs as one script, so no other node sees half of it.
// Entries are decoded with pcall: a value some other program left in our keys fails the check,
// never the script.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface Script {
  readonly lua: string;
  readonly sha: string;
}

function script(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

const SID_OF = `
local function sid_of(value)
  if not value then return nil end
  local ok, entry = pcall(cjson.decode, value)
  if ok and type(entry) == 'table' then return entry.s end
  return nil
end
`;

/**
 * KEYS: account hash, node's session set. ARGV: resource, entry, sid, is-bind ('1'/'0'), channel,
 * event, full JID. A bind always wins (the newest session replaces an older one anywhere); a
 * change applies only while the entry is still this bind. Returns 1 when written.
 */
export const SET_ENTRY = script(`${SID_OF}
if ARGV[4] ~= '1' and sid_of(redis.call('HGET', KEYS[1], ARGV[1])) ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[7])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1`);

/** KEYS: account hash, node's session set. ARGV: resource, sid, channel, event, full JID. */
export const DELETE_ENTRY = script(`${SID_OF}
redis.call('SREM', KEYS[2], ARGV[5])
if sid_of(redis.call('HGET', KEYS[1], ARGV[1])) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1`);

/**
 * KEYS: node set, this node's alive key. ARGV: node id, TTL in ms, alive-key prefix and suffix.
 * Refreshes this node and lists the others. Returns { existed (0/1), live ids…, '', dead ids… }.
 */
export const HEARTBEAT = script(`
local existed = redis.call('EXISTS', KEYS[2])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
redis.call('SADD', KEYS[1], ARGV[1])
local live, dead = {}, {}
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if node ~= ARGV[1] then
    if redis.call('EXISTS', ARGV[3] .. node .. ARGV[4]) == 1 then table.insert(live, node)
    else table.insert(dead, node) end
  end
end
local out = { existed }
for _, node in ipairs(live) do table.insert(out, node) end
table.insert(out, '')
for _, node in ipairs(dead) do table.insert(out, node) end
return out`);

/**
 * KEYS: the target node's inbox, its alive key. ARGV: max length, then field/value pairs.
 * Returns 1 when queued, 0 when the inbox is full, -1 when the node is not alive.
 */
export const FORWARD = script(`
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
return 1`);

/**
 * KEYS: node set, dead node's alive key, its session set, its inbox, the key its unread inbox
 * moves to. ARGV: node id, channel, gone event, sessions-key prefix, salvage ('1' to move the
 * inbox rather than delete it), the moved inbox's time to live in ms. Removes every entry still
 * the dead node's and the node itself, unless it came back meanwhile (nil). Returns { full JID,
 * entry, … } of what it removed.
 */
export const REAP = script(`
if redis.call('EXISTS', KEYS[2]) == 1 then return nil end
local removed = {}
for _, jid in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local slash = string.find(jid, '/', 1, true)
  if slash then
    local hash = ARGV[4] .. string.sub(jid, 1, slash - 1)
    local resource = string.sub(jid, slash + 1)
    local value = redis.call('HGET', hash, resource)
    if value then
      local ok, entry = pcall(cjson.decode, value)
      if ok and type(entry) == 'table' and entry.n == ARGV[1] then
        redis.call('HDEL', hash, resource)
        table.insert(removed, jid)
        table.insert(removed, value)
      end
    end
  end
end
if ARGV[5] == '1' and redis.call('EXISTS', KEYS[4]) == 1 then
  redis.call('RENAME', KEYS[4], KEYS[5])
  redis.call('PEXPIRE', KEYS[5], tonumber(ARGV[6]))
else
  redis.call('DEL', KEYS[4])
end
redis.call('DEL', KEYS[3])
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return removed`);

/** EVALSHA, loading the script on first use (and after a Redis restart forgot it). */
export async function runScript(
  redis: Redis,
  { lua, sha }: Script,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(lua, keys.length, ...keys, ...args);
  }
}
