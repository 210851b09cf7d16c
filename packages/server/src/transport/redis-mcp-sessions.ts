/**
 * MCP sessions in Redis, for several instances: one hash per session (its record, and a field per
 * subscription), which expires when the session has been idle, and per member a sorted set of their
 * sessions by age, for the limit. Scripts that read and then write run in Redis, so two instances
 * answering the same session at once cannot step past its limits.
 */
import { Redis } from 'ioredis';
import { REDIS_CONNECTION } from '../bus/redis-connection.js';
import type { McpSessionRecord, McpSessionState, McpSessionStore, Subscribed } from './mcp-sessions.js';

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

/**
 * KEYS: the new session, its member's set. ARGV: id, member, token, protocol version, created, idle
 * ms, max, the prefix of session keys. Keeps the session, forgets the member's sessions that expired
 * by themselves, ends the oldest past the limit (never the new one, whatever the instances' clocks
 * say), and returns the ids it ended. The sessions it looks at are named by the member's set: one
 * Redis, not a Cluster, runs this.
 */
const OPEN = `
redis.call('HSET', KEYS[1], 'member', ARGV[2], 'token', ARGV[3], 'version', ARGV[4], 'created', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
local live = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if redis.call('EXISTS', ARGV[8] .. id) == 1 then table.insert(live, id) else redis.call('ZREM', KEYS[2], id) end
end
local ended = {}
local excess = #live - tonumber(ARGV[7])
for _, id in ipairs(live) do
  if excess <= 0 then break end
  if id ~= ARGV[1] then
    redis.call('DEL', ARGV[8] .. id)
    redis.call('ZREM', KEYS[2], id)
    table.insert(ended, id)
    excess = excess - 1
  end
end
return ended
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
    this.redis = new Redis(options.url, REDIS_CONNECTION);
    this.redis.on('error', (error) => options.onError?.(error));
    this.redis.defineCommand('rtMcpOpen', { numberOfKeys: 2, lua: OPEN });
    this.redis.defineCommand('rtMcpSubscribe', { numberOfKeys: 1, lua: SUBSCRIBE });
    this.redis.defineCommand('rtMcpUnsubscribe', { numberOfKeys: 1, lua: UNSUBSCRIBE });
  }

  static async open(options: RedisMcpSessionsOptions): Promise<RedisMcpSessions> {
    const sessions = new RedisMcpSessions(options);
    await sessions.redis.connect();
    return sessions;
  }

  async open(record: McpSessionRecord, idleMs: number, maxPerMember: number): Promise<string[]> {
    const run = this.script('rtMcpOpen') as unknown as (...args: Array<string | number>) => Promise<string[]>;
    return run(
      this.key(record.id),
      this.memberKey(record.memberId),
      record.id,
      record.memberId,
      record.tokenId ?? '',
      record.protocolVersion,
      record.createdAt,
      idleMs,
      maxPerMember,
      this.key(''),
    );
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

  async subscribe(id: string, own: string, given: string, max: number): Promise<Subscribed> {
    const answer = await this.script('rtMcpSubscribe')(this.key(id), own, given, max);
    return answer === 1 ? 'kept' : answer === 0 ? 'full' : 'gone';
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
