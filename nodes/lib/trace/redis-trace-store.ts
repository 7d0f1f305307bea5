// The trace in the bridge store's Redis, for bridges that share one Redis. Keys under the store's prefix p and
// the book b (p trace:b:):
//   ids:<kind>          set of the record ids stored (the same id again is ignored)
//   order:<orderNo>     hash "<kind>\n<id>" → the record (kind, op, body) as JSON
//   times:<orderNo>     sorted set of the same fields by time in ms: the order's records oldest first
//   code:<traceCode>    sorted set of order numbers carrying the code, scored by their latest record's time
//   plans               hash order number → its plan (the highest revision seen)
// Each write is one Lua script (atomic: a record is in every key or in none); a trace is three round trips.
import type Redis from 'ioredis';
import type { RedisConnection } from '../stores/redis-connection';
import { buildTraceAnswer, type StoredBody } from './answer';
import type { TraceStoreOptions } from './sqlite-trace-store';
import { DEFAULT_MAX_RECORDS, type OrderPlan, type RecordOutcome, type TraceAnswer, type TraceRecord, type TraceStore } from './types';

const SCRIPTS = {
  // KEYS per record: ids, order, times, code. ARGV per record: id, field, value, atMs, orderNo, has code (1/0).
  bridgeTraceRecord: `
local stored = 0
for i = 1, #KEYS / 4 do
  local k = (i - 1) * 4
  local a = (i - 1) * 6
  if redis.call('SADD', KEYS[k + 1], ARGV[a + 1]) == 1 then
    redis.call('HSET', KEYS[k + 2], ARGV[a + 2], ARGV[a + 3])
    redis.call('ZADD', KEYS[k + 3], ARGV[a + 4], ARGV[a + 2])
    if ARGV[a + 6] == '1' then
      redis.call('ZADD', KEYS[k + 4], 'GT', ARGV[a + 4], ARGV[a + 5])
    end
    stored = stored + 1
  end
end
return stored`,
  // KEYS: plans. ARGV: order number, revision, plan JSON. A plan replaces only a lower revision.
  bridgeTracePlan: `
local held = redis.call('HGET', KEYS[1], ARGV[1])
if held and cjson.decode(held).revision >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`,
  // KEYS: times, order. ARGV: how many. The order's oldest records (HMGET in slices: Lua's unpack has a limit).
  bridgeTraceRead: `
local fields = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
local out = {}
for i = 1, #fields, 1000 do
  local slice = {}
  for j = i, math.min(i + 999, #fields) do slice[#slice + 1] = fields[j] end
  local values = redis.call('HMGET', KEYS[2], unpack(slice))
  for j = 1, #values do out[#out + 1] = values[j] end
end
return out`,
} as const;

type TraceScripts = { [name in keyof typeof SCRIPTS]: (numberOfKeys: number, ...keysAndArgs: Array<string | number>) => Promise<unknown> };
const defined = new WeakSet<Redis>();
function traceScripts(client: Redis): TraceScripts {
  if (!defined.has(client)) {
    for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { lua });
    defined.add(client);
  }
  return client as unknown as TraceScripts;
}

/** Records per script call: a big batch is several calls, each atomic; every record is idempotent. */
const CHUNK = 500;

export class RedisTraceStore implements TraceStore {
  readonly kind = 'redis' as const;
  private closed = false;
  private readonly maxRecords: number;

  /** The connection belongs to the caller (the bridge-store node), which closes it. */
  constructor(
    private readonly connection: RedisConnection,
    readonly book: string,
    options: TraceStoreOptions = {},
  ) {
    this.maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
  }

  private key(...parts: string[]): string {
    if (this.closed) throw new Error(`trace store on ${this.connection.label} is closed`);
    return this.connection.key('trace', this.book, ...parts);
  }

  async record(records: readonly TraceRecord[]): Promise<RecordOutcome> {
    if (records.length === 0) return { stored: 0, duplicates: 0 };
    this.key();
    await this.connection.assertDurable();
    const scripts = traceScripts(this.connection.client);
    let stored = 0;
    for (let from = 0; from < records.length; from += CHUNK) {
      const keys: string[] = [];
      const args: Array<string | number> = [];
      for (const r of records.slice(from, from + CHUNK)) {
        const code = r.traceCode;
        keys.push(this.key('ids', r.kind), this.key('order', r.orderNo), this.key('times', r.orderNo), code === undefined ? this.key('ids', r.kind) : this.key('code', code));
        args.push(r.id, `${r.kind}\n${r.id}`, JSON.stringify({ kind: r.kind, opNo: r.opNo, body: r.body }), r.atMs, r.orderNo, code === undefined ? '0' : '1');
      }
      stored += Number(await scripts.bridgeTraceRecord(keys.length, ...keys, ...args));
    }
    return { stored, duplicates: records.length - stored };
  }

  async plan(plan: OrderPlan): Promise<boolean> {
    const key = this.key('plans');
    await this.connection.assertDurable();
    return Number(await traceScripts(this.connection.client).bridgeTracePlan(1, key, plan.orderNo, plan.revision, JSON.stringify(plan))) === 1;
  }

  async trace(code: string): Promise<TraceAnswer | undefined> {
    const client = this.connection.client;
    const orders = await client.zrevrange(this.key('code', code), 0, -1);
    let orderNo: string | undefined = orders[0];
    if (orderNo === undefined) {
      const [plan, known] = await Promise.all([client.hexists(this.key('plans'), code), client.exists(this.key('times', code))]);
      if (plan === 0 && known === 0) return undefined;
      orderNo = code;
    }
    const [planJson, values] = await Promise.all([
      client.hget(this.key('plans'), orderNo),
      traceScripts(client).bridgeTraceRead(2, this.key('times', orderNo), this.key('order', orderNo), this.maxRecords + 1) as Promise<Array<string | null>>,
    ]);
    const truncated = values.length > this.maxRecords;
    if (truncated) values.length = this.maxRecords;
    return buildTraceAnswer({
      code,
      orderNo,
      plan: planJson ? (JSON.parse(planJson) as OrderPlan) : undefined,
      records: values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as StoredBody),
      alsoInOrders: orders.slice(1),
      truncated,
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
