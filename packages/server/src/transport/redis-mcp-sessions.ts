/**
 * MCP sessions in Redis, for several instances: one hash per session (its record, and a field per
 * subscription), which expires when the session has been idle, and per member a sorted set of their
 * sessions by age, for the limit. Scripts that read and then write run in Redis, so two instances
 * answering the same session at once cannot step past its limits.
 */
import { Redis } from 'ioredis';
import type { McpSessionRecord, McpSessionState, McpSessionStore } from './mcp-sessions.js';

/** Subscription fields are named by this prefix and the resource's own URI; the record's fields have none. */
const SUB = 'sub:';

/**
 * KEYS: the session. ARGV: own URI, given URI, max. 1 when kept, 0 when at the limit, -1 when the
 * session is gone. The hash holds the record's four fields besides the subscriptions.
 */
const SUBSCRIBE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local field = 'sub:' .. ARGV[1]
if redis.call('HEXISTS', KEYS[1], field) == 0 and redis.call('HLEN', KEYS[1]) - 4 >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], field, ARGV[2])
return 1
`;

/** KEYS: the session. ARGV: a URI, own or given. */
const UNSUBSCRIBE = `
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local field = all[i]
  if string.sub(field, 1, 4) == 'sub:' and (field == 'sub:' .. ARGV[1] or all[i + 1] == ARGV[1]) then
    redis.call('HDEL', KEYS[1], field)
  end
end
return 1
`;

export interface RedisMcpSessionsOptions {
  url: string;
  /** Prefix of the keys. Default `roundtable`. */
  prefix?: string;
  onError?: (error: unknown) => void;
}

type Script = (...args: Array<string | number>) => Promise<number>;

export class RedisMcpSessions implements McpSessionStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  private constructor(options: RedisMcpSessionsOptions) {
    this.prefix = `${options.prefix ?? 'roundtable'}:mcp:`;
    this.redis = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(times * 100, 2_000),
    });
    this.redis.on('error', (error) => options.onError?.(error));
    this.redis.defineCommand('rtMcpSubscribe', { numberOfKeys: 1, lua: SUBSCRIBE });
    this.redis.defineCommand('rtMcpUnsubscribe', { numberOfKeys: 1, lua: UNSUBSCRIBE });
  }

  static async open(options: RedisMcpSessionsOptions): Promise<RedisMcpSessions> {
    const sessions = new RedisMcpSessions(options);
    await sessions.redis.connect();
    return sessions;
  }

  async open(record: McpSessionRecord, idleMs: number, maxPerMember: number): Promise<string[]> {
    const mine = this.memberKey(record.memberId);
    await this.redis
      .multi()
      .hset(this.key(record.id), {
        member: record.memberId,
        token: record.tokenId ?? '',
        version: record.protocolVersion,
        created: record.createdAt,
      })
      .pexpire(this.key(record.id), idleMs)
      .zadd(mine, record.createdAt, record.id)
      .pexpire(mine, idleMs)
      .exec();
    // Sessions that expired by themselves still have their entry: they neither count nor need ending.
    const ids = await this.redis.zrange(mine, 0, -1);
    const alive = await this.redis.multi(ids.map((id) => ['exists', this.key(id)])).exec();
    const gone = ids.filter((_, index) => alive?.[index]?.[1] === 0);
    const live = ids.filter((_, index) => alive?.[index]?.[1] !== 0);
    const ended = live.slice(0, Math.max(0, live.length - maxPerMember));
    const retired = [...gone, ...ended];
    if (retired.length > 0) {
      await this.redis
        .multi()
        .zrem(mine, ...retired)
        .del(...ended.map((id) => this.key(id)))
        .exec();
    }
    return ended;
  }

  async get(id: string): Promise<McpSessionState | undefined> {
    const fields = await this.redis.hgetall(this.key(id));
    if (fields.member === undefined) return undefined;
    const subscriptions = new Map<string, string>();
    for (const [field, value] of Object.entries(fields)) {
      if (field.startsWith(SUB)) subscriptions.set(field.slice(SUB.length), value);
    }
    return {
      record: {
        id,
        memberId: fields.member,
        tokenId: fields.token ? fields.token : null,
        protocolVersion: fields.version ?? '',
        createdAt: Number(fields.created),
      },
      subscriptions,
    };
  }

  async touch(id: string, memberId: string, idleMs: number): Promise<boolean> {
    const touched = await this.redis
      .multi()
      .pexpire(this.key(id), idleMs)
      .pexpire(this.memberKey(memberId), idleMs)
      .exec();
    return touched?.[0]?.[1] === 1;
  }

  async subscribe(id: string, own: string, given: string, max: number): Promise<boolean> {
    const run = this.script('rtMcpSubscribe');
    return (await run(this.key(id), own, given, max)) === 1;
  }

  async unsubscribe(id: string, uri: string): Promise<void> {
    await this.script('rtMcpUnsubscribe')(this.key(id), uri);
  }

  async end(id: string): Promise<void> {
    const member = await this.redis.hget(this.key(id), 'member');
    const ending = this.redis.multi().del(this.key(id));
    if (member !== null) ending.zrem(this.memberKey(member), id);
    await ending.exec();
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private key(id: string): string {
    return `${this.prefix}session:${id}`;
  }

  private memberKey(memberId: string): string {
    return `${this.prefix}member:${memberId}`;
  }

  private script(name: string): Script {
    const run = (this.redis as unknown as Record<string, Script>)[name]!;
    return run.bind(this.redis);
  }
}
