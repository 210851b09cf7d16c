/** Settings, read from the environment once at start; docs/operations.md lists every one. */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');
const int = (min: number) => z.coerce.number().int().min(min);

const Env = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: int(0).max(65535).default(8004),
  DATABASE_PATH: z.string().default('./data/roundtable.db'),
  DATABASE_URL: z.string().optional(),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('public'),
  DATABASE_POOL_SIZE: int(1).default(10),
  REDIS_URL: z.string().optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[\w:-]+$/)
    .default('roundtable'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'text']).default('auto'),
  OPEN_REGISTRATION: bool.default(true),
  DEFAULT_ROOM: z.string().default('general'),
  AGENT_DEPTH_LIMIT: int(0).default(10),
  RATE_MEMBER_MESSAGES_PER_SEC: int(0).default(20),
  RATE_MEMBER_MESSAGES_BURST: int(1).default(60),
  RATE_CONNECTION_FRAMES_PER_SEC: int(0).default(200),
  RATE_CONNECTION_FRAMES_BURST: int(1).default(400),
  RATE_MEMBER_REQUESTS_PER_SEC: int(0).default(50),
  RATE_MEMBER_REQUESTS_BURST: int(1).default(100),
  RATE_ANONYMOUS_REQUESTS_PER_SEC: int(0).default(5),
  RATE_ANONYMOUS_REQUESTS_BURST: int(1).default(20),
  MAX_FRAME_BYTES: int(1024).default(262_144),
  MAX_BUFFERED_BYTES: int(65_536).default(8_388_608),
  HEARTBEAT_MS: int(100).default(30_000),
  AUTH_TIMEOUT_MS: int(100).default(10_000),
  STREAM_IDLE_MS: int(100).default(120_000),
  ACTIVITY_TTL_MS: int(100).default(30_000),
  TASK_REAPER_INTERVAL_MS: int(10).default(1_000),
  TASK_ESCALATE_AFTER_MS: int(0).default(600_000),
  SHUTDOWN_GRACE_MS: int(0).default(10_000),
  SSE_KEEPALIVE_MS: int(100).default(15_000),
  SESSION_IDLE_TTL_MS: int(60_000).default(30 * 86_400_000),
  SESSION_MAX_TTL_MS: int(60_000).default(90 * 86_400_000),
  MAX_CONNECTIONS_PER_MEMBER: int(0).default(20),
  AGENTS_FILE: z.string().optional(),
  AGENT_TOKENS_PER_ROOM_PER_HOUR: int(0).default(0),
  AGENT_WAKES_PER_MINUTE: int(0).default(20),
  AGENT_REPEAT_LIMIT: int(0).default(3),
  AGENT_REPEAT_WINDOW_MS: int(1000).default(600_000),
  CORS_ORIGINS: z.string().default(''),
  ALLOWED_ORIGINS: z.string().default(''),
  TRUST_PROXY: z.string().default(''),
  // src/ and dist/ both sit one level below the server package, so this finds the built web UI from either.
  WEB_ROOT: z.string().default(fileURLToPath(new URL('../../web/dist', import.meta.url))),
});

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    host: e.HOST,
    port: e.PORT,
    databasePath: e.DATABASE_PATH,
    /** When set (postgres://…), PostgreSQL is the store and DATABASE_PATH is not used. */
    databaseUrl: e.DATABASE_URL || undefined,
    databaseSchema: e.DATABASE_SCHEMA,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    /** When set (redis://…), hub instances fan out to each other through Redis. */
    redisUrl: e.REDIS_URL || undefined,
    redisPrefix: e.REDIS_PREFIX,
    logLevel: e.LOG_LEVEL,
    /** `auto`: text on a terminal, JSON otherwise (a file, a pipe, a collector). */
    logFormat: e.LOG_FORMAT,
    openRegistration: e.OPEN_REGISTRATION,
    defaultRoom: e.DEFAULT_ROOM,
    agentDepthLimit: e.AGENT_DEPTH_LIMIT,
    memberMessages: { perSecond: e.RATE_MEMBER_MESSAGES_PER_SEC, burst: e.RATE_MEMBER_MESSAGES_BURST },
    connectionFrames: { perSecond: e.RATE_CONNECTION_FRAMES_PER_SEC, burst: e.RATE_CONNECTION_FRAMES_BURST },
    memberRequests: { perSecond: e.RATE_MEMBER_REQUESTS_PER_SEC, burst: e.RATE_MEMBER_REQUESTS_BURST },
    anonymousRequests: { perSecond: e.RATE_ANONYMOUS_REQUESTS_PER_SEC, burst: e.RATE_ANONYMOUS_REQUESTS_BURST },
    maxFrameBytes: e.MAX_FRAME_BYTES,
    maxBufferedBytes: e.MAX_BUFFERED_BYTES,
    heartbeatMs: e.HEARTBEAT_MS,
    authTimeoutMs: e.AUTH_TIMEOUT_MS,
    streamIdleMs: e.STREAM_IDLE_MS,
    activityTtlMs: e.ACTIVITY_TTL_MS,
    taskReaperIntervalMs: e.TASK_REAPER_INTERVAL_MS,
    taskEscalateAfterMs: e.TASK_ESCALATE_AFTER_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    sseKeepAliveMs: e.SSE_KEEPALIVE_MS,
    /** A sign-in session unused this long (ms) expires; its use renews it, recorded at most once a minute. */
    sessionIdleTtlMs: e.SESSION_IDLE_TTL_MS,
    /** A sign-in session expires this long (ms) after it was made, however much it is used. */
    sessionMaxTtlMs: e.SESSION_MAX_TTL_MS,
    /** Live WebSocket and SSE connections one member may hold on an instance; the oldest is closed past it. 0: no limit. */
    maxConnectionsPerMember: e.MAX_CONNECTIONS_PER_MEMBER,
    /** An agents file (JSON): the hub runs those agents itself, each as an agent member with its own token. */
    agentsFile: e.AGENTS_FILE || undefined,
    /** Tokens any agent may spend per room per rolling hour, as its replies report them; 0: no hub limit. */
    agentTokenBudget: e.AGENT_TOKENS_PER_ROOM_PER_HOUR,
    /** How often agents' messages may wake one agent in one room per minute, unless the room sets its own; 0: no limit. */
    agentWakesPerMinute: e.AGENT_WAKES_PER_MINUTE,
    /** Near-identical agent messages in a room within the window that stop agents being woken there; below 2: off. */
    agentRepeatLimit: { repeats: e.AGENT_REPEAT_LIMIT, windowMs: e.AGENT_REPEAT_WINDOW_MS },
    /** The built web UI, served at `/` when it exists. */
    webRoot: e.WEB_ROOT,
    /**
     * Addresses or CIDR ranges of reverse proxies (`127.0.0.1,10.0.0.0/8`) whose `X-Forwarded-For` is
     * believed for the client's address (per-address limits, the sign-in throttle, logs). Empty: none.
     */
    trustProxy: e.TRUST_PROXY.trim() || undefined,
    /**
     * Web origins (`https://chat.example.com`, comma-separated) whose pages may call the hub besides
     * its own, CORS preflights answered; requests from any other origin are refused with
     * `origin_not_allowed`. `CORS_ORIGINS`, and `ALLOWED_ORIGINS`, its earlier name, which is still read.
     * Empty: the hub's own only.
     */
    allowedOrigins: `${e.CORS_ORIGINS},${e.ALLOWED_ORIGINS}`
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ''),
  };
}
