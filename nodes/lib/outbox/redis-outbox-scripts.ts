// The Lua scripts of the Redis outbox. Each runs atomically, so the stream, the per-partition queues and the
// keys beside them never disagree, and each batch is one round trip.
//
// Keys of one outbox (prefix p, outbox name o):
//   p outbox:o:stream      the Stream; the consumer group 'delivery' hands entries to workers (its PEL says who has what)
//   p outbox:o:queue:<partition>  a list of the partition's waiting entry ids in order: its head is the next to deliver
//   p outbox:o:tries       hash id → "attempts\nnextAttemptAt\nlastError" for items that failed
//   p outbox:o:keys        hash idempotency key → id, for keys still held (queued or dead-lettered)
//   p outbox:o:dead        hash id → dead letter JSON
//   p outbox:o:counters    hash delivered / retries / deadLettered
//   p outboxes             set of outbox names
import type Redis from 'ioredis';

/** Arguments a script hands to one command at most: Lua's unpack() fails past a few thousand. */
const CHUNK = 'local CHUNK = 500';

const SCRIPTS = {
  // KEYS: stream, keys, outboxes, queue per item. ARGV: outbox, group, consumer, hold, then per item partition, key,
  // payload, enqueuedAt. Appends the items whose keys are not held, each partition's ids in one RPUSH and the keys
  // in one HSET (an AOF line per command, not per item). Then, with hold > 0, reads up to hold new entries into
  // this consumer at once, so the worker delivers its own appends from memory instead of reading them back.
  // Returns {id per item, ids of this call's entries now held, other entries read ({id, fields} each), new entries}.
  bridgeOutboxAppend: `
${CHUNK}
redis.call('SADD', KEYS[3], ARGV[1])
local n = #KEYS - 3
local wanted = {}
for i = 1, n do wanted[i] = ARGV[4 + (i - 1) * 4 + 2] end
local held = {}
for s = 1, n, CHUNK do
  local part = redis.call('HMGET', KEYS[2], unpack(wanted, s, math.min(s + CHUNK - 1, n)))
  for j = 1, #part do held[s + j - 1] = part[j] end
end
local out, fresh, isNew, queues, order, keyIds = {}, {}, {}, {}, {}, {}
local added = 0
for i = 1, n do
  local a = 4 + (i - 1) * 4
  local key = ARGV[a + 2]
  local id = held[i] or fresh[key]
  if not id then
    id = redis.call('XADD', KEYS[1], '*', 'p', ARGV[a + 1], 'k', key, 'd', ARGV[a + 3], 't', ARGV[a + 4])
    fresh[key] = id
    isNew[id] = true
    added = added + 1
    local q = KEYS[3 + i]
    if not queues[q] then queues[q] = {}; order[#order + 1] = q end
    table.insert(queues[q], id)
    keyIds[#keyIds + 1] = key
    keyIds[#keyIds + 1] = id
  end
  out[i] = id
end
for _, q in ipairs(order) do
  local ids = queues[q]
  for s = 1, #ids, CHUNK do redis.call('RPUSH', q, unpack(ids, s, math.min(s + CHUNK - 1, #ids))) end
end
for s = 1, #keyIds, 2 * CHUNK do redis.call('HSET', KEYS[2], unpack(keyIds, s, math.min(s + 2 * CHUNK - 1, #keyIds))) end
local mine, others = {}, {}
local hold = tonumber(ARGV[4])
if added > 0 and hold > 0 then
  -- pcall: without the group (no worker has started yet) the entries simply stay unread.
  local read = redis.pcall('XREADGROUP', 'GROUP', ARGV[2], ARGV[3], 'COUNT', hold, 'STREAMS', KEYS[1], '>')
  if type(read) == 'table' and read[1] then
    for _, e in ipairs(read[1][2]) do
      if isNew[e[1]] then
        mine[#mine + 1] = e[1]
      else
        others[#others + 1] = e
      end
    end
  end
end
return {out, mine, others, added}`,

  // KEYS: tries, queue per partition. ARGV: how many ids of each queue. Per queue: id, tries, id, tries… ('' = none).
  bridgeOutboxHeads: `
local out = {}
for i = 2, #KEYS do
  local ids = redis.call('LRANGE', KEYS[i], 0, tonumber(ARGV[i - 1]) - 1)
  local row = {}
  if #ids > 0 then
    local tries = redis.call('HMGET', KEYS[1], unpack(ids))
    for j = 1, #ids do
      row[#row + 1] = ids[j]
      row[#row + 1] = tries[j] or ''
    end
  end
  out[#out + 1] = row
end
return out`,

  // KEYS: stream, tries, keys, counters, queue per item. ARGV: group, then per item id, key. A partition's items
  // that are the head run of its queue (the usual case) leave it in one LTRIM; ids and keys are dropped, acked and
  // deleted in one command each. Returns how many were still queued (another worker may have settled an item it
  // claimed).
  bridgeOutboxDelivered: `
${CHUNK}
local n = #KEYS - 4
local queues, order = {}, {}
for i = 1, n do
  local q = KEYS[4 + i]
  if not queues[q] then queues[q] = {}; order[#order + 1] = q end
  table.insert(queues[q], i)
end
local gone, all = {}, {}
for i = 1, n do all[i] = ARGV[2 * i] end
for _, q in ipairs(order) do
  local items = queues[q]
  local head = redis.call('LRANGE', q, 0, #items - 1)
  local run = #head == #items
  for j = 1, #items do
    if not run then break end
    run = head[j] == ARGV[2 * items[j]]
  end
  if run then
    redis.call('LTRIM', q, #items, -1)
    for j = 1, #items do gone[#gone + 1] = items[j] end
  else
    for j = 1, #items do
      if redis.call('LREM', q, 1, ARGV[2 * items[j]]) == 1 then gone[#gone + 1] = items[j] end
    end
  end
end
local ids, keys = {}, {}
for j, i in ipairs(gone) do
  ids[j] = ARGV[2 * i]
  keys[j] = ARGV[2 * i + 1]
end
for s = 1, #ids, CHUNK do
  local e = math.min(s + CHUNK - 1, #ids)
  redis.call('HDEL', KEYS[2], unpack(ids, s, e))
  -- A key replayed meanwhile names a newer id: it stays held.
  local holds = redis.call('HMGET', KEYS[3], unpack(keys, s, e))
  local drop = {}
  for j = 1, #holds do
    if holds[j] == ids[s + j - 1] then drop[#drop + 1] = keys[s + j - 1] end
  end
  if #drop > 0 then redis.call('HDEL', KEYS[3], unpack(drop)) end
end
for s = 1, n, CHUNK do
  local e = math.min(s + CHUNK - 1, n)
  redis.call('XACK', KEYS[1], ARGV[1], unpack(all, s, e))
  redis.call('XDEL', KEYS[1], unpack(all, s, e))
end
if #gone > 0 then redis.call('HINCRBY', KEYS[4], 'delivered', #gone) end
return #gone`,

  // KEYS: tries, counters, queue. ARGV: id, nextAttemptAt, error. Returns the attempts now, 0 if no longer queued.
  bridgeOutboxFailed: `
if not redis.call('LPOS', KEYS[3], ARGV[1]) then return 0 end
local old = redis.call('HGET', KEYS[1], ARGV[1])
local attempts = 1
if old then attempts = tonumber(string.match(old, '^(%d+)')) + 1 end
redis.call('HSET', KEYS[1], ARGV[1], attempts .. '\\n' .. ARGV[2] .. '\\n' .. ARGV[3])
redis.call('HINCRBY', KEYS[2], 'retries', 1)
return attempts`,

  // KEYS: stream, tries, dead, counters, queue. ARGV: group, id, dead letter JSON. The key stays held.
  bridgeOutboxDeadLetter: `
if redis.call('LREM', KEYS[5], 1, ARGV[2]) == 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('HINCRBY', KEYS[4], 'deadLettered', 1)
return 1`,

  // KEYS: stream, dead, keys, queue per item. ARGV per item: old id, partition, key, payload, enqueuedAt.
  // Returns old id, new id pairs for the dead letters still there.
  bridgeOutboxReplay: `
local out = {}
for i = 4, #KEYS do
  local a = (i - 4) * 5
  local old = ARGV[a + 1]
  if redis.call('HDEL', KEYS[2], old) == 1 then
    local id = redis.call('XADD', KEYS[1], '*', 'p', ARGV[a + 2], 'k', ARGV[a + 3], 'd', ARGV[a + 4], 't', ARGV[a + 5])
    redis.call('RPUSH', KEYS[i], id)
    redis.call('HSET', KEYS[3], ARGV[a + 3], id)
    out[#out + 1] = old
    out[#out + 1] = id
  end
end
return out`,

  // KEYS: stream. ARGV: group, consumer, count, idle ms. Re-claims this consumer's own pending entries with that
  // idle time: 0 is a heartbeat (a live worker's entries are not claimed by others), a large one hands them over
  // at once. Returns the ids still this consumer's.
  bridgeOutboxTouch: `
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', tonumber(ARGV[3]), ARGV[2])
local ids = {}
for i, e in ipairs(pending) do ids[i] = e[1] end
for s = 1, #ids, 500 do
  local args = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0}
  for j = s, math.min(s + 499, #ids) do args[#args + 1] = ids[j] end
  args[#args + 1] = 'IDLE'
  args[#args + 1] = ARGV[4]
  args[#args + 1] = 'JUSTID'
  redis.call(unpack(args))
end
return ids`,

  // KEYS: stream. ARGV: group, this consumer, idle ms. Forgets consumers idle that long that hold nothing
  // (workers that stopped); atomic, so a consumer that just read something is never dropped with its entries.
  bridgeOutboxForget: `
local removed = 0
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local f = {}
  for i = 1, #c, 2 do f[c[i]] = c[i + 1] end
  if f['name'] ~= ARGV[2] and tonumber(f['pending']) == 0 and tonumber(f['idle']) > tonumber(ARGV[3]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], f['name'])
    removed = removed + 1
  end
end
return removed`,
} as const;

type ScriptName = keyof typeof SCRIPTS;
/** The scripts as commands: (number of keys, ...keys, ...args). */
export type OutboxScripts = { [name in ScriptName]: (numberOfKeys: number, ...keysAndArgs: Array<string | number>) => Promise<unknown> };

const defined = new WeakSet<Redis>();

/** Defines the scripts on the client once (ioredis then uses EVALSHA, loading a script a restarted server lost). */
export function outboxScripts(client: Redis): OutboxScripts {
  if (!defined.has(client)) {
    for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { lua });
    defined.add(client);
  }
  return client as unknown as OutboxScripts;
}
